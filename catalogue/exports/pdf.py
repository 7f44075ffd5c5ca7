"""PDF (WeasyPrint, from Jinja templates under templates/exports/): the arrangementenkaart or the one-page A4 overview."""
from __future__ import annotations

from datetime import date
from typing import Sequence

from sqlalchemy.orm import Session

from ..config import ROOT
from ..models import Instrument
from .arrangementenkaart import render_arrangementenkaart
from .handout import _context
from .overview_a4 import A4_MAX_FONT, A4_MIN_FONT, _fit_a4, render_overview_a4
from .selection import ExportSpec

A4_RENDERS = 5  # at most this many layouts per A4 (about a second each for a large region)
A4_FILL = 0.93  # a page filled to at least this share of its height is good enough


def _filled(document) -> float:
    """How much of the last page's content height the table uses, plus the number of pages before it."""
    from weasyprint.formatting_structure.boxes import TableRowBox

    page = document.pages[-1]._page_box
    rows = [b for b in page.descendants() if isinstance(b, TableRowBox)]
    bottom = max((b.position_y + b.margin_height() for b in rows), default=page.content_box_y())
    used = (bottom - page.content_box_y()) / page.height
    return len(document.pages) - 1 + used


def write_pdf(session: Session, instruments: Sequence[Instrument], spec: ExportSpec, out, a4: bool = False,
              today: date | None = None) -> int:
    """The arrangementenkaart, or with `a4` the one-page A4 overview: the largest font (and number of names per cell)
    that fits one page, found by measuring the rendered layout."""
    from weasyprint import HTML

    base_url = str(ROOT / "templates" / "exports")
    if not a4:
        HTML(string=render_arrangementenkaart(session, instruments, spec, today), base_url=base_url).write_pdf(out)
        return len(instruments)
    today = today or date.today()
    context = _context(session, instruments, spec, today)
    font, max_names = _fit_a4(session, instruments, spec, context["coverage"])
    best = None  # (font, document) of the largest font that fitted
    smallest_overflow = None
    for _attempt in range(A4_RENDERS):
        html = render_overview_a4(session, instruments, spec, round(font, 2), max_names, today, dict(context))
        document = HTML(string=html, base_url=base_url).render()
        fill = _filled(document)
        if fill <= 1.0:
            if best is None or font > best[0]:
                best = (font, document)
            if fill >= A4_FILL or font >= A4_MAX_FONT:
                break
            grown = min(A4_MAX_FONT, font * (A4_FILL / fill) ** 0.5)  # text height grows about with font², wrapping
            if smallest_overflow is not None:
                grown = min(grown, (font + smallest_overflow) / 2)
            if grown - font < 0.15:
                break
            font = grown
        else:
            smallest_overflow = font if smallest_overflow is None else min(smallest_overflow, font)
            shrunk = font * (0.97 / fill) ** 0.5
            if best is not None:
                shrunk = max(shrunk, (font + best[0]) / 2)
                if font - best[0] < 0.15:
                    break
            if shrunk < A4_MIN_FONT and max_names > 1:
                max_names = max(1, max_names // 2)  # the smallest type still overflows: fewer names per cell
            font = max(A4_MIN_FONT, shrunk)
    if best is None:
        best = (font, document)
    document = best[1]
    document.copy(document.pages[:1]).write_pdf(out)  # the overview is one page, whatever happens
    return len(instruments)
