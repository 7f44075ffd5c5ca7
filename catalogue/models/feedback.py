"""'Klopt er iets niet?': a reader's report about one public page, kept in the owning organisation's queue."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, utc_now
from .account import User
from .geo import Municipality, Region
from .instrument import Instrument

REPORT_PAGES = ("instrument", "region", "gemeente")
REPORT_STATES = ("open", "fixed", "not_applicable")


class FeedbackReport(Base):
    """Never public. `page_version` is the instrument's version number, or the region page's fingerprint, as the reader
    saw it. Region and gemeente reports go to the region's coordinators."""

    __tablename__ = "feedback_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now, index=True)
    page: Mapped[str] = mapped_column(String(20))
    instrument_id: Mapped[int | None] = mapped_column(ForeignKey("instrument.id", ondelete="CASCADE"), index=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id", ondelete="CASCADE"), index=True)
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id", ondelete="CASCADE"))
    page_version: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(5), default="nl")
    message: Mapped[str] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(String(254))
    state: Mapped[str] = mapped_column(String(20), default="open", index=True)
    resolution: Mapped[str | None] = mapped_column(Text)
    fixed_version: Mapped[int | None] = mapped_column(Integer)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    instrument: Mapped[Instrument | None] = relationship()
    region: Mapped[Region | None] = relationship()
    municipality: Mapped[Municipality | None] = relationship()
    resolved_by: Mapped[User | None] = relationship()
