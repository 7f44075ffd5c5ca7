"""What a result card, the summary and the estimate show of the instruments that fit: loaded together, once."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, defer, selectinload

from ..models import Instrument, TaxonomyTerm
from .choices import CHOICE_PARAMETERS


class Instruments:
    """The instruments of one result, loaded together (one batch of queries, with what cards, summary and estimate
    show) the first time any of them is asked for: a result page whose cards all come from the card cache
    (catalogue/web/cards.py) loads none."""

    def __init__(self, session: Session, ids: list[int]):
        self._session, self._ids = session, ids
        self._loaded: dict[int, Instrument] | None = None

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


def restrictions(instrument: Instrument) -> dict[str, list[TaxonomyTerm]]:
    """For whom the instrument is meant: its target group, scheme and age group terms (empty: everyone)."""
    return {taxonomy: instrument.terms_of(taxonomy) for taxonomy in CHOICE_PARAMETERS.values()
            if instrument.terms_of(taxonomy)}
