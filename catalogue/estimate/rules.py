"""The dated national values the estimate uses (seed_data/estimate.yaml): each with its rule, source and validity."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import yaml

from ..config import SEED_DIR

ESTIMATE_FILE = SEED_DIR / "estimate.yaml"
NAMES = ("wml_per_hour", "lks_cap_share_of_wml", "lks_employer_charges_allowance")


@dataclass(frozen=True)
class DatedValue:
    value: Decimal
    valid_from: date | None
    valid_until: date | None
    rule: str
    source_url: str | None

    def holds_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_until is None or day <= self.valid_until)


@dataclass(frozen=True)
class NationalValues:
    values: dict[str, tuple[DatedValue, ...]]

    def on(self, name: str, day: date) -> DatedValue | None:
        """The value in force on `day`, or None (unknown: nothing is computed from it)."""
        return next((v for v in self.values.get(name, ()) if v.holds_on(day)), None)


def load_values(path: Path | str | None = None) -> NationalValues:
    return _load(str(path or ESTIMATE_FILE))


def _date(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


@lru_cache(maxsize=4)
def _load(path: str) -> NationalValues:
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    out = {}
    for name in NAMES:
        rows = data.get(name) or []
        for row in rows:
            if not row.get("source_url"):
                raise ValueError(f"{path}: {name} has a value without source_url")
        out[name] = tuple(DatedValue(Decimal(str(r["value"])), _date(r.get("valid_from")), _date(r.get("valid_until")),
                                     str(r.get("rule") or ""), r.get("source_url")) for r in rows)
    return NationalValues(out)
