"""Which words of the index the public may see: completions and "Bedoelde u ...?" corrections come only from documents
that are public today (published, inside their publication window, not deleted).

The index holds every published, non-deleted instrument, including those scheduled for later or past their publication
window (the window moves with the date, without a commit), and in tests documents of rolled-back rows. The facet table,
built from SQL, is the authority on what is public; `VisibleWords` counts a word's documents within its public ones.
"""
from __future__ import annotations

from whoosh.spelling import Corrector

FIELD = "words"


class VisibleWords:
    """Word frequencies over the public documents of one searcher (`docbits`: bitsets.DocBits; `public`: a bitset of
    the document numbers whose instrument is public)."""

    def __init__(self, docbits, public: int, fieldname: str = FIELD):
        self.docbits = docbits
        self.public = public
        self.fieldname = fieldname

    def frequency(self, word: str) -> int:
        """In how many public documents the word occurs."""
        return (self.docbits.term(self.fieldname, word) & self.public).bit_count()

    def corrector(self) -> "VisibleCorrector":
        return VisibleCorrector(self)


class VisibleCorrector(Corrector):
    """whoosh's ReaderCorrector (edit distance, then frequency), over public documents only."""

    def __init__(self, words: VisibleWords):
        self.words = words
        self.reader = words.docbits.reader

    def _suggestions(self, text, maxdist, prefix):
        for suggestion in self.reader.terms_within(self.words.fieldname, text, maxdist, prefix=prefix):
            frequency = self.words.frequency(suggestion)
            if frequency:
                yield 0 - (maxdist + (1.0 / frequency * 0.5)), suggestion
