"""An instrument: one offering by one provider, with structured, comparable parameters."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, utc_now
from .geo import Municipality, Region
from .parameter_value import ParameterValue
from .provider import Provider
from .taxonomy import InstrumentKind, TaxonomyTerm

REACHES = ("landelijk", "regionaal", "lokaal")
STATUSES = ("draft", "published")
DURATION_UNITS = ("dag", "week", "maand", "jaar")
AMOUNT_TYPES = (
    "geen",  # no money to the employer: a service or provision in kind
    "vast",  # a fixed amount in euro
    "per_uur",  # euro per verloond uur (loonkostenvoordelen)
    "per_maand",  # euro per month
    "percentage_wml",  # percentage of the statutory minimum wage
    "loonwaarde",  # difference between WML and the assessed loonwaarde (value = maximum % of WML)
    "tarief_per_uur",  # hourly tariff paid for a service (jobcoach)
    "werkelijke_kosten",  # actual costs, up to a maximum
)
APPLICANTS = ("werkgever", "werknemer", "wsp")
LIFECYCLES = ("current", "upcoming", "ended")

instrument_region = Table(
    "instrument_region",
    Base.metadata,
    Column("instrument_id", ForeignKey("instrument.id", ondelete="CASCADE"), primary_key=True),
    Column("region_id", ForeignKey("region.id", ondelete="CASCADE"), primary_key=True, index=True),
)
instrument_municipality = Table(
    "instrument_municipality",
    Base.metadata,
    Column("instrument_id", ForeignKey("instrument.id", ondelete="CASCADE"), primary_key=True),
    Column("municipality_id", ForeignKey("municipality.id", ondelete="CASCADE"), primary_key=True, index=True),
)
instrument_term = Table(
    "instrument_term",
    Base.metadata,
    Column("instrument_id", ForeignKey("instrument.id", ondelete="CASCADE"), primary_key=True),
    Column("term_id", ForeignKey("taxonomy_term.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Instrument(Base):
    __tablename__ = "instrument"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(160), unique=True)
    external_id: Mapped[str | None] = mapped_column(String(120), index=True)
    name: Mapped[str] = mapped_column(String(250))
    kind_id: Mapped[int] = mapped_column(ForeignKey("instrument_kind.id"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("provider.id"), index=True)
    reach: Mapped[str] = mapped_column(String(20), index=True)

    summary: Mapped[str] = mapped_column(Text, default="")  # plain language, for employers
    description: Mapped[str | None] = mapped_column(Text)  # sanitised HTML
    conditions: Mapped[str | None] = mapped_column(Text)  # sanitised HTML
    how_to_apply: Mapped[str | None] = mapped_column(Text)  # sanitised HTML

    # Structured, comparable parameters
    duration_max: Mapped[int | None] = mapped_column(Integer)
    duration_unit: Mapped[str | None] = mapped_column(String(10))
    amount_type: Mapped[str | None] = mapped_column(String(30))
    amount_value: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    amount_max_per_year: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    amount_max_total: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    amount_note: Mapped[str | None] = mapped_column(Text)
    applicant: Mapped[str | None] = mapped_column(String(20))
    decision_period_weeks: Mapped[int | None] = mapped_column(Integer)
    payment_moments: Mapped[str | None] = mapped_column(Text)
    requires_doelgroepverklaring: Mapped[bool] = mapped_column(Boolean, default=False)
    requires_doelgroepregister: Mapped[bool] = mapped_column(Boolean, default=False)
    legal_basis: Mapped[str | None] = mapped_column(Text)
    funding_source: Mapped[str | None] = mapped_column(Text)
    temporary: Mapped[bool] = mapped_column(Boolean, default=False)
    leerwerktraject: Mapped[bool] = mapped_column(Boolean, default=False)
    valid_from: Mapped[date | None] = mapped_column(Date)  # the scheme itself
    valid_until: Mapped[date | None] = mapped_column(Date)

    contacts: Mapped[list] = mapped_column(JSON, default=list)
    links: Mapped[list] = mapped_column(JSON, default=list)
    source_url: Mapped[str | None] = mapped_column(String(1000))
    last_checked: Mapped[date | None] = mapped_column(Date)
    regulation_title: Mapped[str | None] = mapped_column(String(500))
    regulation_url: Mapped[str | None] = mapped_column(String(1000))
    translations: Mapped[dict] = mapped_column(JSON, default=dict)  # {"en": {"name": ..., "summary": ...}}

    # Publication and internal fields
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    publish_from: Mapped[date | None] = mapped_column(Date)
    publish_to: Mapped[date | None] = mapped_column(Date)
    internal_notes: Mapped[str | None] = mapped_column(Text)
    example: Mapped[bool] = mapped_column(Boolean, default=False)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now, onupdate=utc_now, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    kind: Mapped[InstrumentKind] = relationship()
    provider: Mapped[Provider] = relationship()
    regions: Mapped[list[Region]] = relationship(secondary=instrument_region, order_by=Region.code)
    municipalities: Mapped[list[Municipality]] = relationship(
        secondary=instrument_municipality, order_by=Municipality.name
    )
    terms: Mapped[list[TaxonomyTerm]] = relationship(
        secondary=instrument_term, order_by=(TaxonomyTerm.taxonomy, TaxonomyTerm.sort_order)
    )
    parameter_values: Mapped[list[ParameterValue]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True,
        order_by=(ParameterValue.parameter, ParameterValue.valid_from, ParameterValue.id),
    )

    __mapper_args__ = {"version_id_col": version}

    def terms_of(self, taxonomy: str) -> list[TaxonomyTerm]:
        return [t for t in self.terms if t.taxonomy == taxonomy]

    def lifecycle(self, today: date | None = None) -> str:
        """current, upcoming (scheme not started yet) or ended (scheme ended)."""
        today = today or date.today()
        if self.valid_until is not None and self.valid_until < today:
            return "ended"
        if self.valid_from is not None and self.valid_from > today:
            return "upcoming"
        return "current"

    def is_public(self, today: date | None = None) -> bool:
        today = today or date.today()
        return (
            self.status == "published"
            and self.deleted_at is None
            and (self.publish_from is None or self.publish_from <= today)
            and (self.publish_to is None or self.publish_to >= today)
        )

    def __repr__(self) -> str:
        return f"<Instrument {self.slug}>"
