"""The one-page A4 overview: per kind the offer of UWV, the gemeenten, the region (WSP) and others, in the largest
font that fits one page (estimated, then measured on the rendered page). Names are never cut; example content carries
a "*" and a legend; a gemeente whose offer is not known complete reads "onbekend — nog niet ingevoerd", never "–"."""
from __future__ import annotations

from datetime import date
from typing import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Instrument, InstrumentKind
from ..parameters import duration_text
from .handout import _context, _instrument_name, _jinja_env, _localized, coverage_context, handout_amount
from .selection import ExportSpec

A4_MAX_FONT, A4_MIN_FONT = 11.0, 4.5
EXAMPLE_MARK = "*"
AMOUNTS_SPELLED_OUT = 3  # up to this many different gemeente amounts are written out, with the gemeenten per amount
AMOUNTS_MAX_CHARS = 240


def _overview_rows(session: Session, instruments: Sequence[Instrument], spec: ExportSpec, max_names: int,
                   coverage: dict | None = None, today: date | None = None):
    """Rows per kind with the offer of UWV, the gemeenten, the region (WSP) and others."""
    lang = spec.language
    coverage = coverage if coverage is not None else coverage_context(session, spec, today or date.today())
    gemeenten = coverage["gemeenten"]
    kinds = session.scalars(select(InstrumentKind).order_by(InstrumentKind.sort_order)).all()
    rows = []
    for kind in kinds:
        items = [i for i in instruments if i.kind_id == kind.id]
        unknown = sorted(c.name for c in gemeenten.values()
                         if kind.code in coverage["local_kinds"] and c.has(kind.code) is None)
        if not items and not unknown:
            continue
        cells = {}
        for group, types in (("uwv", ("uwv",)), ("regio", ("regio",)), ("overig", ("belastingdienst", "landelijk"))):
            found = [i for i in items if i.provider.type in types]
            cells[group] = [_short(i, lang) for i in found[:max_names]]
            if len(found) > max_names:
                cells[group].append(f"+{len(found) - max_names}")
        gemeente_items = [i for i in items if i.provider.type == "gemeente" and i.provider.municipality]
        by_name: dict[str, list[Instrument]] = {}
        for i in gemeente_items:
            by_name.setdefault(i.provider.municipality.name, []).append(i)
        names = [n + (EXAMPLE_MARK if any(i.example for i in by_name[n]) else "") for n in sorted(by_name)]
        everyone = len(gemeenten) > 1 and len(by_name) == len(gemeenten)
        if everyone:
            cells["gemeente"] = [f"alle {len(names)} gemeenten" if lang != "en" else f"all {len(names)} municipalities"]
            if any(i.example for i in gemeente_items):
                cells["gemeente"][0] += EXAMPLE_MARK
        else:
            cells["gemeente"] = names[:max_names] + ([f"+{len(names) - max_names}"] if len(names) > max_names else [])
        cells["gemeente_amount"] = _amounts(gemeente_items, lang, everyone)
        if unknown:
            label = "onbekend — nog niet ingevoerd" if lang != "en" else "unknown — not yet entered"
            if len(unknown) == len(gemeenten) and len(gemeenten) > 1:
                who = f"alle {len(unknown)} gemeenten" if lang != "en" else f"all {len(unknown)} municipalities"
            else:
                who = ", ".join(unknown[:max_names]) + (f" +{len(unknown) - max_names}" if len(unknown) > max_names else "")
            cells["gemeente_unknown"] = f"{label}: {who}" if len(gemeenten) > 1 else label
        else:
            cells["gemeente_unknown"] = ""
        rows.append({"kind": _localized(kind, "name", lang), "count": len(items), "cells": cells})
    return rows


def _amounts(items: list[Instrument], language: str, everyone: bool) -> str:
    """The gemeenten's amounts: one, or up to three spelled out with who pays which, else how many there are."""
    texts = {handout_amount(i, language) for i in items} - {""}
    if len(texts) == 1:
        return next(iter(texts))
    groups: dict[str, list[str]] = {}  # several: the structured amounts (without the notes), with who pays which
    for i in items:
        text = handout_amount(_without_note(i), language)
        if text:
            groups.setdefault(text, [])
            if i.provider.municipality.name not in groups[text]:
                groups[text].append(i.provider.municipality.name)
    if not groups:
        return ""
    if len(groups) == 1:
        return next(iter(groups))
    spelled = "; ".join(f"{', '.join(sorted(names))}: {text}" for text, names in
                        sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])))
    if len(groups) <= AMOUNTS_SPELLED_OUT and len(spelled) <= AMOUNTS_MAX_CHARS:
        return spelled
    return f"{len(groups)} verschillende bedragen" if language != "en" else f"{len(groups)} different amounts"


def _without_note(instrument):
    from types import SimpleNamespace

    return SimpleNamespace(amount_type=instrument.amount_type, amount_value=instrument.amount_value,
                           amount_max_per_year=instrument.amount_max_per_year,
                           amount_max_total=instrument.amount_max_total, amount_note=None)


def _short(instrument: Instrument, language: str) -> str:
    """The whole name (never cut), its amount and duration; "*" for example content."""
    name = _instrument_name(instrument, language) + (EXAMPLE_MARK if instrument.example else "")
    amount = handout_amount(instrument, language)
    duration = duration_text(instrument.duration_max, instrument.duration_unit, language)
    extra = ", ".join(p for p in (amount if len(amount) <= 60 else "", duration) if p)
    return f"{name} ({extra})" if extra else name


def render_overview_a4(session: Session, instruments: Sequence[Instrument], spec: ExportSpec, font_size: float,
                       max_names: int, today: date | None = None, context: dict | None = None) -> str:
    today = today or date.today()
    env = _jinja_env(spec.language)
    ctx = context or _context(session, instruments, spec, today)
    ctx["rows"] = _overview_rows(session, instruments, spec, max_names, ctx["coverage"], today)
    ctx["font_size"] = font_size
    ctx["example_mark"] = EXAMPLE_MARK
    return env.get_template("exports/overzicht_a4.html").render(**ctx)


A4_COLUMNS = {"kind": 0.14, "uwv": 0.24, "gemeente": 0.26, "regio": 0.16, "overig": 0.20}  # as in overzicht_a4.html
A4_WIDTH_PT, A4_HEIGHT_PT = 796.0, 505.0  # landscape A4 inside the margins, less the title and legend lines


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
                c = row["cells"]
                entries = [", ".join(c["gemeente"]) or "–"] + [e for e in (c["gemeente_amount"], c["gemeente_unknown"]) if e]
            else:
                entries = row["cells"][key] or ["–"]
            lines.append(sum(-(-len(e) // per_line) for e in entries))
        height += max(lines) * line + 3.0  # cell padding and border
    return height + 2.5 * font * 1.2  # table header


def _fit_a4(session: Session, instruments: Sequence[Instrument], spec: ExportSpec,
            coverage: dict | None = None) -> tuple[float, int]:
    """The largest font and number of names per cell that should fit one page (a first guess: write_pdf measures)."""
    coverage = coverage if coverage is not None else coverage_context(session, spec, date.today())
    for max_names in (6, 4, 3, 2, 1):
        rows = _overview_rows(session, instruments, spec, max_names, coverage)
        font = A4_MAX_FONT
        while font >= (6.0 if max_names > 1 else A4_MIN_FONT):
            if _estimated_height(rows, font) <= A4_HEIGHT_PT:
                return font, max_names
            font = round(font - 0.25, 2)
    return A4_MIN_FONT, 1
