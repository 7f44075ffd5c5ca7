"""Structured amounts as HSDS cost options. HSDS describes what a service costs; our amounts are what the employer
receives (a subsidy, an allowance, a tariff paid for them), which every option says in `amount_description`.

An amount parameter with dated values (`catalogue/dated.py`: the LKV per verloond uur by year, WML-based amounts, ...)
gives one cost option per dated value with its `valid_from`/`valid_to`; an amount without dated values gives one option
without dates. Percentages of the minimum wage carry no currency."""
from __future__ import annotations

from decimal import Decimal

from ..models import DATED_PARAMETERS
from . import ids

PARAMETER_NAMES = {"amount_value": "Bedrag", "amount_max_per_year": "Maximum per jaar", "amount_max_total": "Maximum in totaal"}
AMOUNT_TYPE_TEXTS = {
    "vast": "vast bedrag in euro",
    "per_uur": "euro per verloond uur",
    "per_maand": "euro per maand",
    "percentage_wml": "percentage van het wettelijk minimumloon",
    "loonwaarde": "het verschil tussen het wettelijk minimumloon en de loonwaarde, hoogstens dit percentage van het WML",
    "tarief_per_uur": "uurtarief in euro",
    "werkelijke_kosten": "de werkelijke kosten, hoogstens dit bedrag in euro",
}
PERCENTAGE_TYPES = ("percentage_wml", "loonwaarde")


def _is_euro(instrument, parameter: str) -> bool:
    return parameter != "amount_value" or instrument.amount_type not in PERCENTAGE_TYPES


def _number(value: Decimal) -> int | float:
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(value)


def cost_options(instrument, service_id: str) -> list[dict]:
    if not instrument.amount_type or instrument.amount_type == "geen":
        return []
    dated: dict[str, list] = {}
    for pv in instrument.parameter_values:
        dated.setdefault(pv.parameter, []).append(pv)
    out = []
    for parameter in DATED_PARAMETERS:
        if parameter in dated:
            for pv in dated[parameter]:
                option = _option(instrument, service_id, ids.make("cost_option", pv.id), parameter, pv.value, pv.note)
                if pv.valid_from:
                    option["valid_from"] = pv.valid_from.isoformat()
                if pv.valid_until:
                    option["valid_to"] = pv.valid_until.isoformat()
                if pv.source_url:
                    option["source_url"] = pv.source_url
                out.append(option)
        elif getattr(instrument, parameter) is not None:
            number = instrument.id * len(DATED_PARAMETERS) + DATED_PARAMETERS.index(parameter)
            out.append(_option(instrument, service_id, ids.make("cost_option_fixed", number), parameter,
                               getattr(instrument, parameter), instrument.amount_note if parameter == "amount_value" else None))
    return out


def _option(instrument, service_id: str, option_id: str, parameter: str, value, note: str | None) -> dict:
    what = AMOUNT_TYPE_TEXTS.get(instrument.amount_type, "") if parameter == "amount_value" else "euro"
    text = f"{PARAMETER_NAMES[parameter]} voor de werkgever ({what})"
    option = {"id": option_id, "service_id": service_id, "option": PARAMETER_NAMES[parameter], "amount": _number(value),
              "amount_description": f"{text}. {note}" if note else text, "parameter": parameter,
              "amount_type": instrument.amount_type}
    if _is_euro(instrument, parameter):
        option["currency"] = "EUR"
    return option
