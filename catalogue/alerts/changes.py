"""What changed in an instrument, in plain words, from its audit trail (`audit_entry.changes`: {field: [old, new]}).

Only public fields are described; internal notes, status, publication dates, slugs and check dates never appear."""
from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..editing import normalised
from ..models import InstrumentKind, Municipality, Provider, Region, TaxonomyTerm
from ..parameters import APPLICANT_NAMES, UNIT_NAMES, euro
from ..seed import TAXONOMY_KEYS

LABELS = {
    "nl": {"name": "naam", "kind": "soort", "provider": "aanbieder", "reach": "bereik", "regions": "regio's",
           "municipalities": "gemeenten", "summary": "samenvatting", "description": "beschrijving",
           "conditions": "voorwaarden", "how_to_apply": "hoe aanvragen", "duration": "duur",
           "amount_type": "soort bedrag", "amount_value": "bedrag", "amount_max_per_year": "maximum per jaar",
           "amount_max_total": "maximum in totaal", "amount_note": "toelichting bij het bedrag",
           "applicant": "wie vraagt aan", "decision_period_weeks": "beslistermijn", "payment_moments": "betaalmomenten",
           "requires_doelgroepverklaring": "doelgroepverklaring nodig", "requires_doelgroepregister":
           "doelgroepregister nodig", "legal_basis": "wettelijke grondslag", "funding_source": "financiering",
           "temporary": "tijdelijke regeling", "leerwerktraject": "leerwerktraject", "valid_from": "startdatum",
           "valid_until": "einddatum", "contacts": "contactgegevens", "links": "links", "source_url": "bron",
           "regulation_title": "regeling", "regulation_url": "regeling", "target_groups": "doelgroepen",
           "schemes": "uitkeringen en regelingen", "age_groups": "leeftijden", "sectors": "sectoren",
           "employment_types": "soorten dienstverband", "journey_phases": "fasen", "parameter_values":
           "bedragen met geldigheidsdatum"},
    "en": {"name": "name", "kind": "kind", "provider": "provider", "reach": "reach", "regions": "regions",
           "municipalities": "municipalities", "summary": "summary", "description": "description",
           "conditions": "conditions", "how_to_apply": "how to apply", "duration": "duration",
           "amount_type": "type of amount", "amount_value": "amount", "amount_max_per_year": "maximum per year",
           "amount_max_total": "maximum in total", "amount_note": "note on the amount", "applicant": "who applies",
           "decision_period_weeks": "decision period", "payment_moments": "payment moments",
           "requires_doelgroepverklaring": "target group statement required",
           "requires_doelgroepregister": "target group register required", "legal_basis": "legal basis",
           "funding_source": "funding", "temporary": "temporary scheme", "leerwerktraject": "work-study track",
           "valid_from": "start date", "valid_until": "end date", "contacts": "contact details", "links": "links",
           "source_url": "source", "regulation_title": "regulation", "regulation_url": "regulation",
           "target_groups": "target groups", "schemes": "benefits and schemes", "age_groups": "ages",
           "sectors": "sectors", "employment_types": "employment types", "journey_phases": "phases",
           "parameter_values": "dated amounts"},
}
WORDS = {
    "nl": {"changed": "{} aangepast", "none": "geen", "yes": "ja", "no": "nee", "weeks": "weken", "week": "week",
           "added": "erbij: {}", "removed": "eraf: {}"},
    "en": {"changed": "{} changed", "none": "none", "yes": "yes", "no": "no", "weeks": "weeks", "week": "week",
           "added": "added: {}", "removed": "removed: {}"},
}
REACH_NAMES = {"nl": {"landelijk": "landelijk", "regionaal": "regionaal", "lokaal": "lokaal"},
               "en": {"landelijk": "national", "regionaal": "regional", "lokaal": "local"}}
TEXT_FIELDS = ("summary", "description", "conditions", "how_to_apply", "amount_note", "payment_moments", "legal_basis",
               "funding_source", "contacts", "links", "source_url", "regulation_title", "regulation_url",
               "parameter_values")
BOOL_FIELDS = ("requires_doelgroepverklaring", "requires_doelgroepregister", "temporary", "leerwerktraject")
AMOUNT_FIELDS = ("amount_value", "amount_max_per_year", "amount_max_total")
LIST_FIELDS = ("regions", "municipalities") + tuple(TAXONOMY_KEYS)
PUBLIC_FIELDS = set(LABELS["nl"]) | {"duration_max", "duration_unit"}  # anything else is never described


def combine(entries) -> dict:
    """The net change over several audit entries (oldest first): per field the first old and the last new value;
    fields that ended where they began are dropped."""
    out: dict = {}
    for entry in entries:
        for name, pair in (entry.changes or {}).items():
            if not isinstance(pair, (list, tuple)) or len(pair) != 2 or name not in PUBLIC_FIELDS:
                continue
            old, new = pair
            out[name] = [out[name][0] if name in out else old, new]
    return {k: v for k, v in out.items() if normalised(v[0]) != normalised(v[1])}


