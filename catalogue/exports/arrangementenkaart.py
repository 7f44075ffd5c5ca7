"""The arrangementenkaart: the instruments per target group, with summaries while the document stays small."""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from typing import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Instrument, TaxonomyTerm
from .handout import _context, _jinja_env, _localized
from .selection import ExportSpec

SUMMARY_LIMIT = 150
COMPACT_FROM = 400


@dataclass
class TargetGroupSection:
    code: str
    name: str
    instruments: list[Instrument]


def target_group_sections(session: Session, instruments: Sequence[Instrument], language: str = "nl") \
        -> list[TargetGroupSection]:
    """Instruments per target group (taxonomy order); instruments without a target group first, as 'for everyone'."""
    terms = session.scalars(select(TaxonomyTerm).where(TaxonomyTerm.taxonomy == "target_group")
                            .order_by(TaxonomyTerm.sort_order)).all()
    general = TargetGroupSection("", "Voor alle werkzoekenden (geen specifieke doelgroep)" if language != "en"
                                 else "For everyone (no specific target group)", [])
    sections = OrderedDict((t.code, TargetGroupSection(t.code, _localized(t, "name", language), [])) for t in terms)
    for instrument in instruments:
        codes = [t.code for t in instrument.terms_of("target_group")]
        if not codes:
            general.instruments.append(instrument)
        for code in codes:
            if code in sections:
                sections[code].instruments.append(instrument)
    return [s for s in [general, *sections.values()] if s.instruments]


def render_arrangementenkaart(session: Session, instruments: Sequence[Instrument], spec: ExportSpec,
                              today: date | None = None) -> str:
    today = today or date.today()
    env = _jinja_env(spec.language)
    ctx = _context(session, instruments, spec, today)
    ctx["sections"] = target_group_sections(session, instruments, spec.language)
    # Summaries only while the document stays small: layout time grows with every line of text.
    entries = sum(len(s.instruments) for s in ctx["sections"])
    ctx["with_summary"] = entries <= SUMMARY_LIMIT
    ctx["compact"] = entries > COMPACT_FROM  # one line per instrument: large regions stay fast and readable
    return env.get_template("exports/arrangementenkaart.html").render(**ctx)
