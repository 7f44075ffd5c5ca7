"""Recording without slowing the request: `record` only appends to an in-memory buffer; a daemon thread writes the
buffer in one insert every `interval` seconds. In tests (no thread) `flush(session)` writes it explicitly."""
from __future__ import annotations

import logging
import threading
from collections import deque

from sqlalchemy import insert

from ..models import SearchEvent
from . import tallies

log = logging.getLogger(__name__)
MAX_BUFFER = 50_000  # beyond this (the database is away for long) the oldest events are dropped


class Recorder:
    def __init__(self, session_factory=None, interval: float = 2.0, background: bool = True):
        self.session_factory, self.interval = session_factory, interval
        self._buffer: deque[dict] = deque(maxlen=MAX_BUFFER)
        self._lock = threading.Lock()
        self._thread = None
        self._stop = threading.Event()
        self.background = background

    def record(self, event: dict) -> None:
        self._buffer.append(event)  # deque.append is atomic
        if self.background and self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="search-events", daemon=True)
                    self._thread.start()

    def pending(self) -> int:
        return len(self._buffer)

    def flush(self, session=None) -> int:
        """Write what is buffered; returns the number of events written."""
        rows = []
        while self._buffer:
            try:
                rows.append(self._buffer.popleft())
            except IndexError:
                break
        if not rows:
            return 0
        own = session is None
        session = session or self.session_factory()
        try:
            session.execute(insert(SearchEvent), rows)
            tallies.add(session, rows)
            session.commit()
        except Exception:
            session.rollback()
            log.exception("could not write %d search events", len(rows))
            return 0
        finally:
            if own:
                session.close()
        return len(rows)

    def discard(self) -> None:
        self._buffer.clear()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.flush()
