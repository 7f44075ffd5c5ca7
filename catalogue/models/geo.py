"""Arbeidsmarktregio's and gemeenten (CBS division), with validity dates for herindelingen."""
from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, Boolean, Date, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from ..db import Base


class Region(Base):
    """An arbeidsmarktregio and its werkgeversservicepunt (one public contact point)."""

    __tablename__ = "region"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)  # CBS code, AM01..AM38 with gaps
    name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    centrumgemeente_id: Mapped[int | None] = mapped_column(
        ForeignKey("municipality.id", use_alter=True, name="fk_region_centrumgemeente")
    )
    partners: Mapped[list] = mapped_column(JSON, default=list)
    terminology: Mapped[list] = mapped_column(JSON, default=list)  # [{"term": ..., "meaning": ...}]
    wsp_name: Mapped[str | None] = mapped_column(String(200))
    wsp_website: Mapped[str | None] = mapped_column(String(500))
    wsp_phone: Mapped[str | None] = mapped_column(String(50))
    wsp_email: Mapped[str | None] = mapped_column(String(200))
    source_url: Mapped[str | None] = mapped_column(String(500))
    example: Mapped[bool] = mapped_column(Boolean, default=False)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    # the embeddable guide (catalogue/embed/), set by the region's coordinator: accent colour (#rrggbb), the logo (an
    # uploaded PNG/JPEG/WebP, or none) and the origins (https://host[:port]) allowed to frame the /embed/ pages
    embed_colour: Mapped[str | None] = mapped_column(String(7))
    embed_origins: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    embed_logo: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    embed_logo_type: Mapped[str | None] = mapped_column(String(20))
    embed_logo_hash: Mapped[str | None] = mapped_column(String(16))

    municipalities: Mapped[list["Municipality"]] = relationship(
        back_populates="region", foreign_keys="Municipality.region_id", order_by="Municipality.name"
    )
    centrumgemeente: Mapped["Municipality | None"] = relationship(foreign_keys=[centrumgemeente_id], post_update=True)

    def __repr__(self) -> str:
        return f"<Region {self.code} {self.name}>"


class Municipality(Base):
    """A gemeente. A herindeling ends the old gemeenten (valid_until) and adds the new one; history stays."""

    __tablename__ = "municipality"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)  # CBS code GMxxxx
    name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)

    region: Mapped[Region] = relationship(back_populates="municipalities", foreign_keys=[region_id])

    def __repr__(self) -> str:
        return f"<Municipality {self.code} {self.name}>"
