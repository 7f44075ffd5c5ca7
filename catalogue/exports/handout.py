"""What the PDF handouts share: the Jinja environment of templates/exports/ and the template context."""
from __future__ import annotations

import re
from collections import OrderedDict
from datetime import date
from pathlib import Path
from typing import Sequence

from sqlalchemy.orm import Session

from ..config import ROOT
from ..coverage import Coverage, local_kinds, municipality_coverage, region_coverage, unknown_text
from ..models import Instrument
from ..parameters import amount_text, applicant_text, decision_period_text, duration_text
from .selection import PROVIDER_TYPE_ORDER, ExportSpec


def _jinja_env(language: str):
    from babel.support import Translations
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(str(ROOT / "templates")), autoescape=select_autoescape(["html"]),
                      extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)
    translations = Translations.load(str(Path(__file__).parent.parent / "translations"), [language])
    env.install_gettext_translations(translations, newstyle=True)
    env.filters["amount"] = lambda i: amount_text(i, language)
    env.filters["duration"] = lambda i: duration_text(i.duration_max, i.duration_unit, language)
    env.filters["decision_period"] = lambda w: decision_period_text(w, language)
    env.filters["applicant"] = lambda a: applicant_text(a, language)
    env.filters["handout_amount"] = lambda i: handout_amount(i, language)
    return env


_WORD = re.compile(r"[0-9][0-9.,]*|[^\W\d_]+")
_NUMBER = re.compile(r"[0-9][0-9.,]*[0-9]|[0-9]")


def _words(text: str) -> set[str]:
    return {w.lower().rstrip(".,") for w in _WORD.findall(text or "")}


def handout_amount(instrument, language: str = "nl") -> str:
    """The amount once: the structured text, the editor's note only where it adds something ("werkelijke kosten, max.
    € 1.000 per jaar (Werkelijke kosten, max. € 1.000)" becomes the first part); the note alone when it carries every
    number of the structured text."""
    text = amount_text(instrument, language)
    text = re.sub(r"^(€ [0-9.,]+), max\. \1 per jaar", r"\1 per jaar", text)  # "€ 2.000, max. € 2.000 per jaar"
    note = " ".join((getattr(instrument, "amount_note", None) or "").split()).rstrip(".")
    if not note:
        return text
    if not text or _words(note) <= _words(text):
        return text or note
    if set(_NUMBER.findall(text)) <= set(_NUMBER.findall(note)):
        return note
    return f"{text} ({note})"


def wsp_parts(region, language: str = "nl") -> list[str]:
    """The WSP contact point as parts to join with " · "; a missing fact says "nog niet bekend" (never invented)."""
    unknown = "nog niet bekend" if language != "en" else "not yet known"
    phone = "Telefoon" if language != "en" else "Phone"
    email = "E-mail" if language != "en" else "Email"
    return [f"{phone}: {region.wsp_phone or unknown}", f"{email}: {region.wsp_email or unknown}",
            f"Website: {region.wsp_website or unknown}"]


def coverage_context(session: Session, spec: ExportSpec, today: date) -> dict:
    """What the handout knows about the offer of its gemeenten and region: per GM code a Coverage, the region's, and the
    names of gemeenten whose offer is not (completely) known."""
    gemeenten: dict[str, Coverage] = {}
    if spec.municipality is not None:
        gemeenten = municipality_coverage(session, [spec.municipality], today)
    elif spec.region is not None:
        current = [m for m in spec.region.municipalities
                   if (m.valid_until is None or m.valid_until >= today) and (m.valid_from is None or m.valid_from <= today)]
        gemeenten = municipality_coverage(session, current, today)
    region = region_coverage(session, [spec.region], today)[spec.region.code] if spec.region is not None else None
    return {"gemeenten": gemeenten, "region": region, "local_kinds": local_kinds(session, today) if gemeenten else set(),
            "incomplete": [c.name for c in gemeenten.values() if not c.complete],
            "complete": [c.name for c in gemeenten.values() if c.complete], "unknown_text": unknown_text(spec.language)}


def _localized(obj, attr: str, language: str):
    if language == "en":
        value = getattr(obj, f"{attr}_en", None)
        if value:
            return value
    return getattr(obj, attr)


def _instrument_name(instrument: Instrument, language: str) -> str:
    if language == "en":
        return ((instrument.translations or {}).get("en") or {}).get("name") or instrument.name
    return instrument.name


def _context(session: Session, instruments: Sequence[Instrument], spec: ExportSpec, today: date) -> dict:
    counts: OrderedDict[str, int] = OrderedDict((t, 0) for t in PROVIDER_TYPE_ORDER)
    for i in instruments:
        counts[i.provider.type] = counts.get(i.provider.type, 0) + 1
    return {"coverage": coverage_context(session, spec, today), "any_example": any(i.example for i in instruments)
            or bool(spec.region is not None and spec.region.example),
            "wsp_parts": wsp_parts(spec.region, spec.language) if spec.region is not None else [],
            "spec": spec, "region": spec.region, "municipality": spec.municipality, "title": spec.title,
            "today": today, "total": len(instruments), "counts": counts, "language": spec.language,
            "name_of": lambda i: _instrument_name(i, spec.language),
            "summary_of": lambda i: ((i.translations or {}).get("en") or {}).get("summary") or i.summary
            if spec.language == "en" else i.summary}
