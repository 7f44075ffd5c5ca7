"""The words of harmonisation: statuses, UWV relations, levels, parameters and their labels in Dutch and English."""
from __future__ import annotations

from typing import Iterable

STATUSES = ("geharmoniseerd", "deels", "ontbreekt", "regionaal", "onbekend", "alleen_landelijk", "niet_aangeboden")
UWV_RELATIONS = ("gelijk", "wijkt_af", "geen_uwv", "niet_harmoniseerbaar")
REGION_COLUMN, UWV_COLUMN, NATIONAL_COLUMN = "regio", "uwv", "landelijk"
# Parameters that can be compared; "target_groups" in a kind's comparable list brings "schemes" along.
PARAMETERS = ("duration", "amount", "target_groups", "schemes", "applicant", "decision_period", "payment_moments")
# The benefit decides the provider (Participatiewet -> gemeente, WW/WIA/Wajong -> UWV), so it always differs from UWV.
NOT_COMPARED_WITH_UWV = ("schemes",)

# Every text as (Dutch, English), side by side; _L below gives the per-language view the modules use.
_TEXTS = {
    "param": {
        "duration": ("Duur", "Duration"),
        "amount": ("Bedrag", "Amount"),
        "target_groups": ("Doelgroep", "Target group"),
        "schemes": ("Uitkering of regeling", "Benefit or scheme"),
        "applicant": ("Wie vraagt aan", "Who applies"),
        "decision_period": ("Beslistermijn", "Decision period"),
        "payment_moments": ("Uitbetaling", "Payment"),
    },
    "status": {
        "geharmoniseerd": ("Geharmoniseerd", "Harmonised"),
        "deels": ("Deels geharmoniseerd: parameters verschillen", "Partly harmonised: parameters differ"),
        "ontbreekt": ("Ontbreekt in een of meer gemeenten", "Missing in one or more municipalities"),
        "regionaal": ("Regionaal geregeld", "Arranged regionally"),
        "alleen_landelijk": ("Alleen landelijk of UWV", "National or UWV only"),
        "niet_aangeboden": ("Niet aangeboden", "Not offered"),
        "onbekend": ("Onbekend — nog niet ingevoerd", "Unknown — not yet entered"),
    },
    "uwv": {
        "gelijk": ("Gelijk aan UWV", "Same as UWV"),
        "wijkt_af": ("Wijkt af van UWV", "Differs from UWV"),
        "geen_uwv": ("Geen UWV-tegenhanger", "No UWV counterpart"),
        "niet_harmoniseerbaar": ("Wettelijk niet te harmoniseren met UWV", "Cannot be harmonised with UWV by law"),
    },
    "level": {
        1: ("Alle gemeenten, al hun instrumenten", "All municipalities, all their instruments"),
        2: ("Een deel van de gemeenten, al hun instrumenten", "Some municipalities, all their instruments"),
        3: ("Alle gemeenten, een deel van hun instrumenten", "All municipalities, part of their instruments"),
        4: ("Een deel van de gemeenten, een deel van hun instrumenten",
            "Some municipalities, part of their instruments"),
        5: ("Geen harmonisatie", "No harmonisation"),
    },
    "none": {
        "duration": ("geen maximale duur", "no maximum duration"),
        "amount": ("geen bedrag vastgelegd", "no amount set"),
        "target_groups": ("geen specifieke doelgroep", "no specific target group"),
        "schemes": ("elke uitkering of regeling", "any benefit or scheme"),
        "applicant": ("niet vastgelegd", "not set"),
        "decision_period": ("niet vastgelegd", "not set"),
        "payment_moments": ("niet vastgelegd", "not set"),
    },
    "phrase": {
        "duration": ("duurt {the} {kind}", "the {kind} lasts"),
        "amount": ("is het bedrag", "the amount is"),
        "target_groups": ("is de doelgroep", "the target group is"),
        "schemes": ("is de uitkering of regeling", "the benefit or scheme is"),
        "applicant": ("vraagt aan:", "the applicant is"),
        "decision_period": ("is de beslistermijn", "the decision period is"),
        "payment_moments": ("is de uitbetaling", "payment is"),
    },
    "differs": ("In {n} van de {m} gemeenten {phrase} {value}, {others}{uwv}.",
                "In {n} of {m} municipalities {phrase} {value}, {others}{uwv}."),
    "in": ("in {names} {value}", "in {names} {value}"),
    "uwv_part": ("; UWV: {value}", "; UWV: {value}"),
    "missing_one": ("{names} biedt geen {kind} aan.", "{names} does not offer {kind}."),
    "missing_many": ("{names} bieden geen {kind} aan.", "{names} do not offer {kind}."),
    "same": ("Alle {m} gemeenten bieden {kind} aan met dezelfde voorwaarden.",
             "All {m} municipalities offer {kind} on the same terms."),
    "regional": ("{kind} is regionaal geregeld ({providers}) en geldt in alle gemeenten.",
                 "{kind} is arranged regionally ({providers}) and applies in every municipality."),
    "national": ("Geen gemeente biedt zelf {kind} aan; werkgevers kunnen terecht bij {providers}.",
                 "No municipality offers {kind} itself; employers can turn to {providers}."),
    "not_offered": ("Niemand biedt {kind} aan in deze regio.", "Nobody offers {kind} in this region."),
    "unknown_one": ("Van {names} is het aanbod van {kind} onbekend — nog niet ingevoerd; vraag het "
                    "werkgeversservicepunt.",
                    "What {names} offers as {kind} is unknown — not yet entered; ask the employer service point."),
    "unknown_many": ("Van {names} is het aanbod van {kind} onbekend — nog niet ingevoerd; vraag het "
                     "werkgeversservicepunt.",
                     "What {names} offer as {kind} is unknown — not yet entered; ask the employer service point."),
    "based_on": ("Berekend uit het bekende aanbod: {n} van de {m} gemeenten hebben instrumenten in de gids, {c} "
                 "daarvan hebben hun aanbod compleet verklaard.",
                 "Computed from the known offer: {n} of {m} municipalities have instruments in the guide, {c} of "
                 "them declared their offer complete."),
    "and": ("en", "and"),
}


