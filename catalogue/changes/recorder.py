"""The recorder: turns what changed in the database into public changes. No Flask.

It follows the database's change log (`index_change`, written by triggers in every writing transaction, SQL beside the
application included; see catalogue/search/changelog.py), re-reads the instruments those entries touch and compares
each one's public representation with what the feed last said (`public_state`). Only a real difference becomes a row
in `public_change`: created (first public appearance), updated, ended (the scheme's end date passed or was set in the
past), unpublished (made draft, or its publication window closed: reason `publication_window_ended`, or moved to
the future: `scheduled`), published (public again after that), deleted (a tombstone; also for the old slug of a
renamed instrument, reason `renamed`, before its `created` under the new slug).

Dates move without a commit: once per day the recorder also re-checks the instruments with a date boundary between
the last swept day and today (publication window opening or closing, the scheme starting or ending, a dated amount
starting or ending), so a scheduled instrument appears in the feed on its first day and an expired one disappears.

One recorder at a time: it locks the `change_feed_state` row (SELECT ... FOR UPDATE on PostgreSQL; on SQLite the
caller's write transaction, BEGIN IMMEDIATE, is the lock). Feed ids are therefore handed out in commit order on both
databases, which is what makes a cursor safe: nothing is ever committed behind a cursor a reader already holds.
Webhook deliveries for the new changes are written in the same transaction (catalogue/webhooks/outbox.py).

Several changes between two rounds to one instrument become one entry: the feed says what the public catalogue is,
not every intermediate edit. Replaying it from the start rebuilds the public catalogue exactly.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, selectinload

from ..models import (
    ChangeFeedState,
    Instrument,
    Municipality,
    ParameterValue,
    Provider,
    PublicChange,
    PublicState,
)
from ..search import changelog
from .feed import stored_entry
from .representation import digest, match_keys, representation
from ..db import utc_now

BATCH = 500  # change-log entries per round: a round holds SQLite's write lock while it compares, so rounds stay short
CHUNK = 500  # instruments loaded at once


@dataclass
class Round:
    entries: int = 0
    checked: int = 0
    changes: list[PublicChange] = field(default_factory=list)
    full: bool = False


def lock_state(session: Session) -> ChangeFeedState:
    state = session.scalar(select(ChangeFeedState).where(ChangeFeedState.id == 1).with_for_update())
    if state is None:
        state = ChangeFeedState(id=1, cursor=None, holes={}, swept_on=None)
        session.add(state)
        session.flush()
    return state


def record(session: Session, today: date | None = None, limit: int = BATCH) -> Round:
    """One round: what was committed since the last round becomes public changes (and webhook deliveries). The caller
    commits (and on SQLite must have begun a write transaction)."""
    from ..webhooks.outbox import enqueue_for

    today = today or date.today()
    state = lock_state(session)
    result = Round()
    ids: set[int] = set()
    if state.cursor is None or changelog.is_gap(session, state.cursor):
        # first round, or the log was pruned past our position: compare every instrument (idempotent)
        head = changelog.head(session)
        ids = set(session.scalars(select(Instrument.id))) | set(session.scalars(select(PublicState.instrument_id)))
        state.cursor = head
        state.holes = {str(h): time.time() for h in changelog.recent_holes(session, head)}
        result.full = True
    else:
        holes = {int(k): v for k, v in (state.holes or {}).items()}
        entries = changelog.read(session, state.cursor, set(holes), limit=limit)
        previous = changelog.advance(state.cursor, holes, entries, time.time())
        if entries:
            ids, _ = changelog.affected_instruments(session, entries)
        state.cursor = previous
        state.holes = {str(h): since for h, since in holes.items()}
        result.entries = len(entries)
    if state.swept_on != today:
        if state.swept_on is not None and not result.full:
            ids |= boundary_instruments(session, state.swept_on, today)
        state.swept_on = today
    result.checked = len(ids)
    result.changes = reconcile(session, ids, today)
    if result.entries or result.changes or result.full:
        state.updated_at = utc_now()
    enqueue_for(session, result.changes)
    return result


def boundary_instruments(session: Session, since: date, today: date) -> set[int]:
    """Instruments whose public representation may have changed between the days `since` and `today` by the date
    alone: a window or validity that started in (since, today] or ended in [since, today)."""
    def crossed(start, end):
        return or_(and_(start > since, start <= today), and_(end >= since, end < today))

    ids = set(session.scalars(select(Instrument.id).where(or_(
        crossed(Instrument.publish_from, Instrument.publish_to),
        crossed(Instrument.valid_from, Instrument.valid_until)))))
    ids |= set(session.scalars(select(ParameterValue.instrument_id).where(
        crossed(ParameterValue.valid_from, ParameterValue.valid_until))))
    return ids


def _load(session: Session, ids: list[int]) -> dict[int, Instrument]:
    stmt = select(Instrument).where(Instrument.id.in_(ids)).options(
        selectinload(Instrument.kind),
        selectinload(Instrument.provider).selectinload(Provider.municipality),
        selectinload(Instrument.provider).selectinload(Provider.region),
        selectinload(Instrument.terms),
        selectinload(Instrument.regions),
        selectinload(Instrument.municipalities).selectinload(Municipality.region),
        selectinload(Instrument.parameter_values),
    ).execution_options(populate_existing=True)
    return {i.id: i for i in session.scalars(stmt)}


def _hidden_reason(instrument: Instrument | None, today: date) -> tuple[str, str | None]:
    if instrument is None or instrument.deleted_at is not None:
        return "deleted", None
    if instrument.status != "published":
        return "unpublished", None
    if instrument.publish_to is not None and instrument.publish_to < today:
        return "unpublished", "publication_window_ended"
    return "unpublished", "scheduled"


def reconcile(session: Session, ids: set[int], today: date) -> list[PublicChange]:
    """Compares the instruments with the feed's last word on them; writes and returns the changes."""
    out: list[PublicChange] = []
    ordered = sorted(ids)
    for start in range(0, len(ordered), CHUNK):
        chunk = ordered[start:start + CHUNK]
        instruments = _load(session, chunk)
        states = {s.instrument_id: s for s in session.scalars(
            select(PublicState).where(PublicState.instrument_id.in_(chunk)))}
        written: list[tuple[PublicState, list[PublicChange]]] = []
        for instrument_id in chunk:
            found = _compare(session, instrument_id, instruments.get(instrument_id), states.get(instrument_id), today)
            if found is not None:
                written.append(found)
        session.flush()  # one flush per chunk hands out the ids, in this order
        for state, rows in written:
            state.last_change_id = rows[-1].id
            out += rows
    session.flush()
    return out


