"""Analyzers: how text becomes index terms.

DUTCH: words (letters and digits), lower case, accents folded (beëindigd = beeindigd), Dutch stop words dropped, Snowball
Dutch stemming (proefplaatsingen -> proefplaats). PLAIN: the same without stop words and stemming, for spelling
suggestions, prefix search and search-as-you-type completions. ENGLISH: the English translations. Each is indexed in one
pass (`onepass`) with the same terms.
"""
from __future__ import annotations

import re
import unicodedata

from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.analysis import StemmingAnalyzer
from whoosh.support.charset import accent_map

from .onepass import OnePass

WORD_PATTERN = r"\w+(\.?\w+)*"

DUTCH = OnePass(RegexTokenizer(WORD_PATTERN) | LowercaseFilter() | CharsetFilter(accent_map)
                | StopFilter(lang="nl", minsize=1) | StemFilter(lang="nl", cachesize=100_000))
PLAIN = OnePass(RegexTokenizer(WORD_PATTERN) | LowercaseFilter() | CharsetFilter(accent_map)
                | StopFilter(stoplist=[], minsize=2))
ENGLISH = OnePass(StemmingAnalyzer(cachesize=100_000))

_TAGS = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+", re.UNICODE)


def fold(text: str) -> str:
    """Lower case without accents: the form synonyms and user input are compared in."""
    if text.isascii():  # nothing to decompose (most words; the word lists hold some 480,000)
        return text.lower()
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def words(text: str) -> tuple[str, ...]:
    """The plain words of a text (hyphens and punctuation split words): 'No-riskpolis' -> ('no', 'riskpolis')."""
    return tuple(_WORD.findall(fold(text)))


def strip_html(text: str | None) -> str:
    """Text of stored (sanitised) HTML, for indexing and snippets."""
    if not text:
        return ""
    import html

    return _SPACE.sub(" ", html.unescape(_TAGS.sub(" ", text))).strip()


def analyze(analyzer, text: str) -> list[str]:
    return [t.text for t in analyzer(text, mode="query")]
