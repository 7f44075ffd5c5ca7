"""The public change feed: every change to the public catalogue as the public sees it (catalogue/changes/).

`public_change` is the feed itself, one row per change, in the order the recorder committed them (one recorder at a
time: the `change_feed_state` row is its lock, so ids are in commit order on every database). A row carries the
instrument's public representation (the same as `GET /api/v1/instruments/<slug>` on that day) or none (a tombstone),
and the filter keys webhooks are matched on. `public_state` holds per instrument what the feed last said, so the
recorder writes a row only when the public representation really changed.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, utc_now

CHANGE_TYPES = ("created", "updated", "published", "unpublished", "ended", "deleted")


class PublicChange(Base):
    __tablename__ = "public_change"
    __table_args__ = {"sqlite_autoincrement": True}  # ids are cursors: never reused

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instrument_id: Mapped[int] = mapped_column(Integer, index=True)  # no foreign key: deleted ones stay in the feed
    slug: Mapped[str] = mapped_column(String(160))
    change: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str | None] = mapped_column(String(40))
    # the feed entry as JSON text, encoded once when recorded, so reading the feed decodes and encodes nothing:
    # {"change", "reason", "slug", "recorded_at", "instrument"} (instrument null: a tombstone); the cursor, made from
    # the id, is put in front when it is read (catalogue/changes/feed.py)
    entry: Mapped[str] = mapped_column(Text)
    match: Mapped[dict] = mapped_column(JSON, default=dict)  # {"kind", "provider", "regions"} for webhook filters
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now, index=True)


class PublicState(Base):
    __tablename__ = "public_state"

    instrument_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    slug: Mapped[str] = mapped_column(String(160))
    public: Mapped[bool] = mapped_column(Boolean)
    digest: Mapped[str | None] = mapped_column(String(64))
    lifecycle: Mapped[str | None] = mapped_column(String(10))
    last_change_id: Mapped[int] = mapped_column(Integer)


class ChangeFeedState(Base):
    """One row (id 1): how far the recorder has followed the database's change log (`index_change`), the ids it has not
    seen yet below that position (transactions still running on PostgreSQL), and the last day whose date boundaries
    (publication windows, scheme dates, dated amounts) it has swept."""

    __tablename__ = "change_feed_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    cursor: Mapped[int | None] = mapped_column(Integer)
    holes: Mapped[dict] = mapped_column(JSON, default=dict)  # index_change id (str) -> unix time first missed
    swept_on: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
