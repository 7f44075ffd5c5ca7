"""Following the change log: every process keeps its facet table, and one process per index directory its whoosh
index, in step with the database. No Flask.

- On start (in a background thread, never in a request) the follower reads the log's head, then builds the facet table
  from SQL; until then the engine is not `ready` and searches are answered from SQL.
- One process per index directory holds the writer lock (`INDEX_DIR/.writer.lock`, flock) and writes the changes to the
  index too, storing its position with the index (`follow.json` inside the index directory). `role` says which process
  that may be: "any" (whichever takes the lock first), "reader" (never this one: gunicorn workers beside `catalogue
  index follow`), "writer" (only the index: that command, with no facet table). A worker that writes the index spends
  70-250 ms of CPU per edit beside the requests it serves, under the same GIL; a writer process of its own does not.
  A missing index, one without a stored position, or one whose position is older than the retained log (a gap: entries
  were pruned) is rebuilt in a background thread; meanwhile the old index (if any) keeps answering, or SQL does.
- Each round reads the entries after the cursor, maps them to instruments (a renamed provider, kind, term, region or
  gemeente reaches every instrument that shows it) and applies those per instrument (`SearchEngine.apply`). Entries are
  idempotent (an instrument is re-read from the database), so reading one twice is harmless and nothing is duplicated.
- Before a round's changes are shown (the position moves), `SearchEngine.prepare` opens the index's new generation and
  carries the bitsets and docnum map over (`segments`, `bitsets`, `docmap`): the request after an edit does not.
- PostgreSQL: `LISTEN index_change` wakes the follower at commit; it polls every `poll_interval` seconds as a fallback
  (the only mechanism on SQLite).
- `in_requests=True` (tests, a single development process): no thread; `sync(session)` catches up inside the request
  with the request's session, so a test's uncommitted transaction is followed too.
"""
from __future__ import annotations

import fcntl
import logging
import os
import signal
import threading
import time
from datetime import date, timezone

from sqlalchemy.orm import Session

from .. import heap
from . import changelog, wordlist

log = logging.getLogger(__name__)
BATCH = 5000
GAP_CHECK_SECONDS = 60.0
PRUNE_SECONDS = 3600.0
CATCH_UP_SECONDS = 0.05  # how soon a process that does not write the index looks again for what the writer stored
ROLES = ("any", "reader", "writer")


def rebuild_index(engine, session: Session, procs: int = 1) -> dict:
    """Builds a complete new index now and stores the change-log position it reflects with it (read before the
    documents, so changes committed during the build are replayed by the follower; replaying is idempotent).
    procs > 1 forks writer processes: for the command line only, never inside a threaded server process."""
    cursor = changelog.head(session)
    holes = changelog.recent_holes(session, cursor)
    figures = engine.rebuild(session, state={"cursor": cursor, "holes": sorted(holes)}, procs=procs)
    figures["cursor"] = cursor
    return figures


