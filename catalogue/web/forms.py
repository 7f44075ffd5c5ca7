"""Instrument and region forms: HTML form data <-> the shared marshmallow input schemas, field specs for the templates, and
error messages (marshmallow's and the schemas' own) in the page's language."""
from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..i18n import localized
from ..models import (
    AMOUNT_TYPES,
    APPLICANTS,
    DURATION_UNITS,
    REACHES,
    STATUSES,
    InstrumentKind,
    Municipality,
    Region,
    TaxonomyTerm,
)
from ..richtext import from_markdown, to_markdown
from ..sanitize import rich_text
from ..seed import TAXONOMY_KEYS
from ..slugs import slugify


def N_(text: str) -> str:  # marks a string for translation; translated in the template
    return text


CONTACT_ROWS_EXTRA = 2
LINK_ROWS_EXTRA = 2
TERM_ROWS_EXTRA = 3
TRANSLATED_FIELDS = ("name", "summary", "description", "conditions", "how_to_apply")
RICH_FORM_FIELDS = ("description", "conditions", "how_to_apply")  # typed as Markdown (catalogue/richtext.py)

LABELS = {
    "slug": N_("Slug (deel van het webadres)"), "external_id": N_("Extern kenmerk"), "name": N_("Naam"),
    "kind": N_("Soort"), "provider": N_("Aanbieder"), "reach": N_("Bereik"), "regions": N_("Arbeidsmarktregio's"),
    "municipalities": N_("Gemeenten"), "summary": N_("Samenvatting"), "description": N_("Beschrijving"),
    "conditions": N_("Voorwaarden"), "how_to_apply": N_("Hoe vraagt u het aan?"),
    "duration_max": N_("Maximale duur"), "duration_unit": N_("Eenheid van de duur"), "amount_type": N_("Soort bedrag"),
    "amount_value": N_("Bedrag of percentage"), "amount_max_per_year": N_("Maximum per jaar (euro)"),
    "amount_max_total": N_("Maximum in totaal (euro)"), "amount_note": N_("Toelichting bij het bedrag"),
    "applicant": N_("Wie vraagt aan"), "decision_period_weeks": N_("Beslistermijn (weken)"),
    "payment_moments": N_("Uitbetaling"), "requires_doelgroepverklaring": N_("Doelgroepverklaring nodig"),
    "requires_doelgroepregister": N_("Inschrijving doelgroepregister nodig"), "legal_basis": N_("Wettelijke basis"),
    "funding_source": N_("Financiering"), "temporary": N_("Tijdelijke regeling"), "valid_from": N_("Regeling geldt vanaf"),
    "valid_until": N_("Regeling geldt tot en met"), "target_groups": N_("Doelgroepen"),
    "schemes": N_("Uitkeringen en regelingen"), "age_groups": N_("Leeftijdsgroepen"), "sectors": N_("Sectoren"),
    "employment_types": N_("Soorten dienstverband"), "journey_phases": N_("Fasen werkgeversdienstverlening"),
    "leerwerktraject": N_("Leerwerktraject"),
    "contacts": N_("Contactpersonen"), "links": N_("Links"), "source_url": N_("Bron (webadres)"),
    "last_checked": N_("Laatst gecontroleerd"), "regulation_title": N_("Titel van de regeling"),
    "regulation_url": N_("Webadres van de regeling"), "internal_notes": N_("Interne notities"),
    "status": N_("Status"), "publish_from": N_("Publiceren vanaf"), "publish_to": N_("Publiceren tot en met"),
    "example": N_("Voorbeeldcontent (geen echte regeling)"), "translations": N_("Engelse vertaling"),
    "deleted_at": N_("Verwijderd op"), "parameter_values": N_("Gedateerde bedragen"),
    "link": N_("Link"), "contact": N_("Contactpersoon"), "parameter_value": N_("Gedateerd bedrag"),
    # region
    "wsp_name": N_("Naam werkgeversservicepunt"), "wsp_website": N_("Website"), "wsp_phone": N_("Telefoon"),
    "wsp_email": N_("E-mail"), "description_region": N_("Beschrijving van de samenwerking"),
    "partners": N_("Samenwerkingspartners (één per regel)"), "terminology": N_("Begrippen in deze regio"),
}
SUB_LABELS = {"name": N_("Naam"), "phone": N_("Telefoon"), "email": N_("E-mail"), "website": N_("Website"),
              "title": N_("Titel"), "url": N_("Webadres"), "term": N_("Begrip"), "meaning": N_("Betekenis")}
