"""The dated national values the estimate uses (seed_data/estimate.yaml): each row with its period, rule, source and the
date it was last checked. A row without a value is "niet bevestigd" for its period: nothing is computed from it."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import yaml

from ..config import SEED_DIR

ESTIMATE_FILE = SEED_DIR / "estimate.yaml"
NAMES = ("wml_per_hour", "holiday_allowance_share", "lks_cap_share_of_wml", "lks_flat_share_of_wml", "lks_flat_max_months",
         "lks_employer_charges_allowance")
# Values a user may type for periods the guide does not confirm, and the first day such a value can exist: the WML is an
# hourly amount since 1 January 2024 (Wet invoering minimumuurloon), before that there is no hourly WML to type.
ENTERABLE_FROM = {"wml_per_hour": date(2024, 1, 1)}


@dataclass(frozen=True)
class DatedValue:
    value: Decimal | None  # None: niet bevestigd (see `reason`)
    valid_from: date | None
    valid_until: date | None
    rule: str
    source_url: str | None  # the official page the value was read on; None when not confirmed
    last_checked: date | None = None
    reason: str = ""  # why there is no value
    lead: str = ""  # where the value is said to be published (not a source)
    rule_source_url: str | None = None  # the official page of the rule itself
    read_via: str = ""  # how the official text was read when not on the official site itself (a copy of that text)
    entered: bool = False  # typed by the user for a period the guide does not confirm (never from the guide's data)

    @property
    def confirmed(self) -> bool:
        return self.value is not None

    def holds_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_until is None or day <= self.valid_until)


@dataclass(frozen=True)
class NationalValues:
    values: dict[str, tuple[DatedValue, ...]]

    def on(self, name: str, day: date) -> DatedValue | None:
        """The row in force on `day` (perhaps not confirmed), or None when the guide has no row for that day."""
        return next((v for v in self.values.get(name, ()) if v.holds_on(day)), None)

    def on_day(self, day: date) -> "NationalOnDay":
        """Every national value as it stands on `day` (a row perhaps not confirmed, or None: not in the guide)."""
        return NationalOnDay(day, [(name, self.on(name, day)) for name in NAMES])

    def periods(self, names: tuple[str, ...], start: date, end: date) -> list[tuple[date, date, dict]]:
        """[start, end] cut where a row of any of `names` begins or ends: (from, until, {name: row or None})."""
        cuts = {start}
        for name in names:
            for row in self.values.get(name, ()):
                for day in (row.valid_from, row.valid_until and row.valid_until + timedelta(days=1)):
                    if day is not None and start < day <= end:
                        cuts.add(day)
        edges = sorted(cuts)
        return [(a, (edges[i + 1] - timedelta(days=1)) if i + 1 < len(edges) else end,
                 {name: self.on(name, a) for name in names}) for i, a in enumerate(edges)]


    def with_entered(self, name: str, amount: Decimal) -> "NationalValues":
        """These values with `amount`, typed by the user, in every period of `name` the guide does not confirm (from
        the first day such an amount can exist, ENTERABLE_FROM), also after the guide's last row. Confirmed rows stay:
        the guide's own value always wins."""
        since = ENTERABLE_FROM[name]
        rows = list(self.values.get(name, ()))
        out = [replace(r, value=amount, source_url=None, read_via="", entered=True)
               if r.value is None and r.valid_from is not None and r.valid_from >= since else r for r in rows]
        last = max((r.valid_until for r in rows), default=None) if all(r.valid_until for r in rows) else None
        if not rows or last is not None:
            begin = since if last is None else max(since, last + timedelta(days=1))
            out.append(DatedValue(amount, begin, None, "", None, entered=True))
        return NationalValues({**self.values, name: tuple(out)})

    def entered_spans(self, name: str, start: date, end: date) -> list[tuple[date, date]]:
        """The parts of [start, end] where `name` has an amount typed by the user (adjacent periods joined)."""
        spans: list[tuple[date, date]] = []
        for r in sorted((r for r in self.values.get(name, ()) if r.entered), key=lambda r: r.valid_from or date.min):
            a, b = max(start, r.valid_from or start), min(end, r.valid_until or end)
            if a > b:
                continue
            if spans and spans[-1][1] + timedelta(days=1) == a:
                spans[-1] = (spans[-1][0], b)
            else:
                spans.append((a, b))
        return spans


@dataclass(frozen=True)
class NationalOnDay:
    day: date
    rows: list[tuple[str, DatedValue | None]]


def load_values(path: Path | str | None = None) -> NationalValues:
    return _load(str(path or ESTIMATE_FILE))


def _date(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _row(path: str, name: str, row: dict) -> DatedValue:
    from ..content_check import is_official

    value = row.get("value")
    source = row.get("source_url") or None
    if value is not None and not is_official(source):
        raise ValueError(f"{path}: {name} has a value without an official source_url ({source or 'none'})")
    if value is None and not row.get("reason"):
        raise ValueError(f"{path}: {name} has a row without value and without a reason")
    if row.get("read_via") and value is None:
        raise ValueError(f"{path}: {name} says how its value was read (read_via) but has no value")
    if row.get("rule_source_url") and not is_official(row["rule_source_url"]):
        raise ValueError(f"{path}: {name} has a rule_source_url that is not official ({row['rule_source_url']})")
    return DatedValue(None if value is None else Decimal(str(value)), _date(row.get("valid_from")),
                      _date(row.get("valid_until")), str(row.get("rule") or ""), source, _date(row.get("last_checked")),
                      str(row.get("reason") or ""), str(row.get("lead") or ""), row.get("rule_source_url") or None,
                      str(row.get("read_via") or ""))


@lru_cache(maxsize=4)
def _load(path: str) -> NationalValues:
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    out = {}
    for name in NAMES:
        rows = tuple(_row(path, name, r) for r in data.get(name) or [])
        spans = sorted((r.valid_from or date.min, r.valid_until or date.max) for r in rows)
        if any(later[0] <= earlier[1] for earlier, later in zip(spans, spans[1:])):
            raise ValueError(f"{path}: the periods of {name} overlap")
        out[name] = rows
    return NationalValues(out)