def _lock(path) -> int | None:
    """The writer lock at `path` (created if missing), taken without waiting: its open descriptor (closing it releases
    the lock), or None when another process holds it."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def run_index_writer(engine, session_factory, *, parent: int | None = None, stop: threading.Event | None = None,
                     **settings) -> "Follower":
    """The node's index writer as a process of its own (`catalogue index follow`): follows the change log into the
    index until SIGTERM or SIGINT, until `stop` is set, or until `parent` (the server that started it) is no longer its
    parent process. Waits for the writer lock while another process holds it."""
    follower = Follower(engine, session_factory, role="writer", **settings)
    stop = stop or threading.Event()
    previous = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous[sig] = signal.signal(sig, lambda *_: stop.set())
    engine.store.merge_in_background()  # small segments merged at idle priority, not inside an edit's commit
    follower.start()
    try:
        while not stop.wait(0.5):
            if parent is not None and os.getppid() != parent:
                log.warning("the server that started this index writer (pid %d) is gone; stopping", parent)
                break
    finally:
        follower.stop()
        engine.store.stop_merging()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return follower


class Follower:
    def __init__(self, engine, session_factory, *, in_requests: bool = False, poll_interval: float = 0.5,
                 listen_conninfo: str | None = None, optimize_after: float = 60.0, settle_heap: bool = False,
                 role: str = "any"):
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
        self.role = role
        engine.follower = self
        self.settle_heap = settle_heap  # catalogue/heap.py: freeze the loaded catalogue out of full gc passes
        self.engine = engine
        self.session_factory = session_factory
        self.in_requests = in_requests
        self.poll_interval = poll_interval
        self.listen_conninfo = listen_conninfo
        self.optimize_after = optimize_after  # the writer merges the index after this many quiet seconds
        self._last_write: float | None = None
        self.cursor: int | None = None
        self.holes: dict[int, float] = {}  # id -> when first missed (monotonic)
        self.last_ok: float | None = None  # monotonic time of the last complete round
        self._behind_since: float | None = None  # since when the node's index has been behind this process's table
        self.last_change = None  # changed_at of the newest applied entry
        self.applied = 0  # entries applied since start
        self.touched: set[int] = set()  # instruments changed since the last checkpoint()
        self.rebuilds = 0
        self._writer_fd: int | None = None
        self._index_path: str | None = None  # the index directory whose position has been reconciled
        self._builder: threading.Thread | None = None
        self._thread: threading.Thread | None = None
        self._pid: int | None = None
        self._stop = threading.Event()
        self._step_lock = threading.Lock()
        self._last_gap_check = 0.0
        self._last_prune = 0.0

    # -- running ------------------------------------------------------------------------------------------------------

    def start(self) -> None:
        """Starts the background thread in this process (idempotent; after a fork the child starts its own)."""
        if self.in_requests or (self._pid == os.getpid() and self._thread is not None and self._thread.is_alive()):
            return
        with self._step_lock:
            if self._pid == os.getpid() and self._thread is not None and self._thread.is_alive():
                return
            if self._pid != os.getpid():
                self._writer_fd = None  # an inherited lock belongs to the parent
            self._pid = os.getpid()
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="index-follower", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._writer_fd is not None:  # another process (or follower) may write the index now
            os.close(self._writer_fd)
            self._writer_fd = None

    def sync(self, session: Session) -> None:
        if self.in_requests:
            with self._step_lock:
                self.step(session)

    @property
    def position(self) -> int | None:
        """The change-log position both this process's facet table and the node's index reflect (what a page shown
        now is computed from; the HTTP validators and result caches are keyed by it)."""
        if self.cursor is None or self._stored_cursor is None:
            return None
        return min(self.cursor, self._stored_cursor)

    def lag(self) -> float | None:
        """Seconds since the follower last confirmed it had applied everything, or since the node's index has been
        behind what it applied, whichever is longer (None: it has not loaded yet). A reader whose index writer is
        stuck or gone is behind from its next change on."""
        if self.last_ok is None:
            return None
        now = time.monotonic()
        lag = now - self.last_ok
        return lag if self._behind_since is None else max(lag, now - self._behind_since)

    def index_writer(self) -> str:
        """Who writes this node's index: "this process", "another process" or "none" (then nothing follows the log
        into the index until a process takes the lock)."""
        if self.writer:
            return "this process"
        path = self.engine.store.root / ".writer.lock"
        if not path.exists():
            return "none"
        fd = _lock(path)
        if fd is None:
            return "another process"
        os.close(fd)  # closing releases the lock taken just now
        return "none"

    @property
    def writer(self) -> bool:
        return self._writer_fd is not None

    def _run(self) -> None:
        listener = None
        while not self._stop.is_set():
            if listener is None and self.listen_conninfo:
                listener = self._listen()
            count = 0
            try:
                with self.session_factory() as session:
                    count = self.step(session)
                    if self.writer and time.monotonic() - self._last_prune > PRUNE_SECONDS:
                        self._last_prune = time.monotonic()
                        pruned = changelog.prune(session)
                        session.commit()
                        if pruned:
                            log.info("pruned %d change-log entries older than %s", pruned, changelog.RETENTION)
            except Exception:
                log.exception("following the change log failed; retrying")
                self._stop.wait(1.0)
                continue
            if count >= BATCH:
                continue
            if not count and self.writer and self._index_ready():
                try:
                    if self.engine.store.apply_merge():  # a background merge no edit carried (merging.py)
                        self.engine.prepare()
                except Exception:
                    log.exception("swapping in a merged segment failed")
            if not count and self.settle_heap and heap.due():
                self._settle()  # frozen objects that became cyclic garbage since are collected
            if not count and self._last_write is not None and self._index_ready() \
                    and time.monotonic() - self._last_write > self.optimize_after:
                if self._optimize():  # (not while the merger is busy: then in a later round)
                    self._last_write = None
                    self.engine.prepare()  # the merged index's searcher, bitsets and map, before a request needs them
            listener = self._wait(listener)

    def _listen(self):
        try:
            import psycopg

            conn = psycopg.connect(self.listen_conninfo, autocommit=True)
            conn.execute(f"LISTEN {changelog.CHANNEL}")
            return conn
        except Exception:
            log.warning("LISTEN %s failed; polling every %.1f s", changelog.CHANNEL, self.poll_interval, exc_info=True)
            return None

    def _wait(self, listener):
        """Until the next round: a poll interval, or a notification (PostgreSQL). A process that does not write the
        node's index and has applied a change to its facet table shows it only once the index writer has stored it
        (`position`), so meanwhile it looks every CATCH_UP_SECONDS whether the writer has; that look is a stat of the
        stored position's file, and a whole round (a session, the change log, the state) follows only when it
        changed. (Whole rounds every 50 ms cost a reading worker 2-5 ms CPU each: 15-40 ms per edit.)"""
        behind = not self._index_ready() and (self._stored_cursor or 0) < (self.cursor or 0)
        if not behind:
            return self._notified(listener, self.poll_interval)[0]
        store = self.engine.store
        seen = store.state_stamp()
        deadline = time.monotonic() + self.poll_interval
        while not self._stop.is_set():
            listener, notified = self._notified(listener, min(CATCH_UP_SECONDS, self.poll_interval))
            if notified or time.monotonic() >= deadline or store.state_stamp() != seen:
                return listener
        return listener

    def _notified(self, listener, timeout: float):
        """Waits up to `timeout`; (the listener, or None when it was lost; whether a notification came)."""
        if listener is None:
            self._stop.wait(timeout)
            return None, False
        try:
            return listener, any(True for _ in listener.notifies(timeout=timeout, stop_after=1))
        except Exception:
            log.warning("lost the LISTEN connection; reconnecting", exc_info=True)
            try:
                listener.close()
            except Exception:
                pass
            return None, False

    # -- one round ----------------------------------------------------------------------------------------------------

    def step(self, session: Session) -> int:
        """Applies what was committed since the last round; returns the number of log entries read."""
        engine = self.engine
        now = time.monotonic()
        if self.cursor is None or (engine._table is None and self.role != "writer"):
            self._load(session)  # first round
        elif engine._table is not None and engine._table.today != date.today():
            engine.roll_over(session, date.today())  # lifecycles, publication windows; the cursor stays
        elif now - self._last_gap_check > GAP_CHECK_SECONDS:
            self._last_gap_check = now
            if changelog.is_gap(session, self.cursor):
                log.warning("change log pruned past this process's position %s; reloading", self.cursor)
                self._load(session)
                self._index_path = None  # the index missed entries too: its stored position decides (a rebuild)
        if self._is_writer():
            self._check_index(session)
        entries = changelog.read(session, self.cursor, set(self.holes), limit=BATCH)
        previous = changelog.advance(self.cursor, self.holes, entries, now)
        if entries:
            ids, related = changelog.affected_instruments(session, entries)
            moved = engine.apply(session, ids, write_index=self._index_ready(), labels=related)
            if self._index_ready():
                self._last_write = time.monotonic()
            engine.prepare()  # the new generation's searcher, bitsets and docnum map, before the position moves
            # after applying, before the position moves: an answer computed meanwhile is checked against these ids
            engine.journal.record(ids, max(e[0] for e in entries), plain=not related, moved=moved)
            self.touched |= ids
            self.cursor = previous
            self.last_change = entries[-1][3]
            self.applied += len(entries)
        if self._index_ready() and (entries or self._stored_cursor != self.cursor):
            self._store_state()
        if not self._index_ready():  # another process writes this node's index: how far has it got?
            state = engine.store.read_state()
            stored = int(state["cursor"]) if state else None
            if stored != self._stored_cursor and stored is not None:
                engine.prepare()  # what the writer stored, ready before this process shows it
            self._stored_cursor = stored
        if self._stored_cursor is not None and self.cursor is not None and self._stored_cursor < self.cursor:
            self._behind_since = self._behind_since or time.monotonic()
        else:
            self._behind_since = None
        if not entries and engine.behind():  # a new generation without changes (a merge): open it here, not in a request
            engine.prepare()
        self.last_ok = time.monotonic()
        self._observe(entries)
        return len(entries)

    def _observe(self, entries) -> None:
        from .. import metrics

        delay = 0.0
        if entries and entries[0][3] is not None:
            first = entries[0][3]
            stamp = first.timestamp() if first.tzinfo is not None else first.replace(tzinfo=timezone.utc).timestamp()
            delay = max(0.0, time.time() - stamp)
        metrics.FOLLOW_DELAY.set(delay)
        metrics.FOLLOWED_AT.set(time.time())
        metrics.FOLLOW_POSITION.set(self.cursor or 0)

    _stored_cursor: int | None = None

    def _load(self, session: Session) -> None:
        cursor = changelog.head(session)
        holes = changelog.recent_holes(session, cursor)
        if self.role != "writer":
            self.engine.load_table(session)
        now = time.monotonic()
        self.last_change = changelog.changed_at(session, cursor)
        self.cursor = cursor
        self.holes = {h: now for h in holes}
        self._last_gap_check = now
        if self.role == "writer":
            return  # the index only: no searches here
        wordlist.words()  # the word lists for "Bedoelde u" (~1 s once per process): here, not in the first search
        self._settle()  # the table just loaded is long-lived: out of the garbage collector's full passes

    def _settle(self) -> None:
        if self.settle_heap:
            heap.settle()

    def _is_writer(self) -> bool:
        if self._writer_fd is not None:
            return True
        if self.role == "reader":
            return False
        root = self.engine.store.root
        root.mkdir(parents=True, exist_ok=True)
        fd = _lock(root / ".writer.lock")
        if fd is None:
            return False
        self._writer_fd = fd
        self._index_path = None
        return True

    def _index_ready(self) -> bool:
        return self.writer and self._index_path is not None and self._index_path == str(self.engine.store.current_path())

    def _check_index(self, session: Session) -> None:
        """The writer's index: rebuilt in the background when missing, unpositioned or behind the retained log;
        after a swap (a rebuild here or `catalogue index rebuild`) the changes since its position are replayed."""
        store = self.engine.store
        current = store.current_path()
        if current is not None and str(current) == self._index_path:
            return  # the reconciled index is still the current one (cheap: no index files read)
        path = str(current) if store.exists() else None
        state = store.read_state() if path is not None else None
        if path is None or state is None or changelog.is_gap(session, int(state.get("cursor", 0))):
            self._start_build(reason="missing" if path is None else "no position" if state is None else "gap")
            return
        since = int(state["cursor"])
        if since < self.cursor:  # the index is older than this process's table: replay the difference
            entries = [e for e in changelog.read(session, since, set(state.get("holes", ())), limit=10 * BATCH)
                       if e[0] <= self.cursor]
            ids, _ = changelog.affected_instruments(session, entries)
            self.engine.write_index(session, ids)
            now = self._last_write = time.monotonic()
            seen = {e[0] for e in entries}
            for hole in state.get("holes", ()):
                if hole not in seen:
                    self.holes.setdefault(hole, now)
        self._index_path = path
        self.engine.refresh()
        self._store_state()

    def _optimize(self) -> bool:
        """After a quiet period: merge the index, so the deleted versions of edited documents no longer take room and
        time (the ranking does not depend on it: BM25F uses the live documents' statistics, scoring.py). False: not
        now (the merger is still busy with small segments), to be asked again."""
        store = self.engine.store
        try:
            if store.merger is not None:  # the node's writer: by its merger, at idle priority
                if store.merger.busy or store.merger.ready():
                    return False
                if store.optimize_in_background():
                    log.info("merging the whole search index in the background")
                return True
            if store.deleted():
                started = time.perf_counter()
                store.optimize()
                log.info("search index merged in %.1f s", time.perf_counter() - started)
        except Exception:
            log.exception("merging the search index failed")
        return True

    def _store_state(self) -> None:
        self.engine.store.write_state({"cursor": self.cursor, "holes": sorted(self.holes)})
        self._stored_cursor = self.cursor

    def _start_build(self, reason: str) -> None:
        if self._builder is not None and self._builder.is_alive():
            return
        log.info("search index %s in %s (%s); building it in the background", "rebuild", self.engine.store.root, reason)
        self._builder = threading.Thread(target=self._build, name="index-build", daemon=True)
        self._builder.start()

    def _build(self) -> None:
        try:
            with self.session_factory() as session:
                figures = rebuild_index(self.engine, session)
            self.rebuilds += 1
            log.info("search index built: %(documents)d instruments in %(seconds).1f s", figures)
        except Exception:
            log.exception("building the search index failed")

    def wait_built(self, timeout: float = 120.0) -> None:
        if self._builder is not None:
            self._builder.join(timeout)

    # -- tests: undo what a rolled-back transaction made the follower apply --------------------------------------------

    def checkpoint(self) -> int | None:
        self.touched = set()
        return self.cursor

    def rewind(self, session: Session) -> None:
        """Re-reads the instruments touched since `checkpoint()` (their changes were rolled back) and goes back to the
        log's head as `session` sees it (SQLite hands out rolled-back ids again)."""
        ids, self.touched = self.touched, set()
        self.engine.journal.restart()  # the position goes back
        if ids and self.engine._table is not None:
            self.engine.apply(session, ids, write_index=self._index_ready())
        if self.cursor is not None:
            self.cursor, self.holes = changelog.head(session), {}
            if self._index_ready():
                self._store_state()
