"""The durable outbox: which consumer gets which public change, written in the recorder's transaction, and replays.
No Flask."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import PublicChange, WebhookConsumer, WebhookDelivery
from ..db import utc_now


def matches(consumer: WebhookConsumer, keys: dict) -> bool:
    """Empty filters match everything; within a filter any value, across filters all (like the list's filters)."""
    if consumer.kinds and keys.get("kind") not in consumer.kinds:
        return False
    if consumer.providers and keys.get("provider") not in consumer.providers:
        return False
    regions = keys.get("regions") or []
    if consumer.regions and "*" not in regions and not set(regions) & set(consumer.regions):
        return False
    return True


def enqueue_for(session: Session, changes: list[PublicChange]) -> int:
    """A pending delivery per (consumer, change) that the consumer's filter matches; paused consumers keep collecting
    theirs (sent after they are resumed). Returns how many."""
    if not changes:
        return 0
    consumers = list(session.scalars(select(WebhookConsumer).order_by(WebhookConsumer.id)))
    rows = [WebhookDelivery(consumer_id=c.id, change_id=change.id, instrument_id=change.instrument_id,
                            status="pending", attempts=0, next_attempt_at=utc_now())
            for change in changes for c in consumers if matches(c, change.match or {})]
    session.add_all(rows)
    session.flush()
    return len(rows)


def replay(session: Session, delivery: WebhookDelivery) -> WebhookDelivery:
    """Sends the same change again as a new delivery (its own idempotency key), after the consumer's other deliveries
    of that instrument that are already waiting."""
    again = WebhookDelivery(consumer_id=delivery.consumer_id, change_id=delivery.change_id,
                            instrument_id=delivery.instrument_id, status="pending", attempts=0,
                            next_attempt_at=utc_now(), replay_of_id=delivery.id)
    session.add(again)
    session.flush()
    return again
