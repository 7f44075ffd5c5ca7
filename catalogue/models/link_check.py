"""The outcome of the last visit of one URL by `catalogue links check`: status, redirects and when."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base


class LinkCheck(Base):
    __tablename__ = "link_check"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(1000), unique=True)
    status: Mapped[int | None] = mapped_column(Integer)  # final HTTP status; None when no answer
    ok: Mapped[bool] = mapped_column(Boolean, default=False)
    final_url: Mapped[str | None] = mapped_column(String(1000))
    redirects: Mapped[list] = mapped_column(JSON, default=list)  # [[status, location], ...]
    error: Mapped[str | None] = mapped_column(Text)  # "timeout", connection error text
    checked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)

    def __repr__(self) -> str:
        return f"<LinkCheck {self.url} {self.status}>"
