"""`catalogue webhooks work`: records public changes and delivers the outbox. No Flask.

Each round the worker runs the recorder (catalogue/changes/recorder.py; one at a time across every node), then claims
due deliveries and POSTs them, one at a time, outside any transaction.

Claiming is safe on several nodes at once: on PostgreSQL `SELECT ... FOR UPDATE SKIP LOCKED`, on SQLite a
`BEGIN IMMEDIATE` transaction; a claimed delivery becomes `sending` with a lease (`claimed_until`), so another worker
takes it over only when its worker died. A delivery is claimable only when every earlier delivery of the same
instrument to the same consumer has been delivered: per consumer and instrument, changes arrive in order.

A failed attempt (no 2xx within the timeout, a redirect, a refused address) is logged and retried after an
exponential back-off (base × 2^(attempt−1), at most `cap`, plus up to 10 % jitter). A consumer whose deliveries have
failed without a single success for `pause_after` (24 h) is paused and its owner (who registered it, else the
organisation's coordinators) is mailed through the outbox; its deliveries wait until an admin resumes it.
"""
from __future__ import annotations

import logging
import os
import random
import signal
import socket
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import aliased

from ..auth import send_mail
from ..db import Database, retrying, utc_now
from ..models import Membership, User, WebhookAttempt, WebhookConsumer, WebhookDelivery
from . import signing
from .sender import post
from .urls import UrlRefused, check_url

log = logging.getLogger(__name__)


@dataclass
class Settings:
    base: float = 30.0  # seconds before the first retry
    cap: float = 3600.0  # longest wait between two attempts
    timeout: float = 10.0  # per POST
    lease: float = 120.0  # a claimed delivery is taken over after this long (its worker died)
    pause_after: timedelta = timedelta(hours=24)
    allow_local: bool = False  # http://localhost consumers (development and tests only)
    batch: int = 20  # deliveries claimed at once


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=timezone.utc) if value is not None and value.tzinfo is None else value


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def backoff(attempts: int, settings: Settings) -> float:
    wait = min(settings.cap, settings.base * 2 ** max(0, attempts - 1))
    return wait * (1 + 0.1 * random.random())


def claim(db: Database, worker: str, settings: Settings, now: datetime | None = None) -> list[int]:
    """Marks due deliveries as `sending` for this worker and returns their ids, oldest first."""
    now = now or utc_now()
    earlier = aliased(WebhookDelivery)
    blocked = exists().where(earlier.consumer_id == WebhookDelivery.consumer_id,
                             earlier.instrument_id == WebhookDelivery.instrument_id,
                             earlier.id < WebhookDelivery.id, earlier.status != "delivered")
    due = or_(and_(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now),
              and_(WebhookDelivery.status == "sending", WebhookDelivery.claimed_until < now))
    active = WebhookDelivery.consumer_id.in_(select(WebhookConsumer.id).where(WebhookConsumer.status == "active"))

    def attempt() -> list[int]:
        with db.session(write=True) as session:
            rows = list(session.scalars(select(WebhookDelivery).where(due, active, ~blocked)
                                        .order_by(WebhookDelivery.id).limit(settings.batch)
                                        .with_for_update(skip_locked=True)))
            for row in rows:
                row.status, row.claimed_by = "sending", worker[:120]
                row.claimed_until = now + timedelta(seconds=settings.lease)
            return [row.id for row in rows]

    return retrying(attempt)


def body_of(delivery: WebhookDelivery) -> bytes:
    """The feed entry with `event` and `delivery` ({id, replay_of}) added."""
    import json

    from ..changes.feed import with_cursor

    change = delivery.change
    extra = json.dumps({"event": f"instrument.{change.change}",
                        "delivery": {"id": delivery.id, "replay_of": delivery.replay_of_id}}, separators=(",", ":"))
    return with_cursor(change.id, change.entry, extra[1:-1] + ",").encode()


