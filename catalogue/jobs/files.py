"""Result files of jobs: `<instance>/jobs/<public id>/`, removed together with the job after `RETENTION`."""
from __future__ import annotations

import os
import shutil
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import delete, select

from ..db import Database
from ..models import Job

RETENTION = timedelta(hours=int(os.environ.get("CATALOGUE_JOB_RETENTION_HOURS") or 24))


def jobs_root(instance_dir: str | os.PathLike) -> Path:
    return Path(instance_dir) / "jobs"


def job_dir(root: Path, public_id: str) -> Path:
    if not public_id.replace("-", "").replace("_", "").isalnum():
        raise ValueError(f"not a job id: {public_id!r}")
    path = root / public_id
    path.mkdir(parents=True, exist_ok=True)
    return path


def result_file(root: Path, job: Job) -> Path | None:
    """The job's result file, when it has one that still exists (never a path outside the job's folder)."""
    if not job.result_path:
        return None
    path = (root / job.public_id / Path(job.result_path).name)
    return path if path.is_file() else None


def clean(db: Database, root: Path, retention: timedelta = RETENTION, now: datetime | None = None) -> int:
    """Removes finished jobs older than `retention` with their folders, and folders no job owns any more (left by a
    crash). Returns how many jobs were removed."""
    now = now or datetime.now(timezone.utc)
    cutoff = now - retention
    with db.session(write=True) as session:
        old = list(session.scalars(select(Job.public_id).where(Job.finished_at.is_not(None), Job.finished_at < cutoff)))
        if old:
            session.execute(delete(Job).where(Job.public_id.in_(old)))
        known = set(session.scalars(select(Job.public_id)))
    for public_id in old:
        shutil.rmtree(root / public_id, ignore_errors=True)
    if root.is_dir():
        for folder in root.iterdir():
            if folder.name not in known and time.time() - folder.stat().st_mtime > retention.total_seconds():
                shutil.rmtree(folder, ignore_errors=True)
    return len(old)
