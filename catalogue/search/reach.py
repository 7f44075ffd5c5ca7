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

Inside the reach. For a one-word query (its fields and synonyms OR'ed: the reach is exactly the match) or no words, on
a full first page ordered by name, by last change or by the broad ranking (not BM25F: an edited instrument's score
would have to be computed again), an instrument in the reach can change without changing the answer. It is kept
(`_stays_off_page`) when the instrument was in the match and still is, its facet table row is the same (the journal
records per round whose row changed: FacetTable.moved), so the total, every count and "ended" are the same; it was not
on the page, and its key in the page's order now sorts after the page's last entry. Before, its key sorted after that
entry too (it matched and was not on the page), and the other instruments' keys kept their order, so the page is the
same. The broad ranking's key is the class (which leaves an instrument contains, see `class_key`) and then the
short-name rank. Which leaves split the classes depends on the number of classes at each step (MAX_CLASSES), which an
instrument changing class moves by at most one: the answer keeps that margin and spends it on every instrument it is
carried across. A later page, a selective query (BM25F) or a query of several words gets the plain rule above.

Ordinals are stable within one facet table lineage (facettable.py), so the reach is kept as an ordinal bitset.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from whoosh import query as wq

from . import querying


@dataclass(frozen=True)
class PageOrder:
    """How a full first page was ordered: enough to tell, at a later state, whether an instrument that stayed in the
    match sorts after the page's last entry (see `_stays_off_page`)."""
    kind: str  # "name" or "recent" (FacetTable.page's orders), "classes" (SearchEngine._bitset_ranking)
    page: tuple[int, ...]  # the page's instrument ids
    leaves: tuple = ()  # classes: the (leaf query, weight) pairs that split the candidates, heaviest first
    last: tuple[bool, ...] = ()  # classes: which of those leaves the page's last instrument contains
    margin: int = 0  # classes: how many instruments may still change class before other leaves could be used


@dataclass(frozen=True, eq=False)
class Reach:
    lineage: int  # the facet table build whose ordinals `bits` uses
    today: date
    query: object  # the queries.InstrumentQuery answered
    bits: int  # ordinals of the public instruments the answer depends on
    known: dict  # the facet values (codes and names) the answer lists
    candidates: int | None  # documents ranked by relevance (the BM25F-or-bitsets decision), None: not ranked
    scoring: tuple | None = None  # what BM25F's scores depended on (scoring.LiveStats.fingerprint); None: not BM25F
    order: PageOrder | None = None  # set when `bits` is exactly the match (see "Inside the reach"); None: not checked
    # the query's words parsed and their strict whoosh query, as the answer made them: a check reuses them (parsing
    # and building again cost ~0.2 ms of the ~0.4 a check took; they depend only on the text and the synonyms)
    parsed: object = None
    strict: object = None
    synonyms: object = None  # the synonyms they were made with (a check with others parses again)

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


def still_valid(engine, reach: Reach, changed, moved=None) -> Reach | None:
    """The reach to keep the answer with at the current state, or None when it must be computed again: none of
    `changed` (instrument ids) is in the reach, as it was and as it is now, or (with `reach.order`) those in it stayed
    in it with their facet table row (`moved`: those of `changed` whose row changed; None: any may have) and off the
    page; and the answer's other inputs (known words, the ranking decision, the facet value names) are the same now."""
    from .engine import BM25_BUDGET, BM25_LIMIT

    table = engine._table
    if table is None or engine._lineage != reach.lineage or table.today != reach.today:
        return None
    if table.known is not reach.known and table.known != reach.known:
        return None
    ordinals = [o for iid in changed if (o := table.position.get(iid)) is not None]
    inside = {o for o in ordinals if reach.bits >> o & 1}
    if inside and (reach.order is None or moved is None):
        return None  # it was in the reach: its old state may be in the answer
    query = reach.query
    made = reach.parsed is not None and reach.synonyms is engine.synonyms
    parsed = reach.parsed if made else \
        querying.parse(query.q, engine.synonyms) if query.q else querying.ParsedQuery()
    searcher = engine.searcher()
    whoosh_query = None
    if not parsed.empty:
        if querying.needs_correction(parsed, engine._visible_words(searcher, table)):
            return None
        whoosh_query = reach.strict if made else querying.build(parsed, "strict")
    scored = whoosh_query is not None and reach.candidates is not None and reach.candidates <= BM25_LIMIT \
        and engine._ranking_cost(searcher, whoosh_query) <= BM25_BUDGET
    if scored != (reach.scoring is not None):
        return None  # it would be ranked the other way now
    if scored and engine._bits(searcher).stats().fingerprint(whoosh_query) != reach.scoring:
        return None  # BM25F's statistics moved: other scores
    live = [o for o in ordinals if table.all >> o & 1]
    if live:
        located = engine._located(table, query)
        live = [o for o in live if located >> o & 1]
    if live and whoosh_query is not None:
        docs = engine._docnum_map(searcher, table).docs_of
        bits, wide = engine._bits(searcher), reach_query(whoosh_query)
        if not inside:  # the plain rule: one that is in the reach now changes the answer
            docnums = [d for o in live if o < len(docs) and (d := docs[o]) >= 0]
            return None if bits.matches_any(wide, docnums) else reach
        live = [o for o in live if o < len(docs) and (d := docs[o]) >= 0 and bits.matches_any(wide, [d])]
    if set(live) != inside:
        return None  # one entered or left the reach
    return _stays_off_page(engine, reach, table, searcher, inside, moved) if inside else reach


def _stays_off_page(engine, reach: Reach, table, searcher, inside: set[int], moved) -> Reach | None:
    """Instruments that were and are in the match (`inside`, ordinals) leave the answer as it was when their facet table
    row is the same (so every count and the total are), they are not on the (full, first) page, and their key in the
    page's order sorts after the page's last entry now (before, they sorted after it: they matched and were not on it;
    the others' keys keep their order). For the broad ranking the key is the class (the leaves an instrument contains,
    heaviest first) and then the short-name rank; the classes are the same as long as the leaves used are: each
    instrument that changes class changes each step's number of classes by at most one (`margin`)."""
    order = reach.order
    ids = {table.ids[o] for o in inside}
    if ids & moved or ids & set(order.page):
        return None
    last = table.position.get(order.page[-1])
    if last is None or not table.all >> last & 1:
        return None
    if order.kind in ("name", "recent"):
        key = table._name_key if order.kind == "name" else table._recent_key
        limit = key(last)
        return reach if all(key(o) > limit for o in inside) else None
    if len(inside) > order.margin:
        return None
    bits, docs = engine._bits(searcher), engine._docnum_map(searcher, table).docs_of
    limit = class_key(order.last, order.leaves, table.short_rank[last])
    for o in inside:
        d = docs[o]
        contains = tuple(bits.matches_any(leaf, [d]) for leaf, _ in order.leaves)
        if class_key(contains, order.leaves, table.short_rank[o]) <= limit:
            return None
    return replace(reach, order=replace(order, margin=order.margin - len(inside)))


def class_key(contains, leaves, rank: int) -> tuple:
    """An instrument's place in the broad ranking (SearchEngine._bitset_ranking): higher score first (the weights of
    the leaves it contains, added in the leaves' order as the ranking adds them), then among equal scores the class
    split off first (a contained leaf before a missing one, heaviest leaf first), then the short-name rank."""
    score = 0.0
    for inside, (_, weight) in zip(contains, leaves):
        if inside:
            score += weight
    return -score, tuple(not c for c in contains), rank
