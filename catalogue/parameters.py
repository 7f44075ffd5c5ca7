"""Human-readable structured parameters (duration, amount, decision period), in Dutch or English. No Flask."""
from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from babel.numbers import format_currency, format_decimal

from .dated import amounts

UNIT_NAMES = {
    "nl": {"dag": ("dag", "dagen"), "week": ("week", "weken"), "maand": ("maand", "maanden"), "jaar": ("jaar", "jaar")},
    "en": {"dag": ("day", "days"), "week": ("week", "weeks"), "maand": ("month", "months"), "jaar": ("year", "years")},
}
APPLICANT_NAMES = {
    "nl": {"werkgever": "werkgever", "werknemer": "werknemer", "wsp": "werkgeversservicepunt"},
    "en": {"werkgever": "employer", "werknemer": "employee", "wsp": "employer service point"},
}
_T = {
    "nl": {
        "up_to": "maximaal {}", "per_hour": "{} per verloond uur", "per_month": "{} per maand", "pct_wml": "{}% van het WML",
        "loonwaarde": "verschil tussen WML en loonwaarde", "loonwaarde_max": "verschil tussen WML en loonwaarde, max. {}% van het WML",
        "tariff": "{} per uur", "actual": "werkelijke kosten", "none": "geen geldbedrag (dienst of voorziening)",
        "per_year": "max. {} per jaar", "total": "max. {} in totaal", "weeks": "{} weken", "week": "1 week",
        "fixed": "{}",
    },
    "en": {
        "up_to": "up to {}", "per_hour": "{} per paid hour", "per_month": "{} per month", "pct_wml": "{}% of minimum wage",
        "loonwaarde": "difference between minimum wage and wage value",
        "loonwaarde_max": "difference between minimum wage and wage value, max. {}% of minimum wage",
        "tariff": "{} per hour", "actual": "actual costs", "none": "no cash amount (service or provision)",
        "per_year": "max. {} per year", "total": "max. {} in total", "weeks": "{} weeks", "week": "1 week",
        "fixed": "{}",
    },
}


def _lang(language: str) -> str:
    return language if language in _T else "nl"


@lru_cache(maxsize=4096)  # a few hundred distinct amounts; Babel's formatting is the costly part of a result page
def euro(value: Decimal | float | None, language: str = "nl") -> str:
    if value is None:
        return ""
    value = Decimal(value)
    fmt = "¤ #,##0" if value == value.to_integral_value() else "¤ #,##0.00"
    return format_currency(value, "EUR", format=fmt, locale="nl_NL" if _lang(language) == "nl" else "en_GB",
                           currency_digits=False)


def duration_text(amount: int | None, unit: str | None, language: str = "nl") -> str:
    if not amount or not unit:
        return ""
    single, plural = UNIT_NAMES[_lang(language)][unit]
    return _T[_lang(language)]["up_to"].format(f"{amount} {single if amount == 1 else plural}")


def amount_text(instrument, language: str = "nl", day=None) -> str:
    """The amount in words, with the dated values in force on `day` (default: the view's peildatum or today)."""
    t = _T[_lang(language)]
    values = amounts(instrument, day)
    kind, value = instrument.amount_type, values["amount_value"]
    if not kind:
        return ""
    pct = format_decimal(value, locale="nl_NL" if _lang(language) == "nl" else "en_GB") if value is not None else ""
    main = {
        "geen": t["none"],
        "vast": t["fixed"].format(euro(value, language)),
        "per_uur": t["per_hour"].format(euro(value, language)),
        "per_maand": t["per_month"].format(euro(value, language)),
        "percentage_wml": t["pct_wml"].format(pct),
        "loonwaarde": t["loonwaarde_max"].format(pct) if value is not None else t["loonwaarde"],
        "tarief_per_uur": t["tariff"].format(euro(value, language)),
        "werkelijke_kosten": t["actual"],
    }[kind]
    parts = [main]
    if values["amount_max_per_year"] is not None:
        parts.append(t["per_year"].format(euro(values["amount_max_per_year"], language)))
    if values["amount_max_total"] is not None:
        parts.append(t["total"].format(euro(values["amount_max_total"], language)))
    return ", ".join(parts)


def decision_period_text(weeks: int | None, language: str = "nl") -> str:
    if weeks is None:
        return ""
    t = _T[_lang(language)]
    return t["week"] if weeks == 1 else t["weeks"].format(weeks)


def applicant_text(applicant: str | None, language: str = "nl") -> str:
    return APPLICANT_NAMES[_lang(language)].get(applicant or "", "")


def duration_in_months(amount: int | None, unit: str | None) -> float | None:
    """For comparing durations across units."""
    if not amount or not unit:
        return None
    return {"dag": amount / 30.4375, "week": amount * 7 / 30.4375, "maand": float(amount), "jaar": amount * 12.0}[unit]
