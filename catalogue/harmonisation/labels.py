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

_L = {
    "nl": {
        "param": {"duration": "Duur", "amount": "Bedrag", "target_groups": "Doelgroep", "schemes": "Uitkering of regeling",
                  "applicant": "Wie vraagt aan", "decision_period": "Beslistermijn", "payment_moments": "Uitbetaling"},
        "status": {"geharmoniseerd": "Geharmoniseerd", "deels": "Deels geharmoniseerd: parameters verschillen",
                   "ontbreekt": "Ontbreekt in een of meer gemeenten", "regionaal": "Regionaal geregeld",
                   "alleen_landelijk": "Alleen landelijk of UWV", "niet_aangeboden": "Niet aangeboden",
                   "onbekend": "Onbekend — nog niet ingevoerd"},
        "uwv": {"gelijk": "Gelijk aan UWV", "wijkt_af": "Wijkt af van UWV", "geen_uwv": "Geen UWV-tegenhanger",
                "niet_harmoniseerbaar": "Wettelijk niet te harmoniseren met UWV"},
        "level": {1: "Alle gemeenten, al hun instrumenten", 2: "Een deel van de gemeenten, al hun instrumenten",
                  3: "Alle gemeenten, een deel van hun instrumenten", 4: "Een deel van de gemeenten, een deel van hun instrumenten",
                  5: "Geen harmonisatie"},
        "none": {"duration": "geen maximale duur", "amount": "geen bedrag vastgelegd", "target_groups": "geen specifieke doelgroep",
                 "schemes": "elke uitkering of regeling", "applicant": "niet vastgelegd", "decision_period": "niet vastgelegd",
                 "payment_moments": "niet vastgelegd"},
        "phrase": {"duration": "duurt {the} {kind}", "amount": "is het bedrag", "target_groups": "is de doelgroep",
                   "schemes": "is de uitkering of regeling", "applicant": "vraagt aan:", "decision_period": "is de beslistermijn",
                   "payment_moments": "is de uitbetaling"},
        "differs": "In {n} van de {m} gemeenten {phrase} {value}, {others}{uwv}.",
        "in": "in {names} {value}",
        "uwv_part": "; UWV: {value}",
        "missing_one": "{names} biedt geen {kind} aan.",
        "missing_many": "{names} bieden geen {kind} aan.",
        "same": "Alle {m} gemeenten bieden {kind} aan met dezelfde voorwaarden.",
        "regional": "{kind} is regionaal geregeld ({providers}) en geldt in alle gemeenten.",
        "national": "Geen gemeente biedt zelf {kind} aan; werkgevers kunnen terecht bij {providers}.",
        "not_offered": "Niemand biedt {kind} aan in deze regio.",
        "unknown_one": "Van {names} is het aanbod van {kind} onbekend — nog niet ingevoerd; vraag het werkgeversservicepunt.",
        "unknown_many": "Van {names} is het aanbod van {kind} onbekend — nog niet ingevoerd; vraag het "
                        "werkgeversservicepunt.",
        "based_on": "Berekend uit het bekende aanbod: {n} van de {m} gemeenten hebben instrumenten in de gids, {c} "
                    "daarvan hebben hun aanbod compleet verklaard.",
        "and": "en",
    },
    "en": {
        "param": {"duration": "Duration", "amount": "Amount", "target_groups": "Target group", "schemes": "Benefit or scheme",
                  "applicant": "Who applies", "decision_period": "Decision period", "payment_moments": "Payment"},
        "status": {"geharmoniseerd": "Harmonised", "deels": "Partly harmonised: parameters differ",
                   "ontbreekt": "Missing in one or more municipalities", "regionaal": "Arranged regionally",
                   "alleen_landelijk": "National or UWV only", "niet_aangeboden": "Not offered",
                   "onbekend": "Unknown — not yet entered"},
        "uwv": {"gelijk": "Same as UWV", "wijkt_af": "Differs from UWV", "geen_uwv": "No UWV counterpart",
                "niet_harmoniseerbaar": "Cannot be harmonised with UWV by law"},
        "level": {1: "All municipalities, all their instruments", 2: "Some municipalities, all their instruments",
                  3: "All municipalities, part of their instruments", 4: "Some municipalities, part of their instruments",
                  5: "No harmonisation"},
        "none": {"duration": "no maximum duration", "amount": "no amount set", "target_groups": "no specific target group",
                 "schemes": "any benefit or scheme", "applicant": "not set", "decision_period": "not set",
                 "payment_moments": "not set"},
        "phrase": {"duration": "the {kind} lasts", "amount": "the amount is", "target_groups": "the target group is",
                   "schemes": "the benefit or scheme is", "applicant": "the applicant is", "decision_period": "the decision period is",
                   "payment_moments": "payment is"},
        "differs": "In {n} of {m} municipalities {phrase} {value}, {others}{uwv}.",
        "in": "in {names} {value}",
        "uwv_part": "; UWV: {value}",
        "missing_one": "{names} does not offer {kind}.",
        "missing_many": "{names} do not offer {kind}.",
        "same": "All {m} municipalities offer {kind} on the same terms.",
        "regional": "{kind} is arranged regionally ({providers}) and applies in every municipality.",
        "national": "No municipality offers {kind} itself; employers can turn to {providers}.",
        "not_offered": "Nobody offers {kind} in this region.",
        "unknown_one": "What {names} offers as {kind} is unknown — not yet entered; ask the employer service point.",
        "unknown_many": "What {names} offer as {kind} is unknown — not yet entered; ask the employer service point.",
        "based_on": "Computed from the known offer: {n} of {m} municipalities have instruments in the guide, {c} of "
                    "them declared their offer complete.",
        "and": "and",
    },
}
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