def _date(value, language: str) -> str:
    try:
        day = date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value)
    return day.strftime("%d-%m-%Y") if language == "nl" else day.isoformat()


class Describer:
    """Turns combined changes into sentences; looks names of codes up once."""

    def __init__(self, session: Session, language: str = "nl"):
        self.session, self.language = session, language if language in LABELS else "nl"
        self._names: dict | None = None

    def names(self) -> dict:
        if self._names is None:
            en = self.language == "en"

            def pick(nl, translated):
                return (translated or nl) if en else nl
            names: dict = {}
            for t in self.session.scalars(select(TaxonomyTerm)):
                names[(t.taxonomy, t.code)] = pick(t.name, getattr(t, "name_en", None))
            for k in self.session.scalars(select(InstrumentKind)):
                names[("kind", k.code)] = pick(k.name, getattr(k, "name_en", None))
            names.update({("provider", slug): name for slug, name in self.session.execute(
                select(Provider.slug, Provider.name))})
            names.update({("regions", code): name for code, name in self.session.execute(
                select(Region.code, Region.name))})
            names.update({("municipalities", code): name for code, name in self.session.execute(
                select(Municipality.code, Municipality.name))})
            self._names = names
        return self._names

    def _name(self, field: str, code) -> str:
        taxonomy = TAXONOMY_KEYS.get(field, field)
        return self.names().get((taxonomy, code), str(code))

    def _value(self, field: str, value, amount_type: str | None) -> str:
        w = WORDS[self.language]
        if value is None or value == "" or value == []:
            return w["none"]
        if field in AMOUNT_FIELDS:
            try:
                number = Decimal(str(value))
            except InvalidOperation:
                return str(value)
            if field == "amount_value" and amount_type in ("percentage_wml", "loonwaarde"):
                return f"{number.normalize():f}%"
            return euro(number, self.language)
        if field in BOOL_FIELDS:
            return w["yes"] if value else w["no"]
        if field in ("valid_from", "valid_until"):
            return _date(value, self.language)
        if field == "applicant":
            return APPLICANT_NAMES[self.language].get(value, value)
        if field == "reach":
            return REACH_NAMES[self.language].get(value, value)
        if field == "decision_period_weeks":
            return f"{value} {w['week'] if value == 1 else w['weeks']}"
        if field in ("kind", "provider"):
            return self._name(field, value)
        return str(value)

    def _duration(self, old_max, old_unit, new_max, new_unit) -> str:
        label = LABELS[self.language]["duration"]
        units = UNIT_NAMES[self.language]

        def text(amount, unit):
            if not amount or unit not in units:
                return WORDS[self.language]["none"]
            single, plural = units[unit]
            return f"{amount} {single if amount == 1 else plural}"
        if old_max and new_max and old_unit == new_unit and old_unit in units:
            return f"{label} {old_max} → {text(new_max, new_unit)}"  # "duur 2 → 3 maanden"
        return f"{label} {text(old_max, old_unit)} → {text(new_max, new_unit)}"

    def describe(self, changes: dict, current: dict | None = None) -> list[str]:
        """Plain sentences for combined changes. `current` (the instrument's values now) fills in the half of the
        duration that did not change."""
        current = current or {}
        labels, w = LABELS[self.language], WORDS[self.language]
        lines: list[str] = []
        if "duration_max" in changes or "duration_unit" in changes:
            old_max, new_max = changes.get("duration_max", [current.get("duration_max")] * 2)
            old_unit, new_unit = changes.get("duration_unit", [current.get("duration_unit")] * 2)
            lines.append(self._duration(old_max, old_unit, new_max, new_unit))
        amount_type = (changes.get("amount_type") or [None, current.get("amount_type")])[1]
        for field in labels:
            if field not in changes:
                continue
            old, new = changes[field]
            label = labels[field]
            if field in TEXT_FIELDS:
                sentence = w["changed"].format(label)
                if sentence not in lines:  # regulation title and URL: one sentence
                    lines.append(sentence)
            elif field in LIST_FIELDS:
                before, after = set(old or []), set(new or [])
                parts = []
                if after - before:
                    parts.append(w["added"].format(", ".join(sorted(self._name(field, c) for c in after - before))))
                if before - after:
                    parts.append(w["removed"].format(", ".join(sorted(self._name(field, c) for c in before - after))))
                lines.append(f"{label}: {'; '.join(parts)}")
            elif field == "name":
                lines.append(f"{label}: ‘{old}’ → ‘{new}’")
            else:
                lines.append(f"{label} {self._value(field, old, amount_type)} → {self._value(field, new, amount_type)}")
        return lines
