"""Coverage declarations: an organisation declares the offer of its gemeente, or of its region's WSP, complete."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, utc_now
from .account import Organisation, User
from .geo import Municipality, Region


class CoverageDeclaration(Base):
    """"Everything this gemeente (or this region's WSP) offers employers is in the catalogue", said by someone of the
    owning organisation on a date; optionally only for some kinds. The newest declaration of a place counts; it expires
    after the organisation's review period. Exactly one of municipality_id and region_id is set."""

    __tablename__ = "coverage_declaration"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id", ondelete="CASCADE"), index=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id", ondelete="CASCADE"), index=True)
    kinds: Mapped[list] = mapped_column(JSON, default=list)  # kind codes; empty = the whole offer
    declared_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(254))  # the e-mail address at the time
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="SET NULL"))
    via: Mapped[str] = mapped_column(String(10), default="web")  # web | api | cli

    municipality: Mapped[Municipality | None] = relationship()
    region: Mapped[Region | None] = relationship()
    user: Mapped[User | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
