"""Aanbieders: gemeente, regio (WSP), UWV, Belastingdienst, other national bodies."""
from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base
from .geo import Municipality, Region

PROVIDER_TYPES = ("gemeente", "regio", "uwv", "belastingdienst", "landelijk")
NATIONAL_PROVIDER_TYPES = ("uwv", "belastingdienst", "landelijk")


class Provider(Base):
    __tablename__ = "provider"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(20), index=True)
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id"), index=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"), index=True)
    website: Mapped[str | None] = mapped_column(String(500))
    phone: Mapped[str | None] = mapped_column(String(50))
    email: Mapped[str | None] = mapped_column(String(200))

    municipality: Mapped[Municipality | None] = relationship()
    region: Mapped[Region | None] = relationship()

    @property
    def is_national(self) -> bool:
        return self.type in NATIONAL_PROVIDER_TYPES

    def __repr__(self) -> str:
        return f"<Provider {self.slug}>"
