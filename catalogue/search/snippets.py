"""Search snippets: the best fragment of an instrument's text with the matched words in <mark>. No Flask."""
from __future__ import annotations

import logging

from markupsafe import Markup, escape
from whoosh import highlight

from .analysis import DUTCH, strip_html

log = logging.getLogger(__name__)


class _Formatter(highlight.Formatter):
    """<mark> around matched words; everything else HTML-escaped."""

    between = " … "

    def format_token(self, text, token, replace=False):
        return f"<mark>{escape(highlight.get_text(text, token, replace))}</mark>"

    def _text(self, text):
        return str(escape(text))


def snippet(text: str | None, terms: frozenset[str], maxchars: int = 220) -> Markup | None:
    """The best fragment of (HTML) text with the matched words in <mark>, everything else escaped."""
    plain = strip_html(text)
    if not plain or not terms:
        return None
    fragmenter = highlight.ContextFragmenter(maxchars=maxchars, surround=60)
    try:
        out = highlight.highlight(plain, terms, DUTCH, fragmenter, _Formatter(), top=2)
    except Exception:  # pragma: no cover - a snippet is never worth an error page
        log.exception("highlighting failed")
        return None
    return Markup(out) if out and "<mark>" in out else None

def snippets(items, terms: frozenset[str], language: str = "nl") -> dict[int, Markup]:
    out = {}
    for item in items:
        en = (item.translations or {}).get("en") or {} if language == "en" else {}
        for text in (en.get("summary"), item.summary, en.get("description"), item.description, item.conditions):
            found = snippet(text, terms)
            if found:
                out[item.id] = found
                break
    return out