HINTS = {
    "slug": N_("Kleine letters, cijfers en streepjes. Leeg laten: wordt gemaakt uit de naam."),
    "summary": N_("In gewone taal, 10 tot 1000 tekens: wat heeft een werkgever eraan?"),
    "amount_value": N_("Euro, of een percentage bij 'percentage WML' en 'loonwaarde'."),
    "internal_notes": N_("Alleen zichtbaar voor accountmanagers en redacteuren; nooit openbaar."),
    "publish_from": N_("Leeg: meteen zodra de status 'gepubliceerd' is."),
    "regions": N_("Alleen bij bereik 'regionaal'. Leeg: de regio van de aanbieder."),
    "municipalities": N_("Alleen bij bereik 'lokaal'. Leeg: de gemeente van de aanbieder."),
}

CHOICE_LABELS = {
    "reach": {"landelijk": N_("Landelijk"), "regionaal": N_("Regionaal"), "lokaal": N_("Lokaal")},
    "duration_unit": {"dag": N_("dagen"), "week": N_("weken"), "maand": N_("maanden"), "jaar": N_("jaren")},
    "amount_type": {"geen": N_("Geen bedrag (dienst of voorziening)"), "vast": N_("Vast bedrag"),
                    "per_uur": N_("Per verloond uur"), "per_maand": N_("Per maand"),
                    "percentage_wml": N_("Percentage van het WML"), "loonwaarde": N_("Loonwaarde (max. % WML)"),
                    "tarief_per_uur": N_("Uurtarief"), "werkelijke_kosten": N_("Werkelijke kosten")},
    "applicant": {"werkgever": N_("Werkgever"), "werknemer": N_("Werknemer"), "wsp": N_("Werkgeversservicepunt")},
    "status": {"draft": N_("Concept"), "published": N_("Gepubliceerd")},
}
ACTION_LABELS = {
    "create": N_("aangemaakt"), "update": N_("gewijzigd"), "publish": N_("gepubliceerd"),
    "unpublish": N_("gedepubliceerd"), "schedule": N_("publicatie gepland"), "delete": N_("verwijderd"),
    "restore": N_("teruggezet uit de prullenbak"), "restore_version": N_("oudere versie teruggezet"),
    "review": N_("gecontroleerd"), "region_update": N_("regiopagina gewijzigd"),
    "accept_proposal": N_("voorstel uit import overgenomen"), "reject_proposal": N_("voorstel uit import afgewezen"),
    "seed": N_("beginstand uit de brongegevens (seed)"), "initial": N_("beginstand vóór de eerste wijziging in de gids"),
}
REVIEW_REASONS = {
    "never_checked": N_("nooit gecontroleerd"), "not_checked": N_("niet gecontroleerd sinds %(date)s"),
    "ending": N_("regeling eindigt op %(date)s"), "publication_ending": N_("publicatie eindigt op %(date)s"),
}
ROLE_LABELS = {"admin": N_("beheerder"), "coordinator": N_("regiocoördinator"), "editor": N_("redacteur"),
               "account_manager": N_("accountmanager")}
