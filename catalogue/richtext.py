"""Rich text as editors write it: a small Markdown subset, limited to what the sanitiser keeps (catalogue/sanitize.py:
paragraphs, line breaks, lists, bold, italic, links, subheadings). No Flask.

    **vet**  *cursief*  - opsomming  1. genummerd  [tekst](https://…)  ### tussenkop  #### kleinere kop

`from_markdown` turns what an editor typed into HTML (the schema then sanitises it, as for every rich-text field);
HTML typed or pasted as such passes through the same sanitiser. `to_markdown` turns stored (sanitised) HTML back into
that Markdown for the edit form, so that saving a form without touching a text stores the same HTML again.
"""
from __future__ import annotations

import re
from html import escape
from html.parser import HTMLParser

from markdown_it import MarkdownIt

_MD = MarkdownIt("commonmark", {"html": True, "breaks": True, "linkify": False})
_MD.disable(["code", "fence", "blockquote", "hr", "lheading", "image", "backticks", "reference"], ignoreInvalid=True)

_BLOCK = "p|ul|ol|li|h3|h4"
_BLOCK_NEWLINES = re.compile(rf"(</?(?:{_BLOCK})>)\n|\n(?=</?(?:{_BLOCK})>)")
_TOP_HEADINGS = re.compile(r"<(/?)h[12]>")


def from_markdown(text: str | None) -> str | None:
    """Markdown (or HTML) -> HTML, not yet sanitised. None/empty stays None."""
    if text is None or not text.strip():
        return None
    html = _MD.render(text.replace("\r\n", "\n"))
    html = _TOP_HEADINGS.sub(r"<\1h3>", html)  # "# Kop" and "## Kop" become the largest subheading allowed
    html = html.replace("<br />", "<br>")
    return _BLOCK_NEWLINES.sub(r"\1", html).strip()


_ESCAPE_INLINE = re.compile(r"([\\*_\[\]`<])")
_ESCAPE_LINE_START = re.compile(r"^(\s*)([#>+-]|\d+[.)])(?=\s|$)", re.M)


def _escape_text(text: str) -> str:
    return _ESCAPE_INLINE.sub(r"\\\1", text)


class _ToMarkdown(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.lists: list[list] = []  # [kind, counter]
        self.links: list[str] = []
        self.last_block = ""  # the last top-level block closed (two lists in a row need a separator)

    def _block_break(self):
        text = "".join(self.out)
        if text and not text.endswith("\n\n"):
            self.out.append("\n\n" if not text.endswith("\n") else "\n")

    def handle_starttag(self, tag, attrs):
        if tag == "p" and not self.lists:
            self._block_break()
        elif tag in ("h3", "h4"):
            self._block_break()
            self.out.append("### " if tag == "h3" else "#### ")
        elif tag in ("ul", "ol"):
            if not self.lists:
                self._block_break()
                if self.last_block in ("ul", "ol"):
                    self.out.append("<!-- -->\n\n")  # else Markdown joins the two lists (the sanitiser drops it)
            else:
                self.out.append("\n")
            self.lists.append([tag, 0])
        elif tag == "li" and self.lists:
            kind = self.lists[-1]
            kind[1] += 1
            indent = "   " * (len(self.lists) - 1)
            text = "".join(self.out)
            if text and not text.endswith("\n"):
                self.out.append("\n")
            self.out.append(indent + ("- " if kind[0] == "ul" else f"{kind[1]}. "))
        elif tag in ("strong", "b"):
            self.out.append("**")
        elif tag in ("em", "i"):
            self.out.append("*")
        elif tag == "a":
            self.links.append(dict(attrs).get("href") or "")
            self.out.append("[")
        elif tag == "br":
            self.out.append("\n")

    def handle_endtag(self, tag):
        if tag in ("p", "h3", "h4") and not self.lists:
            self.out.append("\n\n")
            self.last_block = tag
        elif tag in ("ul", "ol") and self.lists:
            self.lists.pop()
            if not self.lists:
                self.out.append("\n\n")
                self.last_block = tag
        elif tag in ("strong", "b"):
            self.out.append("**")
        elif tag in ("em", "i"):
            self.out.append("*")
        elif tag == "a":
            href = self.links.pop() if self.links else ""
            self.out.append(f"]({href.replace(' ', '%20').replace(')', '%29')})")

    def handle_data(self, data):
        data = re.sub(r"\s+", " ", data)
        text = "".join(self.out)
        if not text or text.endswith("\n"):
            data = data.lstrip()
            data = _ESCAPE_LINE_START.sub(r"\1\\\2", _escape_text(data))
        else:
            data = _escape_text(data)
        self.out.append(data)


def to_markdown(html: str | None) -> str:
    """Stored HTML -> Markdown for the edit form."""
    if not html:
        return ""
    if "<" not in html:
        return html
    parser = _ToMarkdown()
    parser.feed(html)
    parser.close()
    text = "".join(parser.out)
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def preview(text: str | None) -> str:
    """What the text will look like once saved: Markdown -> sanitised HTML (escaped plain text when empty)."""
    from .sanitize import rich_text

    return rich_text(from_markdown(text)) or ""


__all__ = ["from_markdown", "to_markdown", "preview", "escape"]
