"""PDF (WeasyPrint, from Jinja templates under templates/exports/): the arrangementenkaart or the one-page A4 overview."""
from __future__ import annotations

from datetime import date
from typing import Sequence

from sqlalchemy.orm import Session

from ..config import ROOT
from ..models import Instrument
from .arrangementenkaart import render_arrangementenkaart
from .overview_a4 import A4_MIN_FONT, _fit_a4, render_overview_a4
from .selection import ExportSpec


def write_pdf(session: Session, instruments: Sequence[Instrument], spec: ExportSpec, out, a4: bool = False,
              today: date | None = None) -> int:
    """The arrangementenkaart, or with `a4` the one-page A4 overview (font and detail shrink until it fits one page)."""
    from weasyprint import HTML

    base_url = str(ROOT / "templates" / "exports")
    if not a4:
        HTML(string=render_arrangementenkaart(session, instruments, spec, today), base_url=base_url).write_pdf(out)
        return len(instruments)
    font, max_names = _fit_a4(session, instruments, spec)
    document = None
    for _attempt in range(6):
        html = render_overview_a4(session, instruments, spec, round(font, 2), max_names, today)
        document = HTML(string=html, base_url=base_url).render()
        if len(document.pages) == 1:
            break
        font = max(A4_MIN_FONT, font * 0.85)
        max_names = max(1, max_names - 1)
    document.copy(document.pages[:1]).write_pdf(out)  # the overview is one page, whatever happens
    return len(instruments)
