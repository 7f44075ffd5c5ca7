"""Whether an instrument fits the person to be hired (the rule in the package docstring): 'past', 'controleer' or
ruled out. The open-world characteristics and the target groups' age bounds are data: seed_data/wizard.yaml `matching`."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Mapping

import yaml

from ..config import SEED_DIR
from ..models import Instrument
from .benefits import WIZARD_FILE
from .choices import CHOICE_PARAMETERS, Choices


@dataclass(frozen=True)
class MatchingRules:
    open_world: dict[str, object]  # taxonomy -> "all" or a tuple of codes
    age_bounds: dict[str, tuple[int | None, int | None]]  # target group -> (min_age, max_age)

    def is_open(self, taxonomy: str, code: str) -> bool:
        values = self.open_world.get(taxonomy)
        return values == "all" or (isinstance(values, tuple) and code in values)


def load_matching(path: Path | str | None = None) -> MatchingRules:
    return _load_matching(str(path or WIZARD_FILE))


@lru_cache(maxsize=4)
def _load_matching(path: str) -> MatchingRules:
    with open(path, encoding="utf-8") as fh:
        data = (yaml.safe_load(fh) or {}).get("matching") or {}
    open_world = {k: (v if v == "all" else tuple(v or ())) for k, v in (data.get("open_world") or {}).items()}
    bounds = {k: ((v or {}).get("min_age"), (v or {}).get("max_age")) for k, v in (data.get("age_bounds") or {}).items()}
    return MatchingRules(open_world, bounds)


@lru_cache(maxsize=1)
def age_ranges() -> dict[str, tuple[int | None, int | None]]:
    """Age group code -> (min_age, max_age), from seed_data/taxonomies.yaml (None: open)."""
    with (SEED_DIR / "taxonomies.yaml").open(encoding="utf-8") as fh:
        rows = (yaml.safe_load(fh) or {}).get("age_groups") or []
    return {str(r["code"]): (r.get("min_age"), r.get("max_age")) for r in rows}


def _ages_overlap(a: tuple[int | None, int | None], b: tuple[int | None, int | None]) -> bool:
    low = max(x for x in (a[0], b[0], 0) if x is not None)
    highs = [x for x in (a[1], b[1]) if x is not None]
    return not highs or low <= min(highs)


def fit(instrument: Instrument, choices: Choices, matching: MatchingRules | None = None,
        ages: Mapping[str, tuple[int | None, int | None]] | None = None) -> str | None:
    """None when a chosen fact rules the instrument out; otherwise 'past' (it fits what was told) or 'controleer'
    (it is restricted to a characteristic the employer did not tick; see the module docstring)."""
    matching = matching or load_matching()
    status = "past"
    for taxonomy in CHOICE_PARAMETERS.values():
        wanted = choices.selected(taxonomy)
        restricted = {t.code for t in instrument.terms_of(taxonomy)}
        if not restricted or restricted.intersection(wanted):
            continue
        closed = {c for c in restricted if not matching.is_open(taxonomy, c)}
        if wanted and closed == restricted:
            return None
        status = "controleer"
    ages = ages if ages is not None else (age_ranges() if choices.age_groups else None)
    if choices.age_groups and ages:
        age = ages.get(choices.age_groups[0])
        groups = {t.code for t in instrument.terms_of("target_group")}
        bounded = [matching.age_bounds[g] for g in groups if g in matching.age_bounds]
        if age and groups and len(bounded) == len(groups) and not any(_ages_overlap(age, b) for b in bounded):
            return None
    return status


def applies(instrument: Instrument, choices: Choices) -> bool:
    """Whether the instrument may apply to the person (see fit)."""
    return fit(instrument, choices) is not None
