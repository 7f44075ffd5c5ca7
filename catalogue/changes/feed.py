"""Reading the public change feed: opaque cursors, pages of entries, and `modified_after` for the list API. No Flask.

A cursor is the feed position of an entry, wrapped so that clients treat it as opaque ("c1." + base64url of the id);
an entry's cursor never changes. Reading with `since=<cursor>` returns the entries after it in commit order.
"""
from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime, timezone

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..models import Instrument, PublicChange

PREFIX = "c1."
MAX_LIMIT = 1000
DEFAULT_LIMIT = 100


class FeedError(ValueError):
    def __init__(self, parameter: str, message: str):
        super().__init__(f"{parameter}: {message}")
        self.parameter, self.message = parameter, message


def encode_cursor(position: int) -> str:
    return PREFIX + base64.urlsafe_b64encode(str(position).encode()).decode().rstrip("=")


def decode_cursor(raw: str) -> int:
    """The position of a cursor; FeedError naming `since` for anything that is not one of ours."""
    if not raw.startswith(PREFIX) or len(raw) > 40:
        raise FeedError("since", "ongeldige cursor; gebruik de cursor van een eerder antwoord (of laat since weg)")
    body = raw[len(PREFIX):]
    try:
        text = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    if not text.isdigit() or encode_cursor(int(text)) != raw:
        raise FeedError("since", "ongeldige cursor; gebruik de cursor van een eerder antwoord (of laat since weg)")
    return int(text)


def head(session: Session) -> int:
    return session.scalar(select(func.coalesce(func.max(PublicChange.id), 0))) or 0


def read(session: Session, since: int, limit: int = DEFAULT_LIMIT) -> tuple[list[str], int, bool]:
    """Entries after position `since` (at most `limit`) as JSON text, the position to continue from, and whether more
    follow. Each stored entry gets its cursor put in front; nothing is decoded or encoded again."""
    rows = session.connection().execute(
        select(PublicChange.id, PublicChange.entry).where(PublicChange.id > since)
        .order_by(PublicChange.id).limit(limit + 1)).all()
    if not rows and since > head(session):
        raise FeedError("since", "deze cursor hoort niet bij deze feed (hij ligt voorbij het einde)")
    more = len(rows) > limit
    rows = rows[:limit]
    items = [with_cursor(position, stored) for position, stored in rows]
    return items, (rows[-1][0] if rows else since), more


def stored_entry(change: str, reason: str | None, slug: str, recorded_at: datetime, rep: dict | None) -> str:
    """The entry as recorded (JSON text), without its cursor."""
    if recorded_at.tzinfo is None:
        recorded_at = recorded_at.replace(tzinfo=timezone.utc)
    return json.dumps({"change": change, "reason": reason, "slug": slug, "recorded_at": recorded_at.isoformat(),
                       "instrument": rep}, ensure_ascii=False, separators=(",", ":"))


def with_cursor(position: int, stored: str, extra: str = "") -> str:
    """{"cursor": ..., [extra,] ...the stored entry}; `extra` is JSON members text ending in a comma."""
    return '{"cursor":"' + encode_cursor(position) + '",' + extra + stored[1:]


def page(items: list[str], position: int, more: bool, next_url: str) -> str:
    """The answer of GET /api/v1/changes as JSON text."""
    tail = json.dumps({"next": encode_cursor(position), "more": more, "links": {"next": next_url}},
                      separators=(",", ":"))
    return '{"items":[' + ",".join(items) + "]," + tail[1:]


def parse_timestamp(raw: str, parameter: str = "modified_after") -> datetime:
    """An RFC 3339 timestamp with timezone (a date alone means its start, UTC)."""
    text = raw.strip()
    try:
        if len(text) == 10:
            value = datetime.fromisoformat(text).replace(tzinfo=timezone.utc)
        else:
            value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise FeedError(parameter, f"ongeldig tijdstip '{text[:40]}'; gebruik RFC 3339, bv. 2026-05-01T12:00:00Z") \
            from None
    if value.tzinfo is None:
        raise FeedError(parameter, "het tijdstip moet een tijdzone hebben (bv. Z of +01:00)")
    return value.astimezone(timezone.utc)


def modified_since(session: Session, after: datetime) -> set[int]:
    """Instruments whose record changed after `after`, or whose public representation did (a renamed provider, a
    publication window that opened or closed: what the feed recorded)."""
    stored = after if session.get_bind().dialect.name != "sqlite" else after.replace(tzinfo=None)
    return set(session.scalars(select(Instrument.id).where(or_(
        Instrument.updated_at > stored,
        Instrument.id.in_(select(PublicChange.instrument_id).where(PublicChange.recorded_at > stored))))))
