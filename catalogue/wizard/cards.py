"""The instruments that fit, loaded together and once: as ORM objects for the summary and the estimate, and as the few
columns a result card shows (CardInstrument) for the cards. A result page draws up to some 200 cards; loading them as
ORM objects with their kind, provider, terms and dated values took about 27 ms of a 172-card page, as columns a few."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, defer, selectinload

from ..models import Instrument, InstrumentKind, ParameterValue, Provider, TaxonomyTerm, instrument_term
from .choices import CHOICE_PARAMETERS

# What a card reads of the instrument itself (besides kind, provider, terms and dated values).
CARD_COLUMNS = ("id", "slug", "name", "summary", "how_to_apply", "translations", "reach", "valid_from", "valid_until",
                "example", "temporary", "amount_type", "amount_value", "amount_max_per_year", "amount_max_total",
                "duration_max", "duration_unit", "applicant", "decision_period_weeks", "requires_doelgroepverklaring",
                "kind_id", "provider_id")


@dataclass(slots=True, eq=False)
class CardInstrument:
    """An instrument as its result card shows it: the columns above, its kind and provider, its terms in the
    relationship's order and its dated values (the same objects the session holds). Read-only."""

    id: int
    slug: str
    name: str
    summary: str
    how_to_apply: str | None
    translations: dict
    reach: str
    valid_from: date | None
    valid_until: date | None
    example: bool
    temporary: bool
    amount_type: str | None
    amount_value: Decimal | None
    amount_max_per_year: Decimal | None
    amount_max_total: Decimal | None
    duration_max: int | None
    duration_unit: str | None
    applicant: str | None
    decision_period_weeks: int | None
    requires_doelgroepverklaring: bool
    kind_id: int
    provider_id: int
    kind: InstrumentKind | None = None
    provider: Provider | None = None
    terms: tuple[TaxonomyTerm, ...] = ()
    parameter_values: tuple[ParameterValue, ...] = ()

    by_taxonomy: dict[str, list[TaxonomyTerm]] | None = None

    lifecycle = Instrument.lifecycle

    def terms_of(self, taxonomy: str) -> list[TaxonomyTerm]:
        return self.by_taxonomy.get(taxonomy, []) if self.by_taxonomy is not None else []


def load_cards(session: Session, ids: list[int]) -> dict[int, CardInstrument]:
    """{id: CardInstrument} for these instruments, in five queries whatever their number."""
    if not ids:
        return {}
    rows = session.execute(select(*(getattr(Instrument, c) for c in CARD_COLUMNS)).where(Instrument.id.in_(ids)))
    cards = {row[0]: CardInstrument(*row) for row in rows}
    kinds = {k.id: k for k in session.scalars(select(InstrumentKind).where(
        InstrumentKind.id.in_({c.kind_id for c in cards.values()})))}
    providers = {p.id: p for p in session.scalars(select(Provider).where(
        Provider.id.in_({c.provider_id for c in cards.values()})))}
    pairs = session.execute(select(instrument_term.c.instrument_id, instrument_term.c.term_id).where(
        instrument_term.c.instrument_id.in_(ids))).all()
    terms = {t.id: t for t in session.scalars(select(TaxonomyTerm).where(TaxonomyTerm.id.in_({t for _i, t in pairs})))}
    by_instrument: dict[int, list[TaxonomyTerm]] = {}
    order = {t: (t.taxonomy, t.sort_order, t.id) for t in terms.values()}  # the relationship's order
    for instrument_id, term_id in pairs:
        by_instrument.setdefault(instrument_id, []).append(terms[term_id])
    values: dict[int, list[ParameterValue]] = {}
    for pv in session.scalars(select(ParameterValue).where(ParameterValue.instrument_id.in_(ids)).order_by(
            ParameterValue.parameter, ParameterValue.valid_from, ParameterValue.id)):
        values.setdefault(pv.instrument_id, []).append(pv)
    for card in cards.values():
        card.kind, card.provider = kinds[card.kind_id], providers[card.provider_id]
        card.terms = tuple(sorted(by_instrument.get(card.id, ()), key=order.__getitem__))
        card.by_taxonomy = {}
        for term in card.terms:
            card.by_taxonomy.setdefault(term.taxonomy, []).append(term)
        card.parameter_values = tuple(values.get(card.id, ()))
    return cards


class Instruments:
    """The instruments of one result, loaded together (one batch of queries, with what cards, summary and estimate
    show) the first time any of them is asked for: a result page whose cards all come from the card cache
    (catalogue/web/cards.py) loads none."""

    def __init__(self, session: Session, ids: list[int]):
        self._session, self._ids = session, ids
        self._loaded: dict[int, Instrument] | None = None
        self._cards: dict[int, CardInstrument] | None = None

    def card(self, instrument_id: int) -> CardInstrument:
        if self._cards is None:
            self._cards = load_cards(self._session, self._ids)
        return self._cards[instrument_id]

    def __getitem__(self, instrument_id: int) -> Instrument:
        if self._loaded is None:
            self._loaded = {i.id: i for i in self._session.scalars(_card_relations(
                select(Instrument).where(Instrument.id.in_(self._ids))))}
        return self._loaded[instrument_id]


def _card_relations(stmt):
    """What the result cards, the summary and the estimate show of an instrument: loaded in a few batched queries; the
    long texts and lists they never show are not loaded (and raise if touched, so no query per instrument sneaks in)."""
    return stmt.options(selectinload(Instrument.kind), selectinload(Instrument.provider),
                        selectinload(Instrument.terms), selectinload(Instrument.parameter_values),
                        *(defer(column, raiseload=True) for column in (
                            Instrument.description, Instrument.contacts, Instrument.links, Instrument.internal_notes,
                            Instrument.funding_source)))


def restrictions(instrument: Instrument | CardInstrument) -> dict[str, list[TaxonomyTerm]]:
    """For whom the instrument is meant: its target group, scheme and age group terms (empty: everyone)."""
    return {taxonomy: instrument.terms_of(taxonomy) for taxonomy in CHOICE_PARAMETERS.values()
            if instrument.terms_of(taxonomy)}
