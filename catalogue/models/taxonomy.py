"""Taxonomies are data: instrument kinds and the facet terms (target groups, schemes, age groups, ...)."""
from __future__ import annotations

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base

# Facet taxonomies stored in taxonomy_term. Kinds have their own table (they carry harmonisation rules).
TERM_TAXONOMIES = (
    "target_group",
    "scheme",
    "age_group",
    "sector",
    "employment_type",
    "journey_phase",
    "provider_type",
    "reach",
)
# The ones attached to instruments through instrument_term (many-to-many).
INSTRUMENT_TERM_TAXONOMIES = ("target_group", "scheme", "age_group", "sector", "employment_type", "journey_phase")


class TaxonomyTerm(Base):
    __tablename__ = "taxonomy_term"
    __table_args__ = (UniqueConstraint("taxonomy", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    taxonomy: Mapped[str] = mapped_column(String(40), index=True)
    code: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    external_code: Mapped[str | None] = mapped_column(String(20))  # code in the incumbent instrumentengids (DD02, LG05, ...)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    extra: Mapped[dict] = mapped_column(JSON, default=dict)

    def __repr__(self) -> str:
        return f"<Term {self.taxonomy}:{self.code}>"


class InstrumentKind(Base):
    """A canonical soort instrument; offerings of the same kind are compared with each other."""

    __tablename__ = "instrument_kind"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    comparable_parameters: Mapped[list] = mapped_column(JSON, default=list)
    not_harmonisable_with_id: Mapped[int | None] = mapped_column(ForeignKey("instrument_kind.id"))
    not_harmonisable_reason: Mapped[str | None] = mapped_column(Text)

    not_harmonisable_with: Mapped["InstrumentKind | None"] = relationship(remote_side=[id], post_update=True)

    def __repr__(self) -> str:
        return f"<Kind {self.code}>"
