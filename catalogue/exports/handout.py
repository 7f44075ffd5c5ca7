"""What the PDF handouts share: the Jinja environment of templates/exports/ and the template context."""
from __future__ import annotations

from collections import OrderedDict
from datetime import date
from pathlib import Path
from typing import Sequence

from sqlalchemy.orm import Session

from ..config import ROOT
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
    return env


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
    return {"spec": spec, "region": spec.region, "municipality": spec.municipality, "title": spec.title,
            "today": today, "total": len(instruments), "counts": counts, "language": spec.language,
            "name_of": lambda i: _instrument_name(i, spec.language),
            "summary_of": lambda i: ((i.translations or {}).get("en") or {}).get("summary") or i.summary
            if spec.language == "en" else i.summary}
