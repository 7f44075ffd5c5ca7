"""Who decides: which location makes an instrument available for a hire. The gemeente where the candidate lives
(woonplaatsbeginsel of the Participatiewet) for the gemeente's own instruments, the employer's location for the
werkgeversservicepunt and regional employer services, nobody's for national schemes (UWV, Belastingdienst). The rules are
data with their legal source: seed_data/residence.yaml. No Flask."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from .config import SEED_DIR

RESIDENCE_FILE = SEED_DIR / "residence.yaml"
DECIDERS = ("candidate", "employer", "national")


@dataclass(frozen=True)
class Source:
    title: str
    title_en: str
    url: str | None

    def label(self, language: str) -> str:
        return self.title_en if language == "en" else self.title


@dataclass(frozen=True)
class ResidenceRules:
    provider_types: dict[str, str]
    kinds: dict[str, str]
    sources: dict[str, Source]

    def decider(self, provider_type: str, kind: str) -> str:
        """'candidate', 'employer' or 'national' for an instrument of this provider type and kind."""
        return self.kinds.get(kind) or self.provider_types.get(provider_type) or "employer"


def load_rules(path: Path | str | None = None) -> ResidenceRules:
    return _load(str(path or RESIDENCE_FILE))


@lru_cache(maxsize=4)
def _load(path: str) -> ResidenceRules:
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    types, kinds = dict(data.get("provider_types") or {}), dict(data.get("kinds") or {})
    for where, value in [*types.items(), *kinds.items()]:
        if value not in DECIDERS:
            raise ValueError(f"{path}: '{where}' has '{value}'; choose from {', '.join(DECIDERS)}")
    sources = {key: Source(row["title"], row.get("title_en") or row["title"], row.get("url"))
               for key, row in (data.get("sources") or {}).items()}
    missing = set(DECIDERS) - set(sources)
    if missing:
        raise ValueError(f"{path}: no source for {', '.join(sorted(missing))}")
    return ResidenceRules(types, kinds, sources)
