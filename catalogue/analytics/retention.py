"""Search events are kept 13 months, then deleted (`catalogue analytics prune`, run daily)."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import delete
from sqlalchemy.orm import Session

from ..models import SearchEvent
from . import tallies

RETENTION_MONTHS = 13


def cutoff(now: datetime | None = None) -> datetime:
    now = now or datetime.now(timezone.utc)
    month = now.month - RETENTION_MONTHS
    year = now.year
    while month < 1:
        month += 12
        year -= 1
    day = min(now.day, 28)
    return now.replace(year=year, month=month, day=day)


def prune(session: Session, now: datetime | None = None) -> int:
    first = cutoff(now)
    result = session.execute(delete(SearchEvent).where(SearchEvent.created_at < first))
    tallies.prune(session, first.strftime("%Y-%m"))
    session.commit()
    return result.rowcount or 0
