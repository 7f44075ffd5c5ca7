"""Engine and session handling, independent of Flask.

`Database` owns an engine and a session factory. The web layer keeps one session per request; commands and services
receive a session explicitly.

Concurrent writers. On SQLite a deferred transaction that reads and then writes fails at once ("database is locked")
when another writer committed in between; waiting does not help. Work that writes therefore announces itself with
`writing()`: every transaction begun inside it starts with `BEGIN IMMEDIATE`, which waits (busy timeout) for the write
lock up front, so the reads see the newest data and the writes cannot fail on a stale snapshot. On PostgreSQL the same
code runs in READ COMMITTED; optimistic locking (`Instrument.version`) turns a lost race into a version conflict.
`is_contention(exc)` recognises what is worth retrying (SQLite busy/locked, PostgreSQL serialization failures and
deadlocks) and `retrying(...)` repeats a whole unit of work on it.
"""
from __future__ import annotations

import random
import time
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone
from typing import Callable, Iterator, TypeVar

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

SQLITE_BUSY_TIMEOUT = 8.0  # seconds a writer waits for the write lock (well inside the 10 s a request may take)
RETRY_ATTEMPTS = 5
_PG_RETRY_STATES = {"40001", "40P01", "55P03"}  # serialization_failure, deadlock_detected, lock_not_available
_write_intent: ContextVar[bool] = ContextVar("catalogue_write_intent", default=False)
T = TypeVar("T")


def set_writing(flag: bool = True):
    """Marks the current context (request, command, job) as writing; returns a token for `reset_writing`."""
    return _write_intent.set(flag)


def reset_writing(token) -> None:
    _write_intent.reset(token)


def is_writing() -> bool:
    return _write_intent.get()


@contextmanager
def writing() -> Iterator[None]:
    """Transactions begun inside take the write lock up front (SQLite: BEGIN IMMEDIATE)."""
    token = set_writing(True)
    try:
        yield
    finally:
        reset_writing(token)


def is_contention(exc: BaseException) -> bool:
    """True for errors that only mean "another transaction got in the way": worth running the unit of work again."""
    if not isinstance(exc, DBAPIError):
        return False
    orig = exc.orig
    if getattr(orig, "sqlstate", None) in _PG_RETRY_STATES:
        return True
    message = str(orig).lower()
    return type(orig).__module__.startswith("sqlite3") and ("database is locked" in message
                                                            or "database table is locked" in message
                                                            or "database is busy" in message)


def backoff(attempt: int) -> None:
    time.sleep(min(0.5, 0.02 * (2 ** attempt)) * (0.5 + random.random()))


def retrying(work: Callable[[], T], session: Session | None = None, attempts: int = RETRY_ATTEMPTS) -> T:
    """Runs `work()` (a whole unit of work, which commits) and runs it again when it lost a race for a lock, after
    rolling back `session` (when the work uses one it did not open itself). The retries take the write lock up
    front."""
    for attempt in range(attempts):
        try:
            if attempt == 0:
                return work()
            with writing():
                return work()
        except DBAPIError as exc:
            if not is_contention(exc) or attempt == attempts - 1:
                raise
            if session is not None:
                session.rollback()
            backoff(attempt)
    raise AssertionError("unreachable")  # pragma: no cover


def utc_now() -> datetime:
    """Now, as an aware UTC datetime: the default of every timestamp column and the clock of the domain modules."""
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    pass


def make_engine(url: str, **kwargs) -> Engine:
    if url.startswith("sqlite"):
        if ":///" in url and not url.endswith(":memory:"):
            from pathlib import Path

            Path(url.split(":///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT}, **kwargs)
        _sqlite_pragmas_and_real_transactions(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_pragmas_and_real_transactions(engine: Engine) -> None:
    """Foreign keys on, and let SQLAlchemy (not pysqlite) emit BEGIN, so SAVEPOINTs behave as on PostgreSQL; BEGIN
    IMMEDIATE inside `writing()`."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN")


class Database:
    def __init__(self, url: str, **engine_kwargs):
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self.session_factory = sessionmaker(bind=self.engine, expire_on_commit=False)

    @contextmanager
    def session(self, write: bool = False) -> Iterator[Session]:
        """A session that commits on success and rolls back on error; `write=True` takes the write lock up front."""
        token = set_writing(True) if write else None
        session = self.session_factory()
        try:
            yield session
            session.commit()
        except Exception:
            session.rollback()
            raise
        finally:
            session.close()
            if token is not None:
                reset_writing(token)
