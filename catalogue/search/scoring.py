"""BM25F over the live documents: whoosh's BM25F, with the statistics (document count, document frequency, average
field length) of the documents that are not deleted. No Flask.

whoosh counts deleted documents until a merge compacts them away, so after every edit each term's idf and each field's
average length moved a little, differently on each node (their merge histories differ). A ranked answer therefore
could not outlive an edit anywhere. Over the live documents the statistics are what a freshly built index has. The
document frequencies come from the term bitsets (`bitsets.DocBits`, masked by the live documents), and the average
field length is rounded to one decimal, so editing one document's text rarely moves it.

`LiveStats.fingerprint` is everything a query's scores depend on besides the scored documents themselves. Equal
fingerprints, and no changed document in the answer's reach, mean equal scores (`reach.still_valid`).
"""
from __future__ import annotations

from math import log

from whoosh import query as wq
from whoosh.scoring import BM25F, BM25FScorer, WeightScorer


def _text(text) -> str:
    return text.decode("utf-8") if isinstance(text, bytes) else text


class LiveStats:
    """The statistics of one searcher generation's live documents (see the module docstring)."""

    def __init__(self, docbits):
        self.docbits = docbits
        self.count = docbits.live.bit_count()
        self._avgfl: dict[str, float] = {}

    def df(self, fieldname: str, text) -> int:
        return self.docbits.term(fieldname, _text(text)).bit_count()

    def idf(self, fieldname: str, text) -> float:
        return log(self.count / (self.df(fieldname, text) + 1)) + 1 if self.count else 1.0

    def avgfl(self, fieldname: str) -> float:
        value = self._avgfl.get(fieldname)
        if value is None:
            value = round(self.docbits.live_field_length(fieldname) / (self.count or 1), 1) or 1.0
            self._avgfl[fieldname] = value
        return value

    def fingerprint(self, whoosh_query: wq.Query) -> tuple | None:
        """(live documents, then per word of the query and field that has it: field, word, live document frequency,
        rounded average field length); None for a query with a leaf other than terms and phrases (not worth proving).
        A document's score depends on these and on the document itself only."""
        schema = self.docbits.searcher.schema
        items = []
        for leaf in [whoosh_query] if whoosh_query.is_leaf() else whoosh_query.leaves():
            if isinstance(leaf, wq.Term):
                words = [(leaf.fieldname, _text(leaf.text))]
            elif isinstance(leaf, wq.Phrase):
                words = [(leaf.fieldname, _text(w)) for w in leaf.words]
            else:
                return None
            for fieldname, word in words:
                df = self.df(fieldname, word)
                if not df:
                    continue  # no document has the word in that field: it scores nothing there (a new one changes df)
                scorable = fieldname in schema and schema[fieldname].scorable
                items.append((fieldname, word, df, self.avgfl(fieldname) if scorable else None))
        return self.count, tuple(sorted(set(items)))


class LiveBM25F(BM25F):
    """BM25F (whoosh's B and K1) scoring with `LiveStats`."""

    def __init__(self, stats: LiveStats, **kwargs):
        super().__init__(**kwargs)
        self.stats = stats

    def scorer(self, searcher, fieldname, text, qf=1):
        if not searcher.schema[fieldname].scorable:
            return WeightScorer.for_(searcher, fieldname, text)
        return _LiveScorer(searcher, fieldname, text, self._field_B.get(fieldname, self.B), self.K1, qf, self.stats)


class _LiveScorer(BM25FScorer):
    def __init__(self, searcher, fieldname, text, B, K1, qf, stats: LiveStats):  # noqa: N803 - whoosh's names
        self.idf = stats.idf(fieldname, text)
        self.avgfl = stats.avgfl(fieldname)
        self.B, self.K1, self.qf = B, K1, qf
        self.setup(searcher, fieldname, text)