def deliver(db: Database, delivery_id: int, worker: str, settings: Settings) -> bool:
    """POSTs one claimed delivery and records the attempt; True when it was delivered."""
    with db.session() as session:
        delivery = session.get(WebhookDelivery, delivery_id)
        if delivery is None or delivery.status != "sending" or delivery.claimed_by != worker[:120]:
            return False  # taken over meanwhile (our lease ran out)
        consumer = delivery.consumer
        body, url, secret, key = body_of(delivery), consumer.url, consumer.secret, delivery.idempotency_key
        attempt_number = delivery.attempts + 1
    started = time.monotonic()
    try:
        target = check_url(url, allow_local=settings.allow_local)
    except UrlRefused as exc:
        status, error = None, f"adres geweigerd: {exc}"
    else:
        headers = signing.headers(secret, body, key)
        headers["X-Instrumentengids-Delivery"] = str(delivery_id)
        headers["X-Instrumentengids-Attempt"] = str(attempt_number)
        status, error = post(target, body, headers, timeout=settings.timeout)
    seconds = time.monotonic() - started
    retrying(lambda: _record(db, delivery_id, worker, status, error, seconds, settings))
    return error is None


def _record(db: Database, delivery_id: int, worker: str, status: int | None, error: str | None, seconds: float,
            settings: Settings) -> None:
    now = utc_now()
    with db.session(write=True) as session:
        delivery = session.get(WebhookDelivery, delivery_id)
        if delivery is None:
            return
        consumer = delivery.consumer
        session.add(WebhookAttempt(delivery_id=delivery_id, at=now, status_code=status, error=error,
                                   seconds=round(seconds, 3), worker=worker[:120]))
        delivery.attempts += 1
        delivery.last_status, delivery.last_error = status, error
        delivery.claimed_by, delivery.claimed_until = None, None
        if error is None:
            delivery.status, delivery.delivered_at = "delivered", now
            consumer.failing_since = None
            return
        delivery.status = "pending"
        delivery.next_attempt_at = now + timedelta(seconds=backoff(delivery.attempts, settings))
        if consumer.failing_since is None:
            consumer.failing_since = now
        elif consumer.status == "active" and now - _aware(consumer.failing_since) >= settings.pause_after:
            consumer.status, consumer.paused_at = "paused", now
            _notify_paused(session, consumer, error)


def _notify_paused(session, consumer: WebhookConsumer, error: str) -> None:
    recipients = []
    if consumer.created_by is not None and consumer.created_by.active:
        recipients = [consumer.created_by.email]
    if not recipients:
        recipients = list(session.scalars(select(User.email).join(Membership, Membership.user_id == User.id).where(
            Membership.organisation_id == consumer.organisation_id, Membership.role == "coordinator",
            User.active.is_(True))))
    since = _aware(consumer.failing_since).strftime("%Y-%m-%d %H:%M UTC")
    for address in recipients:
        send_mail(session, address, f"Webhook '{consumer.name}' gepauzeerd",
                  f"De afnemer '{consumer.name}' ({consumer.url}) van de Open instrumentengids neemt sinds {since} "
                  f"geen wijzigingen meer aan (laatste fout: {error}). We hebben hem gepauzeerd; de wijzigingen "
                  f"worden bewaard. Herstel de ontvanger en zet de afnemer weer aan onder Beheer > Webhooks "
                  f"(/beheer/webhooks/{consumer.id}).")
    log.warning("webhook consumer %s paused after failing since %s", consumer.id, since)


def record_changes(db: Database) -> int:
    from ..changes import record

    def attempt() -> int:
        with db.session(write=True) as session:
            return len(record(session).changes)

    return retrying(attempt)


def run_once(db: Database, settings: Settings, worker: str | None = None) -> tuple[int, int]:
    """One round: record changes, then deliver what is due. Returns (changes recorded, deliveries attempted)."""
    worker = worker or worker_name()
    recorded = record_changes(db)
    attempted = 0
    for delivery_id in claim(db, worker, settings):
        deliver(db, delivery_id, worker, settings)
        attempted += 1
    return recorded, attempted


def work(db: Database, settings: Settings, once: bool = False, poll: float = 1.0, echo=None) -> int:
    """Rounds until SIGTERM/SIGINT (finishing the delivery at hand) or, with `once`, until nothing is due. Returns
    the number of deliveries attempted."""
    stopping: list[bool] = []
    previous = {}
    if not once:
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous[sig] = signal.signal(sig, lambda *_: stopping.append(True))
    worker, total = worker_name(), 0
    try:
        while not stopping:
            recorded, attempted = run_once(db, settings, worker)
            total += attempted
            if echo and (recorded or attempted):
                echo(recorded, attempted)
            if once and not attempted:
                break
            if not attempted:
                time.sleep(poll)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return total
