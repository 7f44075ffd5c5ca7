"""Following a search: a subscription to one exact, normalised filter, and the digests sent for it."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, utc_now

ALERT_SOURCES = ("list", "wizard")
ALERT_FREQUENCIES = ("daily", "weekly")


class AlertSubscription(Base):
    """The address and the filter, nothing else about the person. Unconfirmed until the signed link in the first mail
    is followed (`confirm_nonce_hash` is then cleared, so the link works once); deleted on unsubscribe."""

    __tablename__ = "alert_subscription"
    __table_args__ = (UniqueConstraint("email", "filter_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    source: Mapped[str] = mapped_column(String(10))  # list | wizard
    filter: Mapped[dict] = mapped_column(JSON)  # normalised parameters, {name: [values]}
    filter_key: Mapped[str] = mapped_column(String(64))  # SHA-256 of the source and the canonical filter
    frequency: Mapped[str] = mapped_column(String(10), default="weekly")
    language: Mapped[str] = mapped_column(String(5), default="nl")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    confirm_nonce_hash: Mapped[str | None] = mapped_column(String(64))

    digests: Mapped[list["AlertDigest"]] = relationship(back_populates="subscription", cascade="all, delete-orphan",
                                                        passive_deletes=True)


class AlertDigest(Base):
    """One period's digest for one subscription: the unique (subscription, period) pair makes sending idempotent, on
    any number of nodes (the row and the outbox message are written in one transaction)."""

    __tablename__ = "alert_digest"
    __table_args__ = (UniqueConstraint("subscription_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("alert_subscription.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(12))  # 2026-11-30 (daily) or 2026-W48 (weekly)
    items: Mapped[int] = mapped_column(Integer, default=0)  # 0: nothing matched, no mail
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)

    subscription: Mapped[AlertSubscription] = relationship(back_populates="digests")


class RateLimitHit(Base):
    """One attempt counted by a rate limit (report form, subscribe form), shared by every process and node. `key` is a
    keyed hash of the client address, never the address itself."""

    __tablename__ = "rate_limit_hit"
    __table_args__ = (Index("ix_rate_limit_hit_bucket_key_at", "bucket", "key", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bucket: Mapped[str] = mapped_column(String(30))
    key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now, index=True)
