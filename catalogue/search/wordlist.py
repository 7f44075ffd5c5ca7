"""Is this a normal word? The Dutch and English word lists of Debian's `wdutch` and `wamerican` packages
(/usr/share/dict; `.ci/ensure-system-packages` installs them), so "Bedoelde u ...?" is offered only for words that are
neither in the index nor in the language (a typo), never for a correct word the catalogue happens not to contain.

Dutch glues words together ("werkfit", "garantiebaan"), so a word also counts as known when it splits into two known
parts of at least three letters each (with an optional linking "s" or "e"). Loaded once per process, by the change-log
follower's first round (catalogue/search/follower.py), or on first use.
"""
from __future__ import annotations

import bisect
import logging
import os
import threading
from array import array
from pathlib import Path

from .analysis import fold

log = logging.getLogger(__name__)

WORD_LISTS = tuple(Path(p) for p in os.environ.get(
    "CATALOGUE_WORD_LISTS", "/usr/share/dict/dutch:/usr/share/dict/american-english").split(":") if p)
MIN_PART = 3

_lock = threading.Lock()
_words: "Words | None" = None


class Words:
    """The words as a sorted array of their 64-bit hashes (this process's str hash: the array is built and read in one
    process): 3.7 MB for the ~467,000 words instead of 66 MB as a set of strings, which every worker holds. A word that
    is not in the lists is taken for one only if its hash equals one of theirs: odds of about 1 in 4 * 10**13."""

    def __init__(self, hashes: array):
        self._hashes = hashes  # sorted

    def __contains__(self, word: str) -> bool:
        key = hash(word)
        i = bisect.bisect_left(self._hashes, key)
        return i < len(self._hashes) and self._hashes[i] == key

    def __len__(self) -> int:
        return len(self._hashes)


def _load() -> Words:
    hashes = array("q")
    for path in WORD_LISTS:
        try:
            with path.open(encoding="utf-8", errors="replace") as handle:
                hashes.extend(hash(fold(word)) for line in handle
                              if (word := line.strip()) and not word.endswith("'s"))
        except OSError:
            log.warning("word list %s is missing (install wdutch and wamerican); spelling suggestions are offered "
                        "for every word that is not in the index", path)
    return Words(array("q", sorted(hashes)))  # duplicates (a word in both lists) do no harm to the bisection


def words() -> Words:
    global _words
    if _words is None:
        with _lock:
            if _words is None:
                _words = _load()
    return _words


def available() -> bool:
    return bool(len(words()))


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
