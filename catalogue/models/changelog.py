"""The change log: one row per change to what the search index and facet tables contain.

Rows are written by database triggers (migration scaleout_change_log) in the same transaction as the change, so a
change that commits is always logged, one that rolls back never is, and SQL run beside the application is caught too.
`entity` is "instrument" (entity_id = instrument id; also for its target groups, regions and gemeenten) or a related
row whose change reaches many instruments: "provider", "kind", "term", "region", "municipality".
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base


class IndexChange(Base):
    __tablename__ = "index_change"
    __table_args__ = {"sqlite_autoincrement": True}  # ids are never reused, even after pruning

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    op: Mapped[str] = mapped_column(String(10))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), index=True)
