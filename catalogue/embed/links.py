"""Links in an embedded page: a link to the full guide (or anywhere else) opens in a new tab, says so to screen readers,
and gets rel="noopener"; links and forms that lead to another embedded page (the wizard's steps) and links within the
page (#…) stay in the frame. Forms that leave the embedded pages (the wizard's summary) open in a new tab too.

Works on the HTML the templates render (start tags located by the standard library's parser, so attribute values are
never mistaken for markup), so every template and macro that an embedded page reuses behaves the same without knowing
it is embedded.
"""
from __future__ import annotations

from html import escape
from html.parser import HTMLParser
from urllib.parse import urlsplit


def _stays(url: str | None, embed_prefixes: tuple[str, ...]) -> bool:
    if url is None:
        return False
    if url.startswith("#"):
        return True
    parts = urlsplit(url)
    return not parts.scheme and not parts.netloc and parts.path.startswith(embed_prefixes)


def _tag(name: str, attrs: list[tuple[str, str | None]], self_closing: bool) -> str:
    rendered = "".join(f" {k}" if v is None else f' {k}="{escape(v, quote=True)}"' for k, v in attrs)
    return f"<{name}{rendered}{' /' if self_closing else ''}>"


class _Rewriter(HTMLParser):
    def __init__(self, source: str, cue: str, embed_prefixes: tuple[str, ...]):
        super().__init__(convert_charrefs=True)
        self.source, self.cue, self.prefixes = source, cue, embed_prefixes
        self.line_starts = [0]
        for i, char in enumerate(source):
            if char == "\n":
                self.line_starts.append(i + 1)
        self.edits: list[tuple[int, int, str]] = []  # (start, end, replacement)
        self.open_link = False

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def _handle(self, tag: str, attrs, self_closing: bool) -> None:
        if tag not in ("a", "form"):
            return
        values = dict(attrs)
        url = values.get("href") if tag == "a" else values.get("action")
        if url is None or _stays(url, self.prefixes) or "target" in values:
            return  # a form without action posts to this (embedded) page
        if url.startswith(("mailto:", "tel:")):
            return
        rel = set((values.get("rel") or "").split()) | {"noopener"}
        attrs = [(k, v) for k, v in attrs if k not in ("target", "rel")]
        attrs += [("target", "_blank"), ("rel", " ".join(sorted(rel)))]
        start = self._offset()
        text = self.get_starttag_text() or ""
        self.edits.append((start, start + len(text), _tag(tag, attrs, self_closing)))
        self.open_link = tag == "a"

    def handle_starttag(self, tag, attrs):
        self._handle(tag, attrs, False)

    def handle_startendtag(self, tag, attrs):
        self._handle(tag, attrs, True)

    def handle_endtag(self, tag):
        if tag == "a" and self.open_link:
            start = self._offset()
            self.edits.append((start, start, f'<span class="visually-hidden"> ({escape(self.cue)})</span>'))
            self.open_link = False


def open_links_in_new_tab(html: str, cue: str, embed_prefixes: tuple[str, ...] = ("/embed/",)) -> str:
    """`cue` is the spoken note, e.g. "opent in nieuw tabblad". `embed_prefixes` are the paths that stay in the frame
    (with a language prefix: "/en/embed/")."""
    parser = _Rewriter(html, cue, embed_prefixes)
    parser.feed(html)
    parser.close()
    out, position = [], 0
    for start, end, replacement in sorted(parser.edits, key=lambda e: (e[0], e[1])):
        out.append(html[position:start])
        out.append(replacement)
        position = end
    out.append(html[position:])
    return "".join(out)
