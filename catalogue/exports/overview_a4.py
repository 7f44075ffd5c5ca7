"""The one-page A4 overview: per kind the offer of UWV, the gemeenten, the region (WSP) and others, in the largest
font that fits one page."""
from __future__ import annotations

from datetime import date
from typing import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Instrument, InstrumentKind
from ..parameters import amount_text, duration_text
from .handout import _context, _instrument_name, _jinja_env, _localized
from .selection import ExportSpec

A4_MAX_FONT, A4_MIN_FONT = 8.0, 4.5


def _overview_rows(session: Session, instruments: Sequence[Instrument], spec: ExportSpec, max_names: int):
    """Rows per kind with the offer of UWV, the gemeenten, the region (WSP) and others."""
    kinds = session.scalars(select(InstrumentKind).order_by(InstrumentKind.sort_order)).all()
    municipality_count = len(spec.region.municipalities) if spec.region is not None and spec.municipality is None else 0
    rows = []
    for kind in kinds:
        items = [i for i in instruments if i.kind_id == kind.id]
        if not items:
            continue
        cells = {}
        for group, types in (("uwv", ("uwv",)), ("regio", ("regio",)), ("overig", ("belastingdienst", "landelijk"))):
            found = [i for i in items if i.provider.type in types]
            cells[group] = [_short(i, spec.language) for i in found[:max_names]]
            if len(found) > max_names:
                cells[group].append(f"+{len(found) - max_names}")
        gemeente_items = [i for i in items if i.provider.type == "gemeente"]
        names = sorted({i.provider.municipality.name for i in gemeente_items if i.provider.municipality})
        amounts = sorted({amount_text(i, spec.language) for i in gemeente_items} - {""})
        if municipality_count and len(names) == municipality_count and municipality_count > 1:
            label = (f"alle {len(names)} gemeenten" if spec.language != "en" else f"all {len(names)} municipalities")
            cells["gemeente"] = [label]
        else:
            cells["gemeente"] = names[:max_names] + ([f"+{len(names) - max_names}"] if len(names) > max_names else [])
        if amounts and gemeente_items:
            cells["gemeente_amount"] = amounts[0] if len(amounts) == 1 else (
                f"{len(amounts)} verschillende bedragen" if spec.language != "en" else f"{len(amounts)} different amounts")
        else:
            cells["gemeente_amount"] = ""
        rows.append({"kind": _localized(kind, "name", spec.language), "count": len(items), "cells": cells})
    return rows


def _short(instrument: Instrument, language: str) -> str:
    name = _instrument_name(instrument, language)
    name = name if len(name) <= 48 else name[:46] + "…"
    amount = amount_text(instrument, language)
    duration = duration_text(instrument.duration_max, instrument.duration_unit, language)
    extra = ", ".join(p for p in (amount if len(amount) <= 40 else "", duration) if p)
    return f"{name} ({extra})" if extra else name


def render_overview_a4(session: Session, instruments: Sequence[Instrument], spec: ExportSpec, font_size: float,
                       max_names: int, today: date | None = None) -> str:
    today = today or date.today()
    env = _jinja_env(spec.language)
    ctx = _context(session, instruments, spec, today)
    ctx["rows"] = _overview_rows(session, instruments, spec, max_names)
    ctx["font_size"] = font_size
    return env.get_template("exports/overzicht_a4.html").render(**ctx)


A4_COLUMNS = {"kind": 0.15, "uwv": 0.24, "gemeente": 0.24, "regio": 0.17, "overig": 0.20}  # as in overzicht_a4.html
A4_WIDTH_PT, A4_HEIGHT_PT = 796.0, 520.0  # landscape A4 inside the margins, less the title lines


def _estimated_height(rows: list[dict], font: float) -> float:
    """Roughly how tall the overview table is at this font size (points); average glyph width ~0.52 em."""
    line = font * 1.2
    height = 0.0
    for row in rows:
        lines = []
        for key, share in A4_COLUMNS.items():
            per_line = max(8, int(A4_WIDTH_PT * share / (font * 0.52)) - 1)
            if key == "kind":
                entries = [f"{row['kind']} ({row['count']})"]
            elif key == "gemeente":
                entries = [", ".join(row["cells"]["gemeente"])] + ([row["cells"]["gemeente_amount"]]
                                                                   if row["cells"]["gemeente_amount"] else [])
            else:
                entries = row["cells"][key] or ["–"]
            lines.append(sum(-(-len(e) // per_line) for e in entries))
        height += max(lines) * line + 3.0  # cell padding and border
    return height + 2.5 * font * 1.2  # table header


def _fit_a4(session: Session, instruments: Sequence[Instrument], spec: ExportSpec) -> tuple[float, int]:
    """The largest font and number of names per cell that should fit one page (checked afterwards by rendering)."""
    for max_names in (4, 3, 2, 1):
        rows = _overview_rows(session, instruments, spec, max_names)
        font = A4_MAX_FONT
        while font >= (6.0 if max_names > 1 else A4_MIN_FONT):
            if _estimated_height(rows, font) <= A4_HEIGHT_PT:
                return font, max_names
            font = round(font - 0.25, 2)
    return A4_MIN_FONT, 1
