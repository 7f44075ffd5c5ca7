"""Dated parameter values in force on a date (the `peildatum`), their history and announced changes. No Flask.

For a parameter with dated values, the value in force on a day is the dated value whose validity contains that day, and
nothing (unknown) when none does; a parameter without dated values keeps the instrument's single value.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Iterable

from .models import DATED_PARAMETERS, ParameterValue


class PeildatumError(ValueError):
    """An invalid `peildatum`; `parameter` names it for the 400 answer."""

    parameter = "peildatum"

    def __init__(self, value: str):
        self.value = value
        super().__init__(f"geen geldige datum '{value[:40]}' (gebruik JJJJ-MM-DD, bijvoorbeeld 2026-01-01)")

    @property
    def message(self) -> str:
        return str(self)


def parse_peildatum(value: str | None, default: date | None = None) -> date:
    """`YYYY-MM-DD` -> date; empty -> `default` (today)."""
    if value is None or not value.strip():
        return default or date.today()
    text = value.strip()
    try:
        if len(text) != 10:
            raise ValueError
        day = date.fromisoformat(text)
    except ValueError:
        raise PeildatumError(text) from None
    if not 1900 <= day.year <= 2200:
        raise PeildatumError(text)
    return day


def in_force(values: Iterable[ParameterValue], day: date) -> dict[str, Decimal | None]:
    """{parameter: value on `day`} for every parameter that has dated values (None when no value holds that day)."""
    out: dict[str, Decimal | None] = {}
    for pv in values:
        out.setdefault(pv.parameter, None)
        if pv.holds_on(day):
            out[pv.parameter] = pv.value
    return out


def amounts(instrument, day: date | None = None) -> dict[str, Decimal | None]:
    """The three amount parameters of an instrument (or an `OnDate` view) on `day`."""
    day = day or getattr(instrument, "peildatum", None) or date.today()
    base = {p: getattr(instrument, p) for p in DATED_PARAMETERS}
    values = getattr(instrument, "parameter_values", None) or ()
    base.update(in_force(values, day))
    return base


class OnDate:
    """An instrument as it stands on a peildatum: amount parameters resolved, everything else delegated."""

    def __init__(self, instrument, day: date):
        self._instrument = instrument
        self.peildatum = day
        self._values = amounts(instrument, day)

    def __getattr__(self, name):
        if name in DATED_PARAMETERS:
            return self._values[name]
        return getattr(self._instrument, name)

    @property
    def instrument(self):
        """The instrument itself (e.g. for permission checks)."""
        return self._instrument

    @property
    def timeline(self) -> "Timeline":
        return timeline(self._instrument, self.peildatum)


def on_date(instrument, day: date | None = None) -> OnDate:
    return OnDate(instrument, day or date.today())


@dataclass
class ParameterTimeline:
    parameter: str
    current: ParameterValue | None
    history: list[ParameterValue] = field(default_factory=list)  # ended before the peildatum, newest first
    announced: list[ParameterValue] = field(default_factory=list)  # starting after the peildatum, soonest first


@dataclass
class Timeline:
    peildatum: date
    parameters: list[ParameterTimeline]

    def __bool__(self) -> bool:
        return bool(self.parameters)

    @property
    def announced(self) -> list[ParameterValue]:
        return sorted((pv for p in self.parameters for pv in p.announced), key=lambda pv: pv.valid_from or date.min)


def timeline(instrument, day: date | None = None) -> Timeline:
    day = day or date.today()
    per: dict[str, ParameterTimeline] = {}
    for pv in getattr(instrument, "parameter_values", None) or ():
        item = per.setdefault(pv.parameter, ParameterTimeline(pv.parameter, None))
        if pv.holds_on(day):
            item.current = pv
        elif pv.valid_from is not None and pv.valid_from > day:
            item.announced.append(pv)
        else:
            item.history.append(pv)
    for item in per.values():
        item.history.sort(key=lambda pv: pv.valid_from or date.min, reverse=True)
        item.announced.sort(key=lambda pv: pv.valid_from or date.min)
    ordered = [per[p] for p in DATED_PARAMETERS if p in per]
    return Timeline(day, ordered)


def overlaps(records: list[dict]) -> list[str]:
    """Parameters whose dated values overlap in time (input validation)."""
    wrong = []
    by_param: dict[str, list[tuple[date, date]]] = {}
    for r in records:
        by_param.setdefault(r["parameter"], []).append((r.get("valid_from") or date.min, r.get("valid_until") or date.max))
    for parameter, spans in by_param.items():
        spans.sort()
        if any(later[0] <= earlier[1] for earlier, later in zip(spans, spans[1:])):
            wrong.append(parameter)
    return wrong