def _compare(session, instrument_id, instrument, state, today) -> tuple[PublicState, list[PublicChange]] | None:
    public = instrument is not None and instrument.is_public(today)
    was_public = state is not None and state.public
    changes: list[tuple[str, str, str | None, dict | None]] = []
    if public:
        rep = representation(instrument, today)
        fingerprint = digest(rep)
        lifecycle = rep.get("lifecycle")
        if was_public and state.slug != instrument.slug:
            changes.append((state.slug, "deleted", "renamed", None))
            changes.append((instrument.slug, "created", "renamed", rep))
        elif state is None:
            changes.append((instrument.slug, "created", None, rep))
        elif not was_public:
            changes.append((instrument.slug, "published", None, rep))
        elif state.digest != fingerprint:
            ended = lifecycle == "ended" and state.lifecycle != "ended"
            changes.append((instrument.slug, "ended" if ended else "updated", None, rep))
        if not changes:
            return None
    else:
        if not was_public:
            return None
        change, reason = _hidden_reason(instrument, today)
        changes.append((state.slug, change, reason, None))
        fingerprint, lifecycle = None, None
    keys = match_keys(instrument) if instrument is not None else None
    if keys is None:  # a row deleted from the database: filter on what the feed last said about it
        last = session.get(PublicChange, state.last_change_id)
        keys = dict(last.match) if last is not None else {}
    now = utc_now()
    rows = [PublicChange(instrument_id=instrument_id, slug=slug, change=change, reason=reason, match=keys,
                         recorded_at=now, entry=stored_entry(change, reason, slug, now, rep))
            for slug, change, reason, rep in changes]
    session.add_all(rows)
    if state is None:
        state = PublicState(instrument_id=instrument_id, last_change_id=0)
        session.add(state)
    state.slug = instrument.slug if instrument is not None else state.slug
    state.public, state.digest, state.lifecycle = public, fingerprint, lifecycle
    return state, rows


def catch_up(session: Session, today: date | None = None) -> int:
    """Rounds until the log is read; returns the number of public changes written. The caller commits."""
    total = 0
    while True:
        result = record(session, today)
        total += len(result.changes)
        if result.entries < BATCH:
            return total
