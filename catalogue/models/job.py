"""Background jobs: long work (large exports, large import previews and imports) that must not run inside a web request.
The `job` table is the queue; `catalogue jobs work` runs it (see catalogue/jobs/)."""
from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, utc_now

JOB_STATES = ("queued", "running", "done", "failed")


def _public_id() -> str:
    return secrets.token_urlsafe(24)


class Job(Base):
    """One unit of background work. `public_id` is the unguessable name in URLs (an anonymous user's export is reached
    only through it); `params` says what to do, `result` (JSON) and/or `result_path` (a file under the instance
    directory's jobs/ folder) hold what came out."""

    __tablename__ = "job"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(64), unique=True, default=_public_id)
    kind: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    progress_current: Mapped[int] = mapped_column(Integer, default=0)
    progress_total: Mapped[int | None] = mapped_column(Integer)
    progress_message: Mapped[str | None] = mapped_column(String(300))
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    owner_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    worker: Mapped[str | None] = mapped_column(String(120))
    result: Mapped[dict | None] = mapped_column(JSON)
    result_path: Mapped[str | None] = mapped_column(String(500))
    result_name: Mapped[str | None] = mapped_column(String(300))
    result_mimetype: Mapped[str | None] = mapped_column(String(120))
    error: Mapped[str | None] = mapped_column(Text)

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")
