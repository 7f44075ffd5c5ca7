"""Audit trail, versions, watches and in-app notifications."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, utc_now
from .account import User
from .geo import Region
from .instrument import Instrument

AUDIT_ACTIONS = ("create", "update", "publish", "unpublish", "schedule", "delete", "restore", "restore_version",
                 "review", "region_update", "coverage", "accept_proposal", "reject_proposal")


class AuditEntry(Base):
    """One change: who, when, what, and per field the old and new value ({field: [old, new]})."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    actor: Mapped[str] = mapped_column(String(254))  # the user's e-mail address at the time (kept if the user goes)
    via: Mapped[str] = mapped_column(String(10), default="web")  # web | api | cli
    instrument_id: Mapped[int | None] = mapped_column(ForeignKey("instrument.id", ondelete="CASCADE"), index=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(30))
    version: Mapped[int | None] = mapped_column(Integer)  # the instrument's version after the change
    changes: Mapped[dict] = mapped_column(JSON, default=dict)

    user: Mapped[User | None] = relationship()
    instrument: Mapped[Instrument | None] = relationship()
    region: Mapped[Region | None] = relationship()


class InstrumentVersion(Base):
    """A full snapshot (input-schema shape) of an instrument after each save."""

    __tablename__ = "instrument_version"
    __table_args__ = (UniqueConstraint("instrument_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instrument.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(30))
    deleted: Mapped[bool] = mapped_column(default=False)
    snapshot: Mapped[dict] = mapped_column(JSON)

    instrument: Mapped[Instrument] = relationship()


class Watch(Base):
    __tablename__ = "watch"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instrument.id", ondelete="CASCADE"), primary_key=True,
                                               index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)

    user: Mapped[User] = relationship()
    instrument: Mapped[Instrument] = relationship()


class Notification(Base):
    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    instrument_id: Mapped[int | None] = mapped_column(ForeignKey("instrument.id", ondelete="CASCADE"), index=True)
    audit_entry_id: Mapped[int | None] = mapped_column(ForeignKey("audit_entry.id", ondelete="CASCADE"))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now, index=True)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    instrument: Mapped[Instrument | None] = relationship()
    audit_entry: Mapped[AuditEntry | None] = relationship()