def _per_language(index: int) -> dict:
    return {key: ({sub: pair[index] for sub, pair in value.items()} if isinstance(value, dict) else value[index])
            for key, value in _TEXTS.items()}


_L = {"nl": _per_language(0), "en": _per_language(1)}

STATUS_ICONS = {"geharmoniseerd": "✓", "deels": "≠", "ontbreekt": "✗", "regionaal": "◆", "onbekend": "?",
                "alleen_landelijk": "○",
                "niet_aangeboden": "–"}
UWV_ICONS = {"gelijk": "=", "wijkt_af": "≠", "geen_uwv": "–", "niet_harmoniseerbaar": "§"}
_HET_WORDS = ("leerwerktraject", "loonkostenvoordeel", "advies")


def _lang(language: str) -> str:
    return language if language in _L else "nl"


def status_label(status: str, language: str = "nl") -> str:
    return _L[_lang(language)]["status"][status]


def uwv_relation_label(relation: str | None, language: str = "nl") -> str:
    return _L[_lang(language)]["uwv"][relation] if relation else ""


def level_label(level: int | None, language: str = "nl") -> str:
    return _L[_lang(language)]["level"][level] if level else ""


def parameter_label(param: str, language: str = "nl") -> str:
    return _L[_lang(language)]["param"][param]


def expand_parameters(comparable: Iterable[str]) -> list[str]:
    """The kind's comparable parameters in a fixed order; target_groups also compares the schemes."""
    wanted = set(comparable or ())
    if "target_groups" in wanted:
        wanted.add("schemes")
    return [p for p in PARAMETERS if p in wanted]
