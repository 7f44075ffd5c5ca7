"""The job table as a queue: enqueue, find, claim, finish."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..db import Database, retrying, utc_now
from ..models import Job

STALE_AFTER = timedelta(hours=2)  # a job "running" this long lost its worker (killed, machine gone): it is failed


class JobError(Exception):
    """A failure whose message is meant for the user (Dutch); anything else is logged and shown as a general error."""


def enqueue(session: Session, kind: str, params: dict, owner_user_id: int | None = None,
            owner_organisation_id: int | None = None, total: int | None = None, message: str | None = None) -> Job:
    job = Job(kind=kind, params=params, state="queued", owner_user_id=owner_user_id,
              owner_organisation_id=owner_organisation_id, progress_current=0, progress_total=total,
              progress_message=message)
    session.add(job)
    session.flush()
    return job


def find(session: Session, public_id: str) -> Job | None:
    if not public_id or len(public_id) > 64:
        return None
    return session.scalar(select(Job).where(Job.public_id == public_id))


def claim(db: Database, worker: str) -> int | None:
    """Marks the oldest queued job as running for `worker` and returns its id (None when the queue is empty)."""

    def attempt() -> int | None:
        with db.session(write=True) as session:
            job = session.scalar(select(Job).where(Job.state == "queued").order_by(Job.id).limit(1)
                                 .with_for_update(skip_locked=True))
            if job is None:
                return None
            job.state, job.started_at, job.worker = "running", utc_now(), worker[:120]
            return job.id

    return retrying(attempt)


def fail_stale(db: Database, now: datetime | None = None) -> int:
    """Jobs left "running" by a worker that died are failed, so their page says so instead of waiting forever."""
    cutoff = (now or utc_now()) - STALE_AFTER
    with db.session(write=True) as session:
        result = session.execute(update(Job).where(Job.state == "running", Job.started_at < cutoff).values(
            state="failed", finished_at=now or utc_now(),
            error="De verwerking is onderbroken (de achtergrondtaak stopte). Probeer het opnieuw."))
        return result.rowcount or 0


def finish(db: Database, job_id: int, **values) -> None:
    def attempt():
        with db.session(write=True) as session:
            session.execute(update(Job).where(Job.id == job_id).values(finished_at=utc_now(), **values))

    retrying(attempt)
