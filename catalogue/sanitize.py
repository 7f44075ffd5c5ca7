"""Rich-text sanitising. Every rich-text field passes through `rich_text`; plain fields through `plain_text`."""
from __future__ import annotations

import html
import re

import nh3

ALLOWED_TAGS = {"p", "br", "ul", "ol", "li", "strong", "em", "b", "i", "a", "h3", "h4"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto", "tel"}


def rich_text(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if "<" not in value:
        # Plain text: keep paragraphs.
        paragraphs = [p.strip() for p in value.split("\n\n") if p.strip()]
        value = "".join(f"<p>{nh3.clean_text(p)}</p>" for p in paragraphs)
    return nh3.clean(
        value,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
    )


def plain_text(value: str | None) -> str | None:
    """Strip every tag and store the text itself (no HTML entities): templates escape it on output."""
    if value is None:
        return None
    return " ".join(html.unescape(nh3.clean(value, tags=set())).split()) or None


def readable_text(value: str | None) -> str | None:
    """Rich text as plain text for a spreadsheet cell or a print: paragraphs and list items on their own lines ("• "),
    no tags, no entities."""
    if not value:
        return None
    text = re.sub(r"(?i)<li[^>]*>", "\n• ", value)
    text = re.sub(r"(?i)<br\s*/?>|</p>|</h[34]>|</li>|<(?:ul|ol)[^>]*>|</(?:ul|ol)>", "\n", text)
    text = html.unescape(nh3.clean(text, tags=set()))
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return "\n".join(line for line in lines if line) or None


_BREAKS = re.compile(r"(?i)<li[^>]*>|<br\s*/?>|</p>|</h[34]>|</li>|<(?:ul|ol)[^>]*>|</(?:ul|ol)>")
_TAG = re.compile(r"""<(?:[^>"']|"[^"]*"|'[^']*')*>""")


def readable_stored_text(value: str | None) -> str | None:
    """`readable_text` for rich text as stored (already sanitised on input, so its tags are well-formed): the same
    result with regular expressions instead of a second HTML parse, for exports of many instruments."""
    if not value:
        return None
    text = _BREAKS.sub(lambda m: "\n• " if m.group(0)[:3].lower() == "<li" else "\n", value)
    text = html.unescape(_TAG.sub("", text))
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return "\n".join(line for line in lines if line) or None
