"""Marshmallow schemas: one input schema for instruments (seed, import, editing, write API) and the read API's output."""
from __future__ import annotations

import re
from datetime import date, timezone

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    post_load,
    pre_load,
    validate,
    validates_schema,
)

from .dated import amounts, overlaps
from .models import AMOUNT_TYPES, APPLICANTS, DATED_PARAMETERS, DURATION_UNITS, REACHES, STATUSES, Instrument, \
    InstrumentKind, Municipality, ParameterValue, Region
from .sanitize import plain_text, rich_text

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
RICH_FIELDS = ("description", "conditions", "how_to_apply")
PLAIN_FIELDS = ("name", "summary", "amount_note", "payment_moments", "legal_basis", "funding_source",
                "regulation_title", "internal_notes")

_url = validate.URL(schemes={"http", "https"}, error="Geen geldige webadres (http of https).")
# What the OpenAPI document promises is accepted (a subset of what `_url` accepts: host names, a path, no query).
URL_PATTERN = r"^https?://([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,6}(/[A-Za-z0-9._~-]*)*$"
URL_METADATA = {"pattern": URL_PATTERN, "description": "http(s)-webadres"}
URL_OR_EMPTY_METADATA = {"pattern": f"^$|{URL_PATTERN}", "description": "http(s)-webadres; leeg = geen"}


class _PlainTextFields(Schema):
    """Nested records whose free-text fields are stored as plain text."""

    plain_fields: tuple[str, ...] = ()

    @post_load
    def _plain(self, data, **kwargs):
        for field in self.plain_fields:
            if data.get(field) is not None:
                data[field] = plain_text(data[field])
        return data


class ContactSchema(_PlainTextFields):
    plain_fields = ("name", "phone")

    class Meta:
        unknown = RAISE

    name = fields.String(required=True, validate=validate.Length(1, 200))
    phone = fields.String(allow_none=True, validate=validate.Length(max=50))
    email = fields.Email(allow_none=True)
    website = fields.String(allow_none=True, validate=_url, metadata=URL_METADATA)


class LinkSchema(_PlainTextFields):
    plain_fields = ("title",)

    class Meta:
        unknown = RAISE

    title = fields.String(required=True, validate=validate.Length(1, 300))
    url = fields.String(required=True, validate=_url, metadata=URL_METADATA)


class ParameterValueSchema(_PlainTextFields):
    """One dated value: `amount_value`, `amount_max_per_year` or `amount_max_total`, valid from/until (inclusive)."""

    plain_fields = ("note",)

    class Meta:
        unknown = RAISE

    parameter = fields.String(required=True, validate=validate.OneOf(DATED_PARAMETERS))
    value = fields.Decimal(required=True, places=2, validate=validate.Range(0, 10_000_000))
    valid_from = fields.Date(allow_none=True)
    valid_until = fields.Date(allow_none=True)
    note = fields.String(allow_none=True, validate=validate.Length(max=1000))
    source_url = fields.String(allow_none=True, validate=_url, metadata=URL_METADATA)

    @validates_schema
    def _dates(self, data, **kwargs):
        if data.get("valid_from") and data.get("valid_until") and data["valid_until"] < data["valid_from"]:
            raise ValidationError("De einddatum ligt vóór de begindatum.", "valid_until")


class TranslationSchema(Schema):
    class Meta:
        unknown = RAISE

    name = fields.String(validate=validate.Length(max=250))
    summary = fields.String()
    description = fields.String()
    conditions = fields.String()
    how_to_apply = fields.String()


def _codes(max_items=50):
    return fields.List(fields.String(validate=validate.Length(1, 80)), load_default=list,
                       validate=validate.Length(max=max_items))


