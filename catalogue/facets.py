"""Facets are first-class objects: each knows its parameter, its values and how it filters a query of instruments.

Semantics (standard faceted navigation): values within one facet combine with OR, facets combine with AND, and a facet's
counts are computed with every other facet's selection applied but not its own.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_, case, false, literal, or_, select
from sqlalchemy.orm import Session

from .models import Instrument, InstrumentKind, Provider, TaxonomyTerm, instrument_term


@dataclass(frozen=True)
class Facet:
    key: str  # query parameter and API key
    label: str  # Dutch label (also the gettext msgid)
    taxonomy: str | None = None  # for term facets: taxonomy_term.taxonomy

    def condition(self, values: list[str], today: date) -> ColumnElement[bool]:
        raise NotImplementedError

    def value_expression(self, today: date):
        """SQL expression giving the facet value of an instrument, for counting; None when values come from a join."""
        return None

    def known_values(self, session: Session) -> list[tuple[str, str, str | None]]:
        """(code, name, name_en) of every possible value, in display order."""
        rows = session.execute(
            select(TaxonomyTerm.code, TaxonomyTerm.name, TaxonomyTerm.name_en)
            .where(TaxonomyTerm.taxonomy == self.taxonomy)
            .order_by(TaxonomyTerm.sort_order)
        )
        return [tuple(r) for r in rows]


class TermFacet(Facet):
    """A many-to-many taxonomy on instruments (target group, scheme, age group, sector, employment type)."""

    def condition(self, values, today):
        return Instrument.id.in_(
            select(instrument_term.c.instrument_id)
            .join(TaxonomyTerm, TaxonomyTerm.id == instrument_term.c.term_id)
            .where(TaxonomyTerm.taxonomy == self.taxonomy, TaxonomyTerm.code.in_(values))
        )


class KindFacet(Facet):
    def condition(self, values, today):
        return Instrument.kind_id.in_(select(InstrumentKind.id).where(InstrumentKind.code.in_(values)))

    def known_values(self, session):
        rows = session.execute(
            select(InstrumentKind.code, InstrumentKind.name, InstrumentKind.name_en).order_by(InstrumentKind.sort_order)
        )
        return [tuple(r) for r in rows]


class ProviderTypeFacet(Facet):
    def condition(self, values, today):
        return Instrument.provider_id.in_(select(Provider.id).where(Provider.type.in_(values)))


class ReachFacet(Facet):
    def condition(self, values, today):
        return Instrument.reach.in_(values)

    def value_expression(self, today):
        return Instrument.reach


class BooleanFacet(Facet):
    column_name: str = "leerwerktraject"

    def condition(self, values, today):
        wanted = {v == "ja" for v in values}
        column = getattr(Instrument, self.column_name)
        return column.in_(sorted(wanted)) if wanted else false()

    def value_expression(self, today):
        return case((getattr(Instrument, self.column_name).is_(True), literal("ja")), else_=literal("nee"))

    def known_values(self, session):
        return [("ja", N_("Ja"), "Yes"), ("nee", N_("Nee"), "No")]


class LifecycleFacet(Facet):
    """Whether the scheme itself runs now, has not started yet, or has ended."""

    def condition(self, values, today):
        parts = []
        ended = and_(Instrument.valid_until.is_not(None), Instrument.valid_until < today)
        upcoming = and_(Instrument.valid_from.is_not(None), Instrument.valid_from > today)
        if "ended" in values:
            parts.append(ended)
        if "upcoming" in values:
            parts.append(and_(~ended, upcoming))
        if "current" in values:
            parts.append(and_(~or_(ended, upcoming)))
        return or_(*parts) if parts else false()

    def value_expression(self, today):
        return case(
            (and_(Instrument.valid_until.is_not(None), Instrument.valid_until < today), literal("ended")),
            (and_(Instrument.valid_from.is_not(None), Instrument.valid_from > today), literal("upcoming")),
            else_=literal("current"),
        )

    def known_values(self, session):
        return [("current", "Actueel", "Current"), ("upcoming", "Nog niet gestart", "Not started yet"),
                ("ended", "Beëindigd", "Ended")]


def N_(message: str) -> str:
    """Marks a label for translation (extracted by pybabel); the web layer translates it."""
    return message


FACETS: list[Facet] = [
    TermFacet("target_group", N_("Doelgroep"), "target_group"),
    TermFacet("scheme", N_("Uitkering of regeling"), "scheme"),
    TermFacet("age_group", N_("Leeftijd"), "age_group"),
    KindFacet("kind", N_("Soort instrument")),
    ProviderTypeFacet("provider_type", N_("Aanbieder"), "provider_type"),
    ReachFacet("reach", N_("Bereik"), "reach"),
    TermFacet("sector", N_("Sector"), "sector"),
    TermFacet("employment_type", N_("Soort dienstverband"), "employment_type"),
    BooleanFacet("leerwerktraject", N_("Leerwerktraject")),
    LifecycleFacet("lifecycle", N_("Looptijd")),
]
FACETS_BY_KEY = {f.key: f for f in FACETS}
