"""Running jobs: the context a handler works with, one job at a time (`run_next`), and the worker loop (`work`)."""
from __future__ import annotations

import json
import logging
import os
import signal
import socket
import time
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.exc import DBAPIError

from ..db import SQLITE_BUSY_TIMEOUT, Database, retrying
from ..models import Job
from . import files, queue

log = logging.getLogger(__name__)
PROGRESS_INTERVAL = 0.5  # seconds between two progress writes
CLEAN_INTERVAL = 600  # seconds between two clean-ups in the worker loop
GENERAL_ERROR = "Er ging iets mis bij het uitvoeren van deze taak. Probeer het later opnieuw."


class JobContext:
    """What a handler gets: `params`, `session` (the job's unit of work, committed when the handler returns),
    `progress(current, total, message)`, `output(name, mimetype)` for the result file and `result` for a JSON payload."""

    def __init__(self, db: Database, root: Path, job: Job):
        self.db, self.root = db, root
        self.job_id, self.public_id, self.kind = job.id, job.public_id, job.kind
        self.params = dict(job.params or {})
        self.owner_user_id = job.owner_user_id
        self.session = None
        self.result: dict | None = None
        self.result_path: Path | None = None
        self.result_name: str | None = None
        self.result_mimetype: str | None = None
        self.current, self.total, self.message = 0, job.progress_total, job.progress_message
        self._last_write = 0.0

    def progress(self, current: int | None = None, total: int | None = None, message: str | None = None,
                 force: bool = False) -> None:
        if current is not None:
            self.current = current
        if total is not None:
            self.total = total
        if message is not None:
            self.message = message[:300]
        now = time.monotonic()
        if not force and now - self._last_write < PROGRESS_INTERVAL:
            return
        self._last_write = now
        self._write_progress()

    def step(self, n: int = 1) -> None:
        """Adds `n` to the progress (the exports' progress callback)."""
        self.progress(self.current + n)

    def output(self, name: str, mimetype: str) -> Path:
        """The path to write the result file to."""
        folder = files.job_dir(self.root, self.public_id)
        self.result_path = folder / Path(name).name
        self.result_name, self.result_mimetype = Path(name).name, mimetype
        return self.result_path

    def _write_progress(self) -> None:
        # A file first: always possible, also while the job's own transaction holds SQLite's write lock ...
        state = {"current": self.current, "total": self.total, "message": self.message}
        folder = files.job_dir(self.root, self.public_id)
        tmp = folder / ".progress.json.tmp"
        tmp.write_text(json.dumps(state))
        os.replace(tmp, folder / "progress.json")
        # ... and the job row when that does not have to wait (it never blocks the job's work).
        # One connection held throughout, so that SQLite's busy timeout is set back on the same connection before it
        # returns to the pool (a pooled connection left at 0 would fail someone else's write at once).
        with self.db.engine.connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            raw = connection.connection.driver_connection if sqlite else None
            if raw is not None:
                raw.execute("PRAGMA busy_timeout = 0")
            try:
                with connection.begin():
                    if raw is None:
                        connection.exec_driver_sql("SET LOCAL lock_timeout = '200ms'")
                    connection.execute(update(Job).where(Job.id == self.job_id).values(
                        progress_current=self.current, progress_total=self.total, progress_message=self.message))
            except DBAPIError:
                pass  # the file above has the progress; the row catches up at the next update
            finally:
                if raw is not None:
                    raw.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_TIMEOUT * 1000)}")


def read_progress(root: Path, job: Job) -> dict:
    """The newest progress of a job: its progress file when that is ahead of the row."""
    state = {"current": job.progress_current or 0, "total": job.progress_total, "message": job.progress_message}
    if job.state != "running":
        return state
    try:
        from_file = json.loads((root / job.public_id / "progress.json").read_text())
    except (OSError, ValueError):
        return state
    if isinstance(from_file, dict) and int(from_file.get("current") or 0) >= state["current"]:
        return {"current": int(from_file.get("current") or 0), "total": from_file.get("total"),
                "message": from_file.get("message")}
    return state


def run_next(db: Database, root: Path, worker: str | None = None, isolate: bool = False) -> str | None:
    """Claims and runs the oldest queued job; returns its public id, or None when nothing was queued.

    `isolate`: run it in a forked child process, so that the memory a large export needed is returned to the system
    when it ends, and a job that kills its process (out of memory) is failed at once instead of left running."""
    job_id = queue.claim(db, worker or _worker_name())
    if job_id is None:
        return None
    if isolate and hasattr(os, "fork"):
        return _run_in_child(db, root, job_id)
    return run_claimed(db, root, job_id)


def _run_in_child(db: Database, root: Path, job_id: int) -> str:
    pid = os.fork()
    if pid == 0:  # the child: its own database connections, then exit without running the parent's cleanup
        code = 1
        try:
            db.engine.dispose(close=False)
            run_claimed(db, root, job_id)
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    with db.session() as session:
        job = session.get(Job, job_id)
        public_id, state = job.public_id, job.state
    if state == "running":  # the child died before it could record the outcome
        log.error("job %s: the worker process ended with status %s", public_id, status)
        queue.finish(db, job_id, state="failed", error=GENERAL_ERROR)
    return public_id


def run_claimed(db: Database, root: Path, job_id: int) -> str:
    """Runs a job claimed by this worker and records the outcome."""
    from .kinds import HANDLERS

    with db.session() as session:
        job = session.get(Job, job_id)
        ctx = JobContext(db, root, job)
    handler = HANDLERS.get(ctx.kind)
    values: dict = {}
    try:
        if handler is None:
            raise queue.JobError(f"Onbekend soort taak '{ctx.kind}'.")

        def unit_of_work():
            with db.session(write=handler.takes_write_lock(ctx.params)) as session:
                ctx.session = session
                handler.run(ctx)

        retrying(unit_of_work)
        values = dict(state="done", result=ctx.result, progress_current=ctx.total or ctx.current,
                      progress_total=ctx.total, progress_message=ctx.message)
        if ctx.result_path is not None:
            values.update(result_path=str(ctx.result_path.relative_to(root)), result_name=ctx.result_name,
                          result_mimetype=ctx.result_mimetype)
    except queue.JobError as exc:
        values = dict(state="failed", error=str(exc), result=ctx.result)
    except Exception:  # noqa: BLE001 - a job must end as failed, whatever happened; the log has the traceback
        log.exception("job %s (%s) failed", ctx.public_id, ctx.kind)
        values = dict(state="failed", error=GENERAL_ERROR)
    queue.finish(db, job_id, **values)
    return ctx.public_id


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def work(db: Database, root: Path, once: bool = False, poll: float = 1.0, echo=None, isolate: bool = True) -> int:
    """Runs jobs as they are queued until SIGTERM/SIGINT (finishing the job at hand), or, with `once`, until the queue
    is empty; each in a child process of its own (`isolate`, see `run_next`). Fails jobs whose worker died and removes
    old results every CLEAN_INTERVAL seconds. Returns the number of jobs run."""
    stopping = []
    previous = {}
    if not once:
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous[sig] = signal.signal(sig, lambda *_: stopping.append(True))
    worker, count, last_clean = _worker_name(), 0, 0.0
    try:
        while not stopping:
            if time.monotonic() - last_clean > CLEAN_INTERVAL or (once and count == 0 and last_clean == 0.0):
                queue.fail_stale(db)
                files.clean(db, root)
                last_clean = time.monotonic()
            public_id = run_next(db, root, worker, isolate=isolate)
            if public_id is not None:
                count += 1
                if echo:
                    echo(public_id)
                continue
            if once:
                break
            time.sleep(poll)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return count