# The schemas' own (Dutch) messages, so that they are translated too.
SCHEMA_MESSAGES = (
    N_("Geen geldige webadres (http of https)."), N_("Alleen kleine letters, cijfers en streepjes."),
    N_("Kies een eenheid bij de maximale duur."), N_("Vul een bedrag of percentage in bij dit soort bedrag."),
    N_("Een percentage van het WML is hoogstens 100."), N_("De einddatum ligt vóór de begindatum."),
    N_("Een landelijk instrument geldt overal; kies geen regio's of gemeenten."),
    N_("Een regionaal instrument geldt per arbeidsmarktregio; kies regio's, geen gemeenten."),
    N_("Een lokaal instrument geldt per gemeente; kies gemeenten, geen regio's."),
    N_("Een gepubliceerd instrument dat geen voorbeeld is, noemt zijn bron."),
    N_("Kies minstens één arbeidsmarktregio."), N_("Kies minstens één gemeente."), N_("Deze slug is al in gebruik."),
    N_("Verwacht een object met velden."), N_("Geen geldig versienummer."),
    N_("Kies een wachtwoord van minstens 10 tekens."), N_("Dit wachtwoord is te lang."),
    N_("De twee wachtwoorden zijn niet gelijk."),
)

# Basic fields: (name, type). Types: text, textarea, rich, number, decimal, date, url, select, multiselect, checks, bool.
SECTIONS = [
    (N_("Basisgegevens"), [("name", "text"), ("slug", "text"), ("kind", "select"), ("provider", "select"),
                           ("reach", "select"), ("regions", "multiselect"), ("municipalities", "multiselect")]),
    (N_("Teksten voor werkgevers"), [("summary", "textarea"), ("description", "rich"), ("conditions", "rich"),
                                     ("how_to_apply", "rich")]),
    (N_("Vergelijkbare parameters"), [
        ("duration_max", "number"), ("duration_unit", "select"), ("amount_type", "select"), ("amount_value", "decimal"),
        ("amount_max_per_year", "decimal"), ("amount_max_total", "decimal"), ("amount_note", "text"),
        ("applicant", "select"), ("decision_period_weeks", "number"), ("payment_moments", "text"),
        ("requires_doelgroepverklaring", "bool"), ("requires_doelgroepregister", "bool"), ("temporary", "bool"),
        ("leerwerktraject", "bool"), ("valid_from", "date"), ("valid_until", "date")]),
    (N_("Voor wie"), [("target_groups", "checks"), ("schemes", "checks"), ("age_groups", "checks"),
                      ("sectors", "checks"), ("employment_types", "checks"), ("journey_phases", "checks")]),
    (N_("Bron en wettelijke basis"), [("source_url", "url"), ("last_checked", "date"), ("legal_basis", "text"),
                                      ("regulation_title", "text"), ("regulation_url", "url"),
                                      ("funding_source", "text"), ("external_id", "text"), ("example", "bool")]),
    (N_("Publicatie en interne informatie"), [("status", "select"), ("publish_from", "date"), ("publish_to", "date"),
                                              ("internal_notes", "textarea")]),
]
LIST_FIELDS = ("regions", "municipalities", "target_groups", "schemes", "age_groups", "sectors", "employment_types",
               "journey_phases")
BOOL_FIELDS = ("requires_doelgroepverklaring", "requires_doelgroepregister", "temporary", "leerwerktraject", "example")
REQUIRED_FIELDS = ("name", "kind", "provider", "reach", "summary")
CODE_CHOICES = {"reach": REACHES, "duration_unit": DURATION_UNITS, "amount_type": AMOUNT_TYPES,
                "applicant": APPLICANTS, "status": STATUSES}


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def instrument_from_form(form, creating: bool) -> dict:
    """Form data -> a dict for InstrumentInputSchema (only keys the schema knows)."""
    raw: dict = {}
    for _title, fields in SECTIONS:
        for name, kind in fields:
            if name in LIST_FIELDS:
                raw[name] = [v.strip() for v in form.getlist(name) if v.strip()]
            elif name in BOOL_FIELDS:
                raw[name] = form.get(name) in ("on", "true", "1", "y")
            else:
                value = _clean(form.get(name))
                if value is None and name in REQUIRED_FIELDS:
                    continue  # "this field is required"
                raw[name] = from_markdown(value) if kind == "rich" else value
    if not raw.get("slug"):
        raw["slug"] = slugify(raw.get("name") or "") or None
        if raw["slug"] is None:
            del raw["slug"]
    if raw.get("status") is None:
        raw["status"] = "draft"
    raw["contacts"] = _rows(form, "contacts", ("name", "phone", "email", "website"))
    raw["links"] = _rows(form, "links", ("title", "url"))
    en = {f: _clean(form.get(f"en-{f}")) for f in TRANSLATED_FIELDS}
    en = {f: from_markdown(v) if f in RICH_FORM_FIELDS else v for f, v in en.items()}
    en = {k: v for k, v in en.items() if v}
    raw["translations"] = {"en": en} if en else {}
    return raw


