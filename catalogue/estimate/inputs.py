"""The estimate's inputs from a form or URL, checked field by field: a bad field gets a message and nothing is computed."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Mapping, Sequence

MIN_HOURS, MAX_HOURS = Decimal(1), Decimal(60)
EARLIEST_START = date(2000, 1, 1)
FIELDS = ("uren", "loon", "start", "loonwaarde", "werkgeverslasten", "zonderloonwaarde", "wml")
MIN_WML, MAX_WML = Decimal(1), Decimal(100)
YES = ("ja", "1", "on", "true")


@dataclass
class EstimateInput:
    hours_per_week: Decimal | None = None
    wage_per_hour: Decimal | None = None  # gross; None with use_wml: the wettelijk minimumloon
    use_wml: bool = False
    start: date | None = None
    loonwaarde: Decimal | None = None  # percentage of full output, 0-100; optional
    employer_charges: Decimal | None = None  # werkgeverslasten as % of gross wage; optional
    wml_entered: Decimal | None = None  # the WML per hour as the user knows it, for periods the guide does not confirm
    lks_flat: bool = False  # the gemeente leaves the loonwaarde out at first (Participatiewet art. 10d lid 1 onder b)
    raw: dict[str, str] = field(default_factory=dict)  # what was typed, to show it again
    errors: dict[str, str] = field(default_factory=dict)  # field -> Dutch message (msgid)

    @property
    def ok(self) -> bool:
        return not self.errors


def _text(args: Mapping[str, Sequence[str]], name: str) -> str:
    values = args.get(name) or [""]
    return "".join(ch for ch in str(values[-1]) if ch.isprintable()).strip()[:40]


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text.replace(",", ".").replace("€", "").strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def parse_input(args: Mapping[str, Sequence[str]]) -> EstimateInput:
    """uren, loon (or loon=wml), start (YYYY-MM-DD), loonwaarde (%), werkgeverslasten (%), zonderloonwaarde (ja), wml (the
    WML per hour as the user knows it, used only where the guide has no confirmed amount)."""
    data = EstimateInput(raw={k: _text(args, k) for k in FIELDS})
    raw, errors = data.raw, data.errors
    hours = _decimal(raw["uren"]) if raw["uren"] else None
    if hours is None or not MIN_HOURS <= hours <= MAX_HOURS:
        errors["uren"] = "Vul het aantal uren per week in: een getal van 1 tot en met 60."
    data.hours_per_week = hours
    if raw["loon"].lower() in ("wml", "minimumloon", "wettelijk minimumloon"):
        data.use_wml = True
    else:
        wage = _decimal(raw["loon"]) if raw["loon"] else None
        if wage is None or wage <= 0 or wage > 1000:
            errors["loon"] = "Vul het brutoloon per uur in euro's in (groter dan 0), of kies het wettelijk minimumloon."
        data.wage_per_hour = wage
    try:
        data.start = date.fromisoformat(raw["start"]) if len(raw["start"]) == 10 else None
    except ValueError:
        data.start = None
    if data.start is None:
        errors["start"] = "Vul de startdatum in als JJJJ-MM-DD, bijvoorbeeld 2027-02-01."
    elif data.start < EARLIEST_START or data.start.year > 2100:
        errors["start"] = "De startdatum moet tussen 1 januari 2000 en 2100 liggen."
    for name, attribute in (("loonwaarde", "loonwaarde"), ("werkgeverslasten", "employer_charges")):
        if raw[name]:
            value = _decimal(raw[name].rstrip("%"))
            if value is None or not 0 <= value <= 100:
                errors[name] = "Vul een percentage van 0 tot en met 100 in, of laat het leeg."
            setattr(data, attribute, value)
    if raw["wml"]:
        value = _decimal(raw["wml"])
        if value is None or not MIN_WML <= value <= MAX_WML:
            errors["wml"] = "Vul het wettelijk minimumloon per uur in euro's in (een bedrag van 1 tot en met 100), of laat het leeg."
        data.wml_entered = value
    if raw["zonderloonwaarde"]:
        if raw["zonderloonwaarde"].lower() in YES:
            data.lks_flat = True
        else:
            errors["zonderloonwaarde"] = "Vink het vakje aan of laat het leeg."
    return data
