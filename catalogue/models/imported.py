"""What came from another system: the state of each imported record (for idempotent, conflict-aware re-imports) and
parameter proposals read from imported free text, waiting for an editor."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, utc_now
from .account import User
from .instrument import Instrument

PROPOSAL_STATUSES = ("open", "accepted", "rejected")


class ImportRecord(Base):
    """One record of a source system (e.g. a Dennis instrument, by its uuid) and the instrument it became: the source's
    own last-change time and our version right after the last import, so a second run knows what changed on each side."""

    __tablename__ = "import_record"
    __table_args__ = (UniqueConstraint("source", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(20))  # dennis
    external_id: Mapped[str] = mapped_column(String(120))
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instrument.id", ondelete="CASCADE"), index=True)
    source_updated_at: Mapped[str | None] = mapped_column(String(40))  # as the source wrote it
    version: Mapped[int] = mapped_column(Integer)  # our version right after the import
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)

    instrument: Mapped[Instrument] = relationship()


class ParameterProposal(Base):
    """A comparable parameter read from imported free text ("maximaal 3 maanden"), applied only when an editor accepts it."""

    __tablename__ = "parameter_proposal"

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instrument.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(20))  # dennis
    values: Mapped[dict] = mapped_column(JSON)  # {field: value} in the input schema's shape, applied together
    excerpt: Mapped[str] = mapped_column(Text)  # the text it was read from
    field_name: Mapped[str] = mapped_column(String(40))  # where the text was: conditions, description, ...
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    decided_by: Mapped[str | None] = mapped_column(String(254))

    instrument: Mapped[Instrument] = relationship()
    decider: Mapped[User | None] = relationship()
