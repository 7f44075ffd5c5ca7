"""One public search or wizard use, without personal data: no IP address, no user, no session."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base

SEARCH_SOURCES = ("search", "wizard")


class SearchEvent(Base):
    """`kinds` and `target_groups` are the selected codes, sorted and comma-joined (a combination counts as asked
    together); `region_code` is the region searched in, or the region of the gemeente searched in."""

    __tablename__ = "search_event"
    __table_args__ = (Index("ix_search_event_region_month", "region_code", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    month: Mapped[str] = mapped_column(String(7), index=True)  # YYYY-MM, for trends
    source: Mapped[str] = mapped_column(String(10))
    query: Mapped[str] = mapped_column(String(200), default="")
    kinds: Mapped[str] = mapped_column(String(300), default="")
    target_groups: Mapped[str] = mapped_column(String(300), default="")
    municipality_code: Mapped[str | None] = mapped_column(String(10))
    region_code: Mapped[str | None] = mapped_column(String(10))
    result_count: Mapped[int] = mapped_column(Integer, default=0)
    ended_count: Mapped[int] = mapped_column(Integer, default=0)  # matching schemes that have ended (hidden)
    language: Mapped[str] = mapped_column(String(5), default="nl")


class SearchTally(Base):
    """Searches per month, region, normalised query and outcome: what the dashboards read (kept up to date when events
    are written, so a dashboard never scans a year of events)."""

    __tablename__ = "search_tally"
    __table_args__ = (UniqueConstraint("month", "region_code", "query", "outcome"),
                      Index("ix_search_tally_region_month", "region_code", "month", "query", "outcome", "n"))

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))
    region_code: Mapped[str] = mapped_column(String(10), default="")  # "" = no region known
    query: Mapped[str] = mapped_column(String(200), default="")
    outcome: Mapped[str] = mapped_column(String(10))  # found | zero | ended (only ended schemes matched)
    n: Mapped[int] = mapped_column(Integer, default=0)


class GapTally(Base):
    """Searches and wizard uses in a gemeente that asked for kinds or target groups and found nothing."""

    __tablename__ = "gap_tally"
    __table_args__ = (UniqueConstraint("month", "region_code", "municipality_code", "kinds", "target_groups"),
                      Index("ix_gap_tally_region_month", "region_code", "month", "municipality_code", "kinds",
                            "target_groups", "n"))

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))
    region_code: Mapped[str] = mapped_column(String(10), default="")
    municipality_code: Mapped[str] = mapped_column(String(10))
    kinds: Mapped[str] = mapped_column(String(300), default="")
    target_groups: Mapped[str] = mapped_column(String(300), default="")
    n: Mapped[int] = mapped_column(Integer, default=0)
