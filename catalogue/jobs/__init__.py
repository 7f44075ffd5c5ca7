"""Background jobs without a broker: the `job` table is the queue, `catalogue jobs work` the worker. No Flask.

    enqueue(session, kind, params, owner=...)  -> Job (queued); the caller commits
    run_next(db, root)                          claims the oldest queued job and runs it (tests run jobs inline this way)
    work(db, root, once=False)                  the worker loop: run jobs as they come, clean old results now and then

Several workers (processes, machines) may run at once: a job is claimed in a short transaction of its own, with
`FOR UPDATE SKIP LOCKED` on PostgreSQL and the write lock taken up front (BEGIN IMMEDIATE) on SQLite, so each job runs
exactly once. A handler (`kinds.py`) gets a `JobContext`: the job's parameters, a database session, `progress()` and
`output()` for the result file, which lives under `<instance>/jobs/<public id>/` and is removed with the job after
`RETENTION` (`files.py`).
"""
from .files import clean
from .queue import JobError, enqueue, find
from .runner import JobContext, run_next, work

__all__ = ["JobContext", "JobError", "clean", "enqueue", "find", "run_next", "work"]
