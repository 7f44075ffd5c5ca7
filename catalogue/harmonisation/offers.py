"""Loading: public, current instruments as plain rows (no ORM objects; fast enough for the whole 20,000-instrument
catalogue), the kinds, term names and gemeenten, and which matrix column an offer belongs to."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, or_, select, union
from sqlalchemy.orm import Session, selectinload

from ..dated import apply_to_offers
from ..models import (
    NATIONAL_PROVIDER_TYPES,
    Instrument,
    InstrumentKind,
    Municipality,
    Provider,
    TaxonomyTerm,
    instrument_municipality,
    instrument_region,
    instrument_term,
)
from ..parameters import duration_in_months
from ..queries import public_condition
from .labels import NATIONAL_COLUMN, REGION_COLUMN, UWV_COLUMN, _lang, expand_parameters


@dataclass(eq=False, slots=True)
class Offer:
    """One public, current instrument, reduced to what harmonisation needs (slots: the national overview holds one
    per public instrument, 100,000 at the largest catalogue, and a dict per object tripled their memory)."""

    id: int
    slug: str
    name: str
    name_en: str | None
    kind: str
    provider_type: str
    provider_slug: str
    provider_name: str
    reach: str
    example: bool
    duration_max: int | None
    duration_unit: str | None
    amount_type: str | None
    amount_value: Decimal | None
    amount_max_per_year: Decimal | None
    amount_max_total: Decimal | None
    applicant: str | None
    decision_period_weeks: int | None
    payment_moments: str | None
    target_groups: tuple = ()
    schemes: tuple = ()
    municipality_ids: list = field(default_factory=list)
    region_ids: list = field(default_factory=list)
    _values: dict = field(default_factory=dict, repr=False)

    @property
    def is_national(self) -> bool:
        return self.provider_type in NATIONAL_PROVIDER_TYPES

    def value(self, param: str):
        """A hashable, normalised value for comparing (computed once per parameter)."""
        try:
            return self._values[param]
        except KeyError:
            value = self._values[param] = self._compute(param)
            return value

    def _compute(self, param: str):
        if param == "duration":
            months = duration_in_months(self.duration_max, self.duration_unit)
            return None if months is None else round(months, 2)
        if param == "amount":
            return (self.amount_type, _dec(self.amount_value), _dec(self.amount_max_per_year), _dec(self.amount_max_total))
        if param == "target_groups":
            return self.target_groups
        if param == "schemes":
            return self.schemes
        if param == "applicant":
            return self.applicant
        if param == "decision_period":
            return self.decision_period_weeks
        if param == "payment_moments":
            text = " ".join((self.payment_moments or "").lower().split()).rstrip(".")
            return text or None
        raise KeyError(param)


def _dec(value) -> Decimal | None:
    return None if value is None else Decimal(value).normalize()


def current_condition(today: date):
    return and_(or_(Instrument.valid_until.is_(None), Instrument.valid_until >= today),
                or_(Instrument.valid_from.is_(None), Instrument.valid_from <= today))


_OFFER_COLUMNS = (
    Instrument.id, Instrument.slug, Instrument.name, Instrument.reach, Instrument.example, Instrument.duration_max,
    Instrument.duration_unit, Instrument.amount_type, Instrument.amount_value, Instrument.amount_max_per_year,
    Instrument.amount_max_total, Instrument.applicant, Instrument.decision_period_weeks, Instrument.payment_moments,
    InstrumentKind.code, Provider.type, Provider.slug, Provider.name,
)


def _shared(value, same):
    """The one object for this text or amount (Decimals by their exact text: 10 and 10.0 print differently)."""
    if isinstance(value, str):
        return same(value, value)
    if isinstance(value, Decimal):
        return same((Decimal, str(value)), value)
    return value


def load_offers(session: Session, today: date, candidates=None, with_translations: bool = False) -> list[Offer]:
    """Public, current instruments, with their target groups, schemes and places.

    `candidates`: optionally a subquery of instrument ids to restrict to (see available_ids_subquery).
    """
    where = [public_condition(today), current_condition(today)]
    if candidates is not None:
        where.append(Instrument.id.in_(candidates))
    columns = _OFFER_COLUMNS + ((Instrument.translations,) if with_translations else ())
    stmt = select(*columns).join(InstrumentKind, InstrumentKind.id == Instrument.kind_id).join(
        Provider, Provider.id == Instrument.provider_id).where(*where)
    offers: dict[int, Offer] = {}
    same = {}.setdefault  # one object per repeated value (kind, provider, unit, amount, ...): ~45 MB less at 100,000
    for row in session.execute(stmt):
        name_en = None
        if with_translations and isinstance(row[18], dict):
            name_en = (row[18].get("en") or {}).get("name")
        v = [_shared(x, same) for x in row[3:18]]
        offers[row[0]] = Offer(row[0], row[1], row[2], name_en, v[11], v[12], v[13], v[14], v[0], bool(row[4]),
                               v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10])
    if not offers:
        return []
    apply_to_offers(session, offers, today)  # amounts in force on the peildatum
    # Restrict the link tables with the candidate subquery when there is one; otherwise read them whole (national).
    if candidates is not None:
        term_filter = [instrument_term.c.instrument_id.in_(candidates)]
        municipality_filter = [instrument_municipality.c.instrument_id.in_(candidates)]
        region_filter = [instrument_region.c.instrument_id.in_(candidates)]
    else:
        term_filter = municipality_filter = region_filter = []
    groups: dict[int, dict[str, list[str]]] = defaultdict(lambda: {"target_group": [], "scheme": []})
    term_rows = session.execute(
        select(instrument_term.c.instrument_id, TaxonomyTerm.taxonomy, TaxonomyTerm.code)
        .join(TaxonomyTerm, TaxonomyTerm.id == instrument_term.c.term_id)
        .where(TaxonomyTerm.taxonomy.in_(("target_group", "scheme")), *term_filter)
    )
    for iid, taxonomy, code in term_rows:
        if iid in offers:
            groups[iid][taxonomy].append(code)
    for iid, found in groups.items():
        offer = offers[iid]
        offer.target_groups = tuple(sorted(found["target_group"]))
        offer.schemes = tuple(sorted(found["scheme"]))
    for iid, mid in session.execute(select(instrument_municipality.c.instrument_id, instrument_municipality.c.municipality_id)
                                    .where(*municipality_filter)):
        if iid in offers:
            offers[iid].municipality_ids.append(mid)
    for iid, rid in session.execute(select(instrument_region.c.instrument_id, instrument_region.c.region_id)
                                    .where(*region_filter)):
        if iid in offers:
            offers[iid].region_ids.append(rid)
    return sorted(offers.values(), key=lambda o: (o.name.lower(), o.id))


def available_ids_subquery(municipality_ids: list[int], region_ids: list[int]):
    """Ids of instruments available to an employer in these gemeenten/regions (landelijk + regional + local), as a
    UNION over the indexed link tables: much faster than an OR over subqueries on a large catalogue. Visibility is
    checked by the caller."""
    return union(
        select(Instrument.id).where(Instrument.reach == "landelijk"),
        select(instrument_region.c.instrument_id).where(instrument_region.c.region_id.in_(region_ids or [-1])),
        select(instrument_municipality.c.instrument_id).where(
            instrument_municipality.c.municipality_id.in_(municipality_ids or [-1])),
    )


@dataclass
class KindInfo:
    code: str
    name: str
    name_en: str | None
    parameters: list[str]
    not_harmonisable_with: str | None
    not_harmonisable_reason: str | None

    def display(self, language: str) -> str:
        return (self.name_en or self.name) if _lang(language) == "en" else self.name


def load_kinds(session: Session) -> list[KindInfo]:
    rows = session.scalars(select(InstrumentKind).options(selectinload(InstrumentKind.not_harmonisable_with))
                           .order_by(InstrumentKind.sort_order))
    return [KindInfo(k.code, k.name, k.name_en, expand_parameters(k.comparable_parameters),
                     k.not_harmonisable_with.code if k.not_harmonisable_with else None, k.not_harmonisable_reason)
            for k in rows]


def load_term_names(session: Session) -> dict[tuple[str, str], tuple[str, str | None]]:
    rows = session.execute(select(TaxonomyTerm.taxonomy, TaxonomyTerm.code, TaxonomyTerm.name, TaxonomyTerm.name_en)
                           .where(TaxonomyTerm.taxonomy.in_(("target_group", "scheme"))))
    return {(t, c): (n, e) for t, c, n, e in rows}


def valid_municipalities(session: Session, today: date, region_ids: list[int] | None = None) -> list[Municipality]:
    stmt = select(Municipality).where(
        or_(Municipality.valid_until.is_(None), Municipality.valid_until >= today),
        or_(Municipality.valid_from.is_(None), Municipality.valid_from <= today),
    ).order_by(Municipality.name)
    if region_ids is not None:
        stmt = stmt.where(Municipality.region_id.in_(region_ids))
    return list(session.scalars(stmt))


def _column_of(offer: Offer) -> str:
    if offer.provider_type == "uwv":
        return UWV_COLUMN
    if offer.is_national:
        return NATIONAL_COLUMN
    if offer.reach == "lokaal":
        return "gemeente"
    if offer.reach == "regionaal":
        return REGION_COLUMN
    return NATIONAL_COLUMN
