"""Is this a normal word? The Dutch and English word lists of Debian's `wdutch` and `wamerican` packages
(/usr/share/dict; `.ci/ensure-system-packages` installs them), so "Bedoelde u ...?" is offered only for words that are
neither in the index nor in the language (a typo), never for a correct word the catalogue happens not to contain.

Dutch glues words together ("werkfit", "garantiebaan"), so a word also counts as known when it splits into two known
parts of at least three letters each (with an optional linking "s" or "e"). Loaded once per process, by the change-log
follower's first round (catalogue/search/follower.py), or on first use.
"""
from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from .analysis import fold

log = logging.getLogger(__name__)

WORD_LISTS = tuple(Path(p) for p in os.environ.get(
    "CATALOGUE_WORD_LISTS", "/usr/share/dict/dutch:/usr/share/dict/american-english").split(":") if p)
MIN_PART = 3

_lock = threading.Lock()
_words: frozenset[str] | None = None


def _load() -> frozenset[str]:
    words: set[str] = set()
    for path in WORD_LISTS:
        try:
            with path.open(encoding="utf-8", errors="replace") as handle:
                lines = handle.read().split("\n")
            words.update(fold(word) for line in lines if (word := line.strip()) and not word.endswith("'s"))
        except OSError:
            log.warning("word list %s is missing (install wdutch and wamerican); spelling suggestions are offered "
                        "for every word that is not in the index", path)
    return frozenset(words)


def words() -> frozenset[str]:
    global _words
    if _words is None:
        with _lock:
            if _words is None:
                _words = _load()
    return _words


def available() -> bool:
    return bool(words())


def is_word(word: str, extra=None) -> bool:
    """True for a word of the language (or of `extra`, a container of known words), or a compound of two of them."""
    word = fold(word)
    known = words()

    def known_part(part: str) -> bool:
        return part in known or (extra is not None and part in extra)

    if known_part(word):
        return True
    for cut in range(MIN_PART, len(word) - MIN_PART + 1):
        head, tail = word[:cut], word[cut:]
        if not known_part(tail):
            continue
        if known_part(head) or (head[-1] in "se" and len(head) > MIN_PART and known_part(head[:-1])):
            return True
    return False