def previews(raw: dict) -> dict[str, str]:
    """The rich-text fields of submitted form data as they will be stored (sanitised HTML), for "Voorbeeld bekijken"."""
    en = (raw.get("translations") or {}).get("en") or {}
    out = {name: rich_text(raw.get(name)) or "" for name in RICH_FORM_FIELDS}
    out.update({f"en-{name}": rich_text(en.get(name)) or "" for name in RICH_FORM_FIELDS})
    return out


def _rows(form, prefix: str, keys: tuple[str, ...]) -> list[dict]:
    rows = []
    indices = sorted({int(m.group(1)) for k in form for m in [re.match(rf"{prefix}-(\d+)-", k)] if m})
    for i in indices[:50]:
        row = {k: _clean(form.get(f"{prefix}-{i}-{k}")) for k in keys}
        if any(row.values()):
            rows.append({k: v for k, v in row.items() if v is not None})
    return rows


def region_from_form(form) -> dict:
    raw = {k: _clean(form.get(k)) for k in ("wsp_name", "wsp_website", "wsp_phone", "wsp_email", "description",
                                             "source_url")}
    raw["partners"] = [line.strip() for line in (form.get("partners") or "").splitlines() if line.strip()]
    raw["terminology"] = _rows(form, "terminology", ("term", "meaning"))
    return raw


def choices(session: Session, providers) -> dict[str, list[tuple[str, str]]]:
    """Options for every select, checkbox group and multi-select: [(value, label)]."""
    out: dict[str, list[tuple[str, str]]] = {
        name: [(code, _(CHOICE_LABELS.get(name, {}).get(code, code))) for code in codes]
        for name, codes in CODE_CHOICES.items()
    }
    out["kind"] = [(k.code, localized(k, "name")) for k in
                   session.scalars(select(InstrumentKind).order_by(InstrumentKind.sort_order))]
    out["provider"] = [(p.slug, p.name) for p in providers]
    out["regions"] = [(r.code, f"{r.name} ({r.code})") for r in session.scalars(select(Region).order_by(Region.name))]
    out["municipalities"] = [(m.code, m.name) for m in
                             session.scalars(select(Municipality).order_by(Municipality.name))]
    terms = session.scalars(select(TaxonomyTerm).order_by(TaxonomyTerm.taxonomy, TaxonomyTerm.sort_order)).all()
    for key in ("target_groups", "schemes", "age_groups", "sectors", "employment_types", "journey_phases"):
        out[key] = [(t.code, localized(t, "name")) for t in terms if t.taxonomy == TAXONOMY_KEYS[key]]
    return out


def form_values(values: dict | None) -> dict:
    """Schema-shaped values (a snapshot or submitted data) -> what the template shows."""
    values = dict(values or {})
    for name in LIST_FIELDS:
        values[name] = list(values.get(name) or [])
    values["contacts"] = list(values.get("contacts") or []) + [{}] * CONTACT_ROWS_EXTRA
    values["links"] = list(values.get("links") or []) + [{}] * LINK_ROWS_EXTRA
    values["en"] = dict((values.get("translations") or {}).get("en") or {})
    for name in RICH_FORM_FIELDS:  # stored HTML -> the Markdown the editor works in
        values[name] = to_markdown(values.get(name))
        if values["en"].get(name):
            values["en"][name] = to_markdown(values["en"][name])
    for key, value in list(values.items()):
        if value is None:
            values[key] = ""
    return values


