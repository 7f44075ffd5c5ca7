"""Loading: public, current instruments as plain rows (no ORM objects; fast enough for the whole 20,000-instrument
catalogue), the kinds, term names and gemeenten, and which matrix column an offer belongs to."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, or_, select, union
from sqlalchemy.orm import Session, selectinload

from ..models import (
    NATIONAL_PROVIDER_TYPES,
    Instrument,
    InstrumentKind,
    Municipality,
    ParameterValue,
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
    per public instrument, 100,000 at the largest catalogue, and a dict per object tripled their memory; `_values` is
    shared between offers with equal parameter fields, see load_offers)."""

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
        """A hashable, normalised value for comparing (computed once per parameter; offers loaded with equal parameter
        fields share the dict that keeps them, so the terms are not kept there)."""
        if param == "target_groups":
            return self.target_groups
        if param == "schemes":
            return self.schemes
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


def _decimal_text(value):
    return None if value is None else str(value)


def load_offers(session: Session, today: date, candidates=None, with_translations: bool = False,
                progress=None) -> list[Offer]:
    """Public, current instruments, with their target groups, schemes and places, sorted by name.

    `candidates`: optionally a subquery (see available_ids_subquery) or a list of instrument ids to restrict to.
    `progress`: optionally called with the number of instruments read so far, every 10,000.

    One pass over plain rows: the parameter columns of a row (and its kind and provider) are looked up in a memo, so
    offers with equal parameters share one tuple of values and one dict of normalised values (`Offer.value`); of
    100,000 synthetic instruments a few thousand parameter combinations are distinct.
    """
    where = [public_condition(today), current_condition(today)]
    if candidates is not None:
        where.append(Instrument.id.in_(candidates))
    columns = _OFFER_COLUMNS + ((Instrument.translations,) if with_translations else ())
    stmt = select(*columns).join(InstrumentKind, InstrumentKind.id == Instrument.kind_id).join(
        Provider, Provider.id == Instrument.provider_id).where(*where)
    session.flush()  # the rows are read on the session's connection (Core: no ORM row processing), pending changes too
    conn = session.connection()
    offers: dict[int, Offer] = {}
    params_memo: dict = {}
    who_memo: dict = {}
    reach_memo: dict = {}
    for row in _rows(conn, stmt, progress=progress):
        name_en = None
        if with_translations and isinstance(row[18], dict):
            name_en = (row[18].get("en") or {}).get("name")
        # Decimals by their exact text: 10 and 10.0 are equal (and hash alike) but print differently
        key = row[5:14] + (_decimal_text(row[8]), _decimal_text(row[9]), _decimal_text(row[10]))
        p = params_memo.get(key)
        if p is None:
            p = params_memo[key] = (*row[5:14], {})
        w = row[14:18]
        w = who_memo.setdefault(w, w)
        reach = reach_memo.setdefault(row[3], row[3])
        offers[row[0]] = Offer(row[0], row[1], row[2], name_en, w[0], w[1], w[2], w[3], reach, bool(row[4]),
                               p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], (), (), [], [], p[9])
    if not offers:
        return []
    _apply_dated_values(conn, offers, today, candidates)  # amounts in force on the peildatum
    # Restrict the link tables with the candidates when there are; otherwise read them whole (national).
    if candidates is not None:
        term_filter = [instrument_term.c.instrument_id.in_(candidates)]
        municipality_filter = [instrument_municipality.c.instrument_id.in_(candidates)]
        region_filter = [instrument_region.c.instrument_id.in_(candidates)]
    else:
        term_filter = municipality_filter = region_filter = []
    terms = {tid: (taxonomy == "target_group", code) for tid, taxonomy, code in conn.execute(
        select(TaxonomyTerm.id, TaxonomyTerm.taxonomy, TaxonomyTerm.code)
        .where(TaxonomyTerm.taxonomy.in_(("target_group", "scheme"))))}
    target_groups: dict[int, list] = {}
    schemes: dict[int, list] = {}
    for iid, tid in _rows(conn, select(instrument_term.c.instrument_id, instrument_term.c.term_id)
                          .where(instrument_term.c.term_id.in_(sorted(terms) or [-1]), *term_filter)):
        if iid in offers:
            is_group, code = terms[tid]
            (target_groups if is_group else schemes).setdefault(iid, []).append(code)
    same: dict = {}
    for found, attribute in ((target_groups, "target_groups"), (schemes, "schemes")):
        for iid, codes in found.items():
            codes = tuple(sorted(codes)) if len(codes) > 1 else tuple(codes)
            setattr(offers[iid], attribute, same.setdefault(codes, codes))
    for iid, mid in _rows(conn, select(instrument_municipality.c.instrument_id, instrument_municipality.c.municipality_id)
                          .where(*municipality_filter)):
        offer = offers.get(iid)
        if offer is not None:
            offer.municipality_ids.append(mid)
    for iid, rid in _rows(conn, select(instrument_region.c.instrument_id, instrument_region.c.region_id)
                          .where(*region_filter)):
        offer = offers.get(iid)
        if offer is not None:
            offer.region_ids.append(rid)
    return sorted(offers.values(), key=offer_order)


def offer_order(offer: Offer) -> tuple:
    """The order of offers everywhere in harmonisation (lists of instruments, "a / b" value texts)."""
    return (offer.name.lower(), offer.id)


def _rows(conn, stmt, size: int = 10_000, progress=None):
    """The statement's rows, fetched `size` at a time (bounded memory, no per-row fetch)."""
    done = 0
    for part in conn.execute(stmt).partitions(size):
        yield from part
        done += len(part)
        if progress is not None:
            progress(done)


def _apply_dated_values(conn, offers: dict[int, Offer], day: date, candidates) -> None:
    """The amount fields of the loaded offers as in force on `day` (catalogue.dated.in_force on plain rows rather than
    ORM objects); an offer whose amounts change gets its own dict of normalised values."""
    stmt = select(ParameterValue.instrument_id, ParameterValue.parameter, ParameterValue.value,
                  ParameterValue.valid_from, ParameterValue.valid_until)
    if candidates is not None:  # never an IN list of every public id: SQLAlchemy's statement cache keeps the last
        # one alive (it pinned ~30 MB of freed memory per worker after the national overview at 100,000)
        stmt = stmt.where(ParameterValue.instrument_id.in_(candidates))
    found: dict[int, dict] = {}
    for iid, parameter, value, valid_from, valid_until in _rows(conn, stmt):
        if iid not in offers:
            continue
        values = found.setdefault(iid, {})
        values.setdefault(parameter, None)
        if (valid_from is None or valid_from <= day) and (valid_until is None or day <= valid_until):
            values[parameter] = value
    for iid, values in found.items():
        offer = offers[iid]
        for parameter, value in values.items():
            setattr(offer, parameter, value)
        offer._values = {}


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
