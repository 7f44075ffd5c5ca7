"""Dated parameter values: an amount or maximum of an instrument that holds from one date until another.

Amounts change by year (the LKV per verloond uur, WML-based amounts, praktijkleren per studiejaar). Each value carries its
own validity, so an instrument can show the value in force on any date (its `peildatum`), the history, and an announced
change before it takes effect. An instrument without dated values for a parameter keeps its single, undated value.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base

# The instrument columns that can carry dated values (the comparable amount parameters).
DATED_PARAMETERS = ("amount_value", "amount_max_per_year", "amount_max_total")


class ParameterValue(Base):
    __tablename__ = "parameter_value"

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instrument.id", ondelete="CASCADE"), index=True)
    parameter: Mapped[str] = mapped_column(String(40))
    value: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    valid_from: Mapped[date | None] = mapped_column(Date)  # None: since the scheme began
    valid_until: Mapped[date | None] = mapped_column(Date)  # inclusive; None: until further notice
    note: Mapped[str | None] = mapped_column(Text)
    source_url: Mapped[str | None] = mapped_column(String(1000))

    def holds_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_until is None or day <= self.valid_until)

    def to_record(self) -> dict:
        """The seed/input shape (JSON-safe)."""
        return {
            "parameter": self.parameter,
            "value": format(Decimal(self.value).normalize(), "f") if self.value is not None else None,
            "valid_from": self.valid_from.isoformat() if self.valid_from else None,
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "note": self.note,
            "source_url": self.source_url,
        }

    def __repr__(self) -> str:
        return f"<ParameterValue {self.parameter}={self.value} {self.valid_from}..{self.valid_until}>"