# ---------------------------------------------------------------------------------------------------------------------
# Errors

_PATTERNS = [
    (re.compile(r"^Missing data for required field\.$"), lambda m: _("Dit veld is verplicht.")),
    (re.compile(r"^Field may not be null\.$"), lambda m: _("Dit veld is verplicht.")),
    (re.compile(r"^Not a valid integer\.$"), lambda m: _("Vul een geheel getal in.")),
    (re.compile(r"^Not a valid (number|decimal)\.$"), lambda m: _("Vul een getal in.")),
    (re.compile(r"^Special numeric values .*$"), lambda m: _("Vul een getal in.")),
    (re.compile(r"^Not a valid date\.$"), lambda m: _("Vul een datum in als jjjj-mm-dd.")),
    (re.compile(r"^Not a valid email address\.$"), lambda m: _("Vul een geldig e-mailadres in.")),
    (re.compile(r"^Not a valid boolean\.$"), lambda m: _("Kies ja of nee.")),
    (re.compile(r"^Unknown field\.$"), lambda m: _("Onbekend veld.")),
    (re.compile(r"^Not a valid (list|string|mapping type)\.$"), lambda m: _("Ongeldige waarde.")),
    (re.compile(r"^Invalid input type\.$"), lambda m: _("Ongeldige waarde.")),
    (re.compile(r"^Length must be between (\d+) and (\d+)\.$"),
     lambda m: _("Gebruik %(min)s tot %(max)s tekens.", min=m.group(1), max=m.group(2))),
    (re.compile(r"^Shorter than minimum length (\d+)\.$"), lambda m: _("Gebruik minstens %(min)s tekens.", min=m.group(1))),
    (re.compile(r"^Longer than maximum length (\d+)\.$"), lambda m: _("Gebruik hoogstens %(max)s tekens.", max=m.group(1))),
    (re.compile(r"^Must be greater than or equal to (\S+) and less than or equal to (\S+)\.$"),
     lambda m: _("Vul een waarde van %(min)s tot en met %(max)s in.", min=m.group(1), max=m.group(2))),
    (re.compile(r"^Must be one of: (.*)\.$"), lambda m: _("Kies een van: %(choices)s.", choices=m.group(1))),
    (re.compile(r"^Onbekende code '(.*)'\.$"), lambda m: _("Onbekende code '%(code)s'.", code=m.group(1))),
]


def translate_error(message: str) -> str:
    for pattern, make in _PATTERNS:
        match = pattern.match(message)
        if match:
            return make(match)
    return _(message)


def flatten_errors(messages, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested messages -> {field id: [translated messages]}; ids match the form's field names."""
    out: dict[str, list[str]] = {}
    if isinstance(messages, (list, tuple)) and all(isinstance(m, str) for m in messages):
        out[prefix or "_schema"] = [translate_error(m) for m in messages]
        return out
    if isinstance(messages, str):
        out[prefix or "_schema"] = [translate_error(messages)]
        return out
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}-{key}" if prefix else str(key)
            for k, v in flatten_errors(value, name).items():
                out.setdefault(k, []).extend(v)
    renamed = {}
    for key, value in out.items():
        key = re.sub(r"^translations-en-value-", "en-", key)
        key = re.sub(r"^translations-.*-key$", "translations", key)
        renamed.setdefault(key, []).extend(value)
    return renamed


def error_label(field_id: str) -> str:
    """A readable label for a field id in the error summary."""
    base = field_id.split("-")
    if base[0] == "en" and len(base) > 1:
        return f"{_(LABELS['translations'])}: {_(LABELS.get(base[1], base[1]))}"
    if base[0] in ("contacts", "links", "terminology") and len(base) > 2:
        sub = SUB_LABELS.get(base[2])
        return f"{_(LABELS.get(base[0], base[0]))} {int(base[1]) + 1}: {_(sub) if sub else base[2]}"
    return _(LABELS.get(base[0], base[0])) if base[0] in LABELS else base[0]
