"""The part of an estimate year in which wage is paid (a `Span`), its paid hours, and the national values per period of
it: a span is cut wherever one of the values it needs changes (the WML on 1 January and 1 July), and each period says
which value, if any, is not confirmed ("niet bevestigd"). No Flask."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from ..combinations import add_months
from .rules import DatedValue, NationalValues
from .texts import Text, data_text, msg, text

CENT = Decimal("0.01")
WEEKS_PER_YEAR = Decimal(52)

# What is missing, per national value: (not in the guide for that day, in the guide but not confirmed).
MISSING = {
    "wml_per_hour": ("Het wettelijk minimumloon per uur op %(day)s staat niet in de gids: niet bevestigd.",
                     "Het wettelijk minimumloon per uur op %(day)s: niet bevestigd."),
    "holiday_allowance_share": ("De vakantiebijslag op %(day)s staat niet in de gids: niet bevestigd.",
                                "De vakantiebijslag op %(day)s: niet bevestigd."),
    "lks_cap_share_of_wml": ("Het maximum van de loonkostensubsidie op %(day)s staat niet in de gids: niet bevestigd.",
                             "Het maximum van de loonkostensubsidie op %(day)s: niet bevestigd."),
    "lks_flat_share_of_wml": ("De loonkostensubsidie zonder loonwaardebepaling op %(day)s staat niet in de gids: "
                              "niet bevestigd.",
                              "De loonkostensubsidie zonder loonwaardebepaling op %(day)s: niet bevestigd."),
    "lks_flat_max_months": ("De duur van de loonkostensubsidie zonder loonwaardebepaling op %(day)s staat niet in de "
                            "gids: niet bevestigd.",
                            "De duur van de loonkostensubsidie zonder loonwaardebepaling op %(day)s: niet bevestigd."),
    "lks_employer_charges_allowance": ("De vergoeding voor werkgeverslasten op %(day)s staat niet in de gids: niet "
                                       "bevestigd.",
                                       "De vergoeding voor werkgeverslasten op %(day)s: niet bevestigd."),
}


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def nl_date(day: date) -> str:
    return day.strftime("%d-%m-%Y")


def pct(share: Decimal) -> Decimal:
    """0.235 -> 23.5, 0.70 -> 70: a share as a percentage, without trailing zeros (str() gives '23.5' and '70', as the
    worked examples write them; a page writes it in its language, texts.written_params)."""
    value = share * 100
    return Decimal(int(value)) if value == value.to_integral_value() else value.normalize()


@dataclass(frozen=True)
class Span:
    """The part of an estimate year in which wage is paid, and the hours per week."""

    start: date
    end: date
    hours_per_week: Decimal

    @property
    def empty(self) -> bool:
        return self.start > self.end

    def hours(self, a: date, b: date) -> Decimal:
        """Paid hours from a to b inclusive: hours per week × 52 / 12 per month (a part of a month by its days)."""
        months, after = 0, b + timedelta(days=1)
        while add_months(a, months + 1) <= after:
            months += 1
        rest = add_months(a, months)
        fraction = Decimal(0)
        if rest < after:
            fraction = Decimal((after - rest).days) / Decimal((add_months(rest, 1) - rest).days)
        return self.hours_per_week * WEEKS_PER_YEAR / 12 * (months + fraction)


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    rows: dict  # name -> DatedValue or None
    missing: Text | None  # why a value of this period is not there (niet bevestigd), or None

    def value(self, name: str) -> Decimal:
        return self.rows[name].value


def unconfirmed(name: str, row: DatedValue | None, day: date) -> Text:
    absent, not_confirmed = MISSING[name]
    if row is None:
        return text(msg(absent, day=nl_date(day)))
    return text(msg(not_confirmed, day=nl_date(day)), data_text(row.reason) if row.reason else None)


def periods(values: NationalValues, span: Span, names: tuple[str, ...]) -> list[Period]:
    """The periods of the span (cut where a value of `names` changes), each with its rows and what is missing."""
    if span.empty:
        return []
    out = []
    for a, b, rows in values.periods(names, span.start, span.end):
        missing = next((unconfirmed(n, rows[n], a) for n in names if rows[n] is None or not rows[n].confirmed), None)
        out.append(Period(a, b, rows, missing))
    return out


def first_missing(found: list[Period]) -> Text | None:
    return next((p.missing for p in found if p.missing is not None), None)


def dates(a: date, b: date) -> dict:
    return {"start": nl_date(a), "end": nl_date(b)}

