"""Webhooks: consumers registered by an organisation's admins, and the durable outbox of deliveries
(catalogue/webhooks/).

A delivery is written in the same transaction as the public change it carries (the recorder writes both), so nothing
is lost between the feed and the outbox. Workers claim deliveries (`status` pending -> sending, with a lease), POST them and
record every attempt; a failed attempt puts the delivery back to pending with a later `next_attempt_at`."""
from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, utc_now
from .account import Organisation, User
from .changes import PublicChange

CONSUMER_STATES = ("active", "paused")
DELIVERY_STATES = ("pending", "sending", "delivered")


def _key() -> str:
    return secrets.token_urlsafe(24)


class WebhookConsumer(Base):
    __tablename__ = "webhook_consumer"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    url: Mapped[str] = mapped_column(String(1000))
    secret: Mapped[str] = mapped_column(String(200))  # read to sign every delivery, so stored as given
    regions: Mapped[list] = mapped_column(JSON, default=list)  # AM codes; empty = every region
    providers: Mapped[list] = mapped_column(JSON, default=list)  # provider slugs; empty = every provider
    kinds: Mapped[list] = mapped_column(JSON, default=list)  # kind codes; empty = every kind
    status: Mapped[str] = mapped_column(String(10), default="active")
    failing_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    paused_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)

    organisation: Mapped[Organisation] = relationship()
    created_by: Mapped[User | None] = relationship()


class WebhookDelivery(Base):
    __tablename__ = "webhook_delivery"
    __table_args__ = (Index("ix_webhook_delivery_consumer_instrument", "consumer_id", "instrument_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consumer_id: Mapped[int] = mapped_column(ForeignKey("webhook_consumer.id", ondelete="CASCADE"), index=True)
    change_id: Mapped[int] = mapped_column(ForeignKey("public_change.id", ondelete="CASCADE"), index=True)
    instrument_id: Mapped[int] = mapped_column(Integer)  # deliveries of one instrument go out in id order
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True, default=_key)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now, index=True)
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(500))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    replay_of_id: Mapped[int | None] = mapped_column(ForeignKey("webhook_delivery.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)

    consumer: Mapped[WebhookConsumer] = relationship()
    change: Mapped[PublicChange] = relationship()


class WebhookAttempt(Base):
    """The delivery log: one row per POST (or refusal to send)."""

    __tablename__ = "webhook_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("webhook_delivery.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    seconds: Mapped[float | None] = mapped_column(Float)
    worker: Mapped[str | None] = mapped_column(String(120))
