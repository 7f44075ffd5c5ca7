"""Which instruments a search answer depends on, so a cached answer can outlive edits elsewhere (issue 17 §3). No Flask.

An answer (the page of ids, the total, every facet count, the hidden "ended" count, "Bedoelde u ...?") computed from one
state stays exactly right at a later state when none of the instruments changed in between was, in either state, in
its *reach*: the public instruments in the query's location and provider that contain any of the query's terms (for a
query without words: all public instruments in the location). Why that is enough:

- The text match, the total, the counts and "ended" are counted within the location, the provider and the text match,
  so within the reach; an instrument outside it in both states adds nothing to any of them in either state, and the
  instruments inside it did not change (their facet values, location and words are the same; so are today's
  lifecycles and publication windows: the date is part of every cache key). The strict -> any-word fallback is decided
  by those counts.
- The order of the page: the names order, the "recent" order and the binary field-weighted ranking of broad queries
  (`SearchEngine._bitset_ranking`) compare only instruments within the match, by their own words and names.
- Answers ranked by BM25F (selective queries): their scores also use index-wide statistics (the live documents, each
  word's document frequency, each field's average length; scoring.py). The answer keeps them (`scoring`), and is
  carried only when they are the same now; an edit outside the reach leaves the frequencies of the query's words alone
  and rarely moves a rounded average length.
- Not covered, so never carried: a BM25F ranking that ran out of time; answers with a word that is not known
  (spelling corrections come from the words of every public document: an edit anywhere can add a close word); prefix
  queries ("werk*": their expansion is capped, so a new word elsewhere can push another out); `modified_after`; answers
  from another day's table. The check also recomputes, in the new state, whether every word is still known, whether
  the query would be ranked by BM25F or not as before (its cost counts postings of unpublished documents too) and
  those statistics when it is, and compares the facet value names (a provider added without an edit reaches them at
  the next apply).
- What the change log cannot express as instrument edits (renames of providers, kinds, terms, regions, gemeenten), a
  reload of the facet table and an index swap reset the journal (journal.py): nothing is carried across them.

Ordinals are stable within one facet table lineage (facettable.py), so the reach is kept as an ordinal bitset.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from whoosh import query as wq

from . import querying


@dataclass(frozen=True, eq=False)
class Reach:
    lineage: int  # the facet table build whose ordinals `bits` uses
    today: date
    query: object  # the queries.InstrumentQuery answered
    bits: int  # ordinals of the public instruments the answer depends on
    known: dict  # the facet values (codes and names) the answer lists
    candidates: int | None  # documents ranked by relevance (the BM25F-or-bitsets decision), None: not ranked
    scoring: tuple | None = None  # what BM25F's scores depended on (scoring.LiveStats.fingerprint); None: not BM25F

    @property
    def nbytes(self) -> int:
        return (self.bits.bit_length() + 7) // 8


def cacheable_text(parsed: querying.ParsedQuery) -> bool:
    """No prefix clause (its capped expansion depends on the words of other documents)."""
    return not any(c.kind == "prefix" for c in parsed.clauses() + parsed.excluded)


def reach_query(whoosh_query: wq.Query) -> wq.Query:
    """Any of the query's leaves (terms, phrases; excluded ones too): the documents that contain a word of the query.
    The query itself when it is already that (one word: its fields and synonyms, OR'ed)."""
    if whoosh_query.is_leaf() or (isinstance(whoosh_query, wq.Or)
                                  and all(child.is_leaf() for child in whoosh_query.subqueries)):
        return whoosh_query
    return wq.Or(list(whoosh_query.leaves()))


def still_valid(engine, reach: Reach, changed) -> bool:
    """True when none of `changed` (instrument ids) is in the reach, as it was and as it is now, and the answer's other
    inputs (known words, the ranking decision, the facet value names) are the same now."""
    from .engine import BM25_BUDGET, BM25_LIMIT

    table = engine._table
    if table is None or engine._lineage != reach.lineage or table.today != reach.today:
        return False
    if table.known is not reach.known and table.known != reach.known:
        return False
    ordinals = [o for iid in changed if (o := table.position.get(iid)) is not None]
    if any(reach.bits >> o & 1 for o in ordinals):
        return False  # it was in the reach: its old state may be in the answer
    query = reach.query
    parsed = querying.parse(query.q, engine.synonyms) if query.q else querying.ParsedQuery()
    searcher = engine.searcher()
    whoosh_query = None
    if not parsed.empty:
        if querying.needs_correction(parsed, engine._visible_words(searcher, table)):
            return False
        whoosh_query = querying.build(parsed, "strict")
    scored = whoosh_query is not None and reach.candidates is not None and reach.candidates <= BM25_LIMIT \
        and engine._ranking_cost(searcher, whoosh_query) <= BM25_BUDGET
    if scored != (reach.scoring is not None):
        return False  # it would be ranked the other way now
    if scored and engine._bits(searcher).stats().fingerprint(whoosh_query) != reach.scoring:
        return False  # BM25F's statistics moved: other scores
    live = [o for o in ordinals if table.all >> o & 1]
    if not live:
        return True
    located = engine._located(table, query)
    live = [o for o in live if located >> o & 1]
    if not live or whoosh_query is None:
        return not live
    docs = engine._docnum_map(searcher, table).docs_of
    docnums = [d for o in live if o < len(docs) and (d := docs[o]) >= 0]
    return not engine._bits(searcher).matches_any(reach_query(whoosh_query), docnums)