class InstrumentInputSchema(Schema):
    """Validates one instrument as entered (seed file, spreadsheet row, form or write API).

    Codes (kind, provider, terms, regions, municipalities) are checked against the database by the caller, which knows them;
    pass them as `known={"kind": set, "target_groups": set, ...}` to have them checked here.
    """

    def __init__(self, *args, known: dict[str, set[str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.known = known or {}

    class Meta:
        unknown = RAISE

    slug = fields.String(required=True, validate=validate.Regexp(SLUG_RE, error="Alleen kleine letters, cijfers en streepjes."))
    external_id = fields.String(allow_none=True, validate=validate.Length(max=120))
    name = fields.String(required=True, validate=validate.Length(2, 250))
    kind = fields.String(required=True)
    provider = fields.String(required=True)
    reach = fields.String(required=True, validate=validate.OneOf(REACHES))
    regions = _codes(40)
    municipalities = _codes(400)
    summary = fields.String(required=True, validate=validate.Length(10, 1000))
    description = fields.String(allow_none=True, validate=validate.Length(max=20000))
    conditions = fields.String(allow_none=True, validate=validate.Length(max=20000))
    how_to_apply = fields.String(allow_none=True, validate=validate.Length(max=20000))

    duration_max = fields.Integer(allow_none=True, validate=validate.Range(1, 600))
    duration_unit = fields.String(allow_none=True, validate=validate.OneOf(DURATION_UNITS))
    amount_type = fields.String(allow_none=True, validate=validate.OneOf(AMOUNT_TYPES))
    amount_value = fields.Decimal(allow_none=True, places=2, validate=validate.Range(0, 10_000_000))
    amount_max_per_year = fields.Decimal(allow_none=True, places=2, validate=validate.Range(0, 10_000_000))
    amount_max_total = fields.Decimal(allow_none=True, places=2, validate=validate.Range(0, 10_000_000))
    amount_note = fields.String(allow_none=True, validate=validate.Length(max=1000))
    applicant = fields.String(allow_none=True, validate=validate.OneOf(APPLICANTS))
    decision_period_weeks = fields.Integer(allow_none=True, validate=validate.Range(0, 104))
    payment_moments = fields.String(allow_none=True, validate=validate.Length(max=1000))
    requires_doelgroepverklaring = fields.Boolean(load_default=False)
    requires_doelgroepregister = fields.Boolean(load_default=False)
    legal_basis = fields.String(allow_none=True, validate=validate.Length(max=1000))
    funding_source = fields.String(allow_none=True, validate=validate.Length(max=1000))
    temporary = fields.Boolean(load_default=False)
    valid_from = fields.Date(allow_none=True)
    valid_until = fields.Date(allow_none=True)
    target_groups = _codes()
    schemes = _codes()
    age_groups = _codes()
    sectors = _codes()
    employment_types = _codes()
    journey_phases = _codes(10)
    leerwerktraject = fields.Boolean(load_default=False)
    contacts = fields.List(fields.Nested(ContactSchema), load_default=list, validate=validate.Length(max=20))
    links = fields.List(fields.Nested(LinkSchema), load_default=list, validate=validate.Length(max=30))
    source_url = fields.String(allow_none=True, validate=_url, metadata=URL_METADATA)
    last_checked = fields.Date(allow_none=True)
    regulation_title = fields.String(allow_none=True, validate=validate.Length(max=500))
    regulation_url = fields.String(allow_none=True, validate=_url, metadata=URL_METADATA)
    internal_notes = fields.String(allow_none=True, validate=validate.Length(max=20000))
    status = fields.String(load_default="draft", validate=validate.OneOf(STATUSES))
    publish_from = fields.Date(allow_none=True)
    publish_to = fields.Date(allow_none=True)
    example = fields.Boolean(load_default=False)
    translations = fields.Dict(keys=fields.String(validate=validate.OneOf(["en"])),
                               values=fields.Nested(TranslationSchema), load_default=dict)
    # Dated amounts. Absent: the instrument's dated values stay as they are (forms and partial updates leave them alone).
    parameter_values = fields.List(fields.Nested(ParameterValueSchema), validate=validate.Length(max=100))

    @pre_load
    def _strip(self, data, **kwargs):
        if isinstance(data, dict):
            return {k: (v.strip() if isinstance(v, str) else v) for k, v in data.items()}
        return data

    @validates_schema
    def _consistency(self, data, **kwargs):
        errors: dict[str, list[str]] = {}

        def add(field, message):
            errors.setdefault(field, []).append(message)

        if data.get("duration_max") is not None and not data.get("duration_unit"):
            add("duration_unit", "Kies een eenheid bij de maximale duur.")
        amount_type = data.get("amount_type")
        dated = data.get("parameter_values") or []
        dated_amount = any(pv["parameter"] == "amount_value" for pv in dated)
        if (amount_type in ("vast", "per_uur", "per_maand", "percentage_wml", "tarief_per_uur")
                and data.get("amount_value") is None and not dated_amount):
            add("amount_value", "Vul een bedrag of percentage in bij dit soort bedrag.")
        for parameter in overlaps(dated):
            add("parameter_values", f"De gedateerde waarden van '{parameter}' overlappen in tijd.")
        if amount_type in ("percentage_wml", "loonwaarde") and (data.get("amount_value") or 0) > 100:
            add("amount_value", "Een percentage van het WML is hoogstens 100.")
        for start, end in (("valid_from", "valid_until"), ("publish_from", "publish_to")):
            if data.get(start) and data.get(end) and data[end] < data[start]:
                add(end, "De einddatum ligt vóór de begindatum.")
        if data.get("reach") == "landelijk" and (data.get("regions") or data.get("municipalities")):
            add("reach", "Een landelijk instrument geldt overal; kies geen regio's of gemeenten.")
        if data.get("reach") == "regionaal" and data.get("municipalities"):
            add("municipalities", "Een regionaal instrument geldt per arbeidsmarktregio; kies regio's, geen gemeenten.")
        if data.get("reach") == "lokaal" and data.get("regions"):
            add("regions", "Een lokaal instrument geldt per gemeente; kies gemeenten, geen regio's.")
        if not data.get("example") and data.get("status") == "published" and not data.get("source_url"):
            add("source_url", "Een gepubliceerd instrument dat geen voorbeeld is, noemt zijn bron.")

        known = self.known
        if known:
            checks = [("kind", [data.get("kind")]), ("provider", [data.get("provider")]),
                      ("regions", data.get("regions", [])), ("municipalities", data.get("municipalities", [])),
                      ("target_groups", data.get("target_groups", [])), ("schemes", data.get("schemes", [])),
                      ("age_groups", data.get("age_groups", [])), ("sectors", data.get("sectors", [])),
                      ("employment_types", data.get("employment_types", [])),
                      ("journey_phases", data.get("journey_phases", []))]
            for field, values in checks:
                allowed = known.get(field)
                if allowed is None:
                    continue
                for value in values:
                    if value not in allowed:
                        add(field, f"Onbekende code '{value}'.")
        if errors:
            raise ValidationError(errors)

    @post_load
    def _sanitise(self, data, **kwargs):
        for field in RICH_FIELDS:
            if field in data:
                data[field] = rich_text(data[field])
        for field in PLAIN_FIELDS:
            if field in data:
                data[field] = plain_text(data[field])
        for lang, tr in (data.get("translations") or {}).items():
            for field in list(tr):
                tr[field] = rich_text(tr[field]) if field in RICH_FIELDS else plain_text(tr[field])
        return data


# ---------------------------------------------------------------------------------------------------------------------
# Read API output. Only public fields exist here: internal notes, status and publication dates are never serialised.


class UtcDateTime(fields.DateTime):
    """An RFC 3339 timestamp with its timezone. The database keeps UTC (SQLite without the offset)."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return super()._serialize(value, attr, obj, **kwargs)


class _ModelOut(Schema):
    """Output whose plain fields are nullable exactly when the model's column is (so the OpenAPI document says so)."""

    model = None

    def on_bind_field(self, field_name, field_obj):
        columns = self.model.__table__.c if self.model is not None else {}
        if not isinstance(field_obj, fields.Function) and field_name in columns and columns[field_name].nullable:
            field_obj.allow_none = True


class TermOutSchema(Schema):
    code = fields.String()
    name = fields.String()
    name_en = fields.String()


class KindOutSchema(_ModelOut):
    model = InstrumentKind
    code = fields.String()
    name = fields.String()
    name_en = fields.String()
    description = fields.String()
    not_harmonisable_with = fields.Function(lambda k: k.not_harmonisable_with.code if k.not_harmonisable_with else None)
    not_harmonisable_reason = fields.String()


class ProviderOutSchema(Schema):
    slug = fields.String()
    name = fields.String()
    type = fields.String()
    website = fields.String()
    municipality = fields.Function(lambda p: p.municipality.code if p.municipality else None)
    region = fields.Function(lambda p: p.region.code if p.region else None)


def _terms(taxonomy):
    return fields.Function(lambda i: [t.code for t in i.terms_of(taxonomy)])


def _decimal(value):
    return None if value is None else float(value)


def _amount_out(i):
    if not i.amount_type:
        return None
    values = amounts(i)
    return {"type": i.amount_type, "value": _decimal(values["amount_value"]),
            "max_per_year": _decimal(values["amount_max_per_year"]), "max_total": _decimal(values["amount_max_total"]),
            "note": i.amount_note}


class ParameterValueOutSchema(_ModelOut):
    model = ParameterValue
    parameter = fields.String()
    value = fields.Function(lambda pv: _decimal(pv.value))
    valid_from = fields.Date()
    valid_until = fields.Date()
    note = fields.String()
    source_url = fields.String()


class InstrumentOutSchema(_ModelOut):
    model = Instrument
    slug = fields.String()
    name = fields.String()
    kind = fields.Function(lambda i: {"code": i.kind.code, "name": i.kind.name})
    provider = fields.Function(lambda i: {"slug": i.provider.slug, "name": i.provider.name, "type": i.provider.type})
    reach = fields.String()
    regions = fields.Function(lambda i: [r.code for r in i.regions])
    municipalities = fields.Function(lambda i: [m.code for m in i.municipalities])
    summary = fields.String()
    lifecycle = fields.Function(lambda i: i.lifecycle())
    valid_from = fields.Date()
    valid_until = fields.Date()
    duration = fields.Function(lambda i: {"max": i.duration_max, "unit": i.duration_unit} if i.duration_max else None)
    amount = fields.Function(_amount_out)  # the values in force today (or on the detail's peildatum)
    target_groups = _terms("target_group")
    schemes = _terms("scheme")
    age_groups = _terms("age_group")
    source_url = fields.String()
    last_checked = fields.Date()
    example = fields.Boolean()
    updated_at = UtcDateTime()
    # only in a search's results (`q`): the matching passage, highlighted with <mark>; added by the list endpoint
    snippet = fields.String(dump_only=True, allow_none=True,
                            metadata={"description": "Alleen bij een zoekvraag (q): de passage die past, met <mark>"})


class InstrumentDetailOutSchema(InstrumentOutSchema):
    external_id = fields.String()
    description = fields.String()
    conditions = fields.String()
    how_to_apply = fields.String()
    applicant = fields.String()
    decision_period_weeks = fields.Integer()
    payment_moments = fields.String()
    requires_doelgroepverklaring = fields.Boolean()
    requires_doelgroepregister = fields.Boolean()
    legal_basis = fields.String()
    funding_source = fields.String()
    temporary = fields.Boolean()
    sectors = _terms("sector")
    employment_types = _terms("employment_type")
    journey_phases = _terms("journey_phase")
    leerwerktraject = fields.Boolean()
    contacts = fields.List(fields.Dict())
    links = fields.List(fields.Dict())
    regulation = fields.Function(
        lambda i: {"title": i.regulation_title, "url": i.regulation_url} if i.regulation_url or i.regulation_title else None
    )
    translations = fields.Dict()
    peildatum = fields.Function(lambda i: (getattr(i, "peildatum", None) or date.today()).isoformat())
    parameter_values = fields.List(fields.Nested(ParameterValueOutSchema))
    provider_detail = fields.Function(lambda i: ProviderOutSchema().dump(i.provider))


class MunicipalityOutSchema(_ModelOut):
    model = Municipality
    code = fields.String()
    name = fields.String()
    slug = fields.String()
    region = fields.Function(lambda m: m.region.code)
    valid_from = fields.Date()
    valid_until = fields.Date()


class RegionOutSchema(_ModelOut):
    model = Region
    code = fields.String()
    name = fields.String()
    slug = fields.String()
    centrumgemeente = fields.Function(lambda r: r.centrumgemeente.code if r.centrumgemeente else None)
    werkgeversservicepunt = fields.Function(lambda r: {
        "name": r.wsp_name, "website": r.wsp_website, "phone": r.wsp_phone, "email": r.wsp_email,
    } if r.wsp_name else None)
    example = fields.Boolean()
    municipality_count = fields.Function(lambda r: len(r.municipalities))


class RegionDetailOutSchema(RegionOutSchema):
    description = fields.String()
    partners = fields.List(fields.String())
    terminology = fields.List(fields.Dict())
    source_url = fields.String()
    municipalities = fields.Function(lambda r: [{"code": m.code, "name": m.name} for m in r.municipalities])
    version = fields.Function(lambda r: _region_version(r), metadata={
        "type": "string", "description": "De versie van de regiopagina (werkgeversservicepunt, beschrijving, partners, "
                                         "begrippen, bron): mee te sturen bij PATCH /api/v1/regions/{code}"})


def _region_version(region) -> str:
    from .editing import region_fingerprint  # editing imports this module

    return region_fingerprint(region)


class ErrorSchema(Schema):
    error = fields.String(required=True)
    parameter = fields.String()
    suggestion = fields.String(allow_none=True)  # a place name close to a misspelt `plaats`
    choices = fields.List(fields.Dict())  # the gemeenten an ambiguous `plaats` may mean
    fields = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                         metadata={"description": "Bij ongeldige invoer: de meldingen per veld"})
