"""SearchEngine: the one engine behind /instrumenten and GET /api/v1/instruments.

A search is: the text match (whoosh, as a bitset over the facet table's ordinals; all instruments for an empty query)
& location & provider & each facet's selection; counts per facet value from the bitsets; one page of ids, ordered by
relevance (whoosh BM25F scores with field boosts) or from the table's precomputed name/recent orders. The caller loads the
page's rows from SQL by id.

Text matching falls back in steps when nothing matches: strict (every word) -> with spelling corrections of words that are
not in the index ("jobcoch" -> "jobcoach") -> any word. "Bedoelde u ...?" is offered whenever a word is not in the index
and the index knows a close word.
"""
from __future__ import annotations

import heapq
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session
from whoosh.collectors import TimeLimit

from ..facets import FACETS
from . import querying
from .bitsets import DocBits, from_positions, positions, positive_leaves
from .collector import TopCollector
from .docmap import DocMap
from .facettable import RANK_END, FacetTable, build_table
from .rows import day_changes, known_values, load_rows
from .index import IndexStore, documents_from_sql
from .journal import ChangeJournal
from .reach import PageOrder, Reach, cacheable_text, reach_query, still_valid
from .scoring import LiveBM25F
from .segments import reopen
from .synonyms import Synonyms, load
from .visibility import VisibleWords

log = logging.getLogger(__name__)

TIME_LIMIT = 1.0  # seconds for one whoosh search; a search that takes longer returns what it has
BM25_LIMIT = 1500  # rank at most this many candidates with whoosh's BM25F; more are ranked from bitsets
BM25_BUDGET = 4000  # ... and only when the query's postings are this short in total (whoosh reads them all)
MAX_CLASSES = 256  # score classes in a broad ranking
FEW = 0  # fall back to corrections/any-word when a strict search finds this many or fewer


@dataclass
class SearchOutcome:
    ids: list[int]  # the page, in order
    total: int
    counts: dict[str, dict[str, int]]
    known: dict[str, list[tuple[str, str, str | None]]]
    ended: int = 0  # matches hidden by the default lifecycle filter
    suggestion: str | None = None  # "Bedoelde u ..."
    notices: list[str] = field(default_factory=list)  # truncated, ignored, corrected, partial, timeout
    terms: frozenset[str] = frozenset()  # stems to highlight
    parsed_text: str = ""
    reach: Reach | None = None  # what the answer depends on, when an edit elsewhere cannot change it (see reach.py)


def _unknown_values(known: dict, rows) -> bool:
    """Whether a row has a facet value that is not among the table's known values (a value added since)."""
    codes: dict[str, set] = {}
    for row in rows:
        for fkey, code in row.values:
            if fkey not in codes:
                codes[fkey] = {c for c, _, _ in known.get(fkey, ())}
            if code not in codes[fkey]:
                return True
    return False


class SearchEngine:
    def __init__(self, index_dir: str | os.PathLike, synonyms: Synonyms | None = None, time_limit: float = TIME_LIMIT,
                 public_condition=None):
        """The index and facet table are kept current by a `follower.Follower` (see there); until it has loaded them,
        `ready` is False and callers answer from SQL."""
        self.store = IndexStore(index_dir)
        self.synonyms = synonyms if synonyms is not None else load()
        self.time_limit = time_limit
        self._public_condition = public_condition
        self.follower = None  # set by Follower
        self._lock = threading.RLock()
        self._ix = None
        self._ix_path: str | None = None
        self._searcher = None
        self._table: FacetTable | None = None
        self._docmap: tuple | None = None  # (searcher, table, DocMap) of the followed table
        self._other_docmap: tuple | None = None  # ... of another day's table
        self._docbits = None  # bitsets.DocBits of the current searcher
        self._previous_bits = None  # ... and of the previous one (a request may still be searching it)
        self._table_version = 0
        self._lineage = 0  # facet tables built from SQL (ordinals are stable within one, see facettable.py)
        self._day_tables: dict[date, tuple[int, FacetTable]] = {}  # day -> (version of the table derived from, table)
        self._deriving = threading.Lock()  # one derivation at a time: they append to the tables' shared ordinals
        self.journal = ChangeJournal()  # what was applied since a cached answer was computed (see journal.py)

    @property
    def public_condition(self):
        if self._public_condition is None:
            from ..queries import public_condition

            self._public_condition = public_condition
        return self._public_condition

    # -- state, fed by the follower -----------------------------------------------------------------------------------

    @property
    def ready(self) -> bool:
        """The facet table is loaded and there is an index to search."""
        return self._table is not None and (self._searcher is not None or self.store.exists())

    def sync(self, session: Session) -> None:
        """Lets a follower that runs inside requests (tests, single process) catch up with this session."""
        if self.follower is not None:
            self.follower.sync(session)

    def load_table(self, session: Session, today: date | None = None) -> None:
        table = build_table(session, today or date.today(), self.public_condition)
        with self._lock:
            self._table = table
            self._table_version += 1
            self._lineage += 1
            self._day_tables.clear()
        self.journal.reset()

    def apply(self, session: Session, ids: set[int], write_index: bool, labels: bool = True) -> frozenset[int]:
        """Brings these instruments up to date in the facet table (and, for the node's index writer, in the index).
        `labels`: the facets' values or their names may have changed (a kind, term or provider did), so they are read
        again; otherwise only when a row has a value the table does not know. Returns those whose public membership,
        facet values or location changed (FacetTable.moved; all of them without a table)."""
        if not ids:
            return frozenset()
        if write_index:
            self.write_index(session, ids)
        table = self._table
        if table is None:
            return frozenset(ids)
        rows, known = self._rows(session, table, table.today, ids, labels)
        with self._deriving:
            new = table.changed({iid: rows.get(iid) for iid in ids}, known=known)
        with self._lock:
            self._table = new
            self._table_version += 1
            self._day_tables.clear()
        return new.moved

    def roll_over(self, session: Session, today: date) -> None:
        """The followed table becomes `today`'s (the day rolled over: lifecycles and publication windows), derived from
        the current one for the instruments whose dates lie in between; cached answers of the old day are not used
        (`Reach` checks the day)."""
        table = self._table
        if table is None or table.today == today:
            return
        new = self._derived_day(session, table, today)
        with self._lock:
            if self._table is not table:  # (only the follower replaces it; a second caller is harmless)
                return
            self._table = new
            self._table_version += 1
            self._day_tables.clear()

    def _rows(self, session: Session, table: FacetTable, today: date, ids, labels: bool) -> tuple[dict, dict]:
        """These instruments' rows on `today`, and the facet values to derive with: read again when `labels` (a kind,
        term or provider changed) or a row has a value the table does not know, else the table's."""
        rows = load_rows(session, today, self.public_condition, ids)
        known = known_values(session) if labels or _unknown_values(table.known, rows.values()) else table.known
        return rows, known

    def _derived_day(self, session: Session, table: FacetTable, today: date) -> FacetTable:
        """`table` (the followed one) for another day, derived once per version of it and kept until the next change:
        the first request of a new day derives it, the follower's `roll_over` takes it over."""
        version = self._table_version
        kept = self._day_tables.get(today)
        if kept is not None and kept[0] == version and table is self._table:
            return kept[1]
        ids = day_changes(session, table.today, today)
        rows, known = self._rows(session, table, today, ids, labels=False)
        with self._deriving:
            other = table.on_day(today, {iid: rows.get(iid) for iid in ids}, known=known)
        with self._lock:
            if self._table is table:  # (not after the follower replaced it: then `version` is not this table's)
                self._day_tables = {today: (version, other)}
        return other

    def behind(self) -> bool:
        """The index has a newer generation than the open searcher (e.g. after the writer merged it)."""
        searcher = self._searcher
        try:
            return searcher is not None and self._ix_path == str(self.store.current_path()) and not searcher.up_to_date()
        except Exception:  # pragma: no cover - the directory changed under us: the next searcher() sorts it out
            return False

    def prepare(self) -> None:
        """Opens the index's latest generation and brings the bitsets and the docnum map up to date for it, so the next
        request does not (the follower calls this after applying changes, before it shows the new position)."""
        if self._table is None or not self.store.exists():
            return
        try:
            searcher = self.searcher()
            self._bits(searcher)
            self._docnum_map(searcher, self._table)
        except Exception:  # pragma: no cover - a request does the same work (and reports) if this fails
            log.exception("preparing the searcher failed")

    def write_index(self, session: Session, ids: set[int]) -> None:
        docs = {doc["iid"]: doc for doc in documents_from_sql(session, ids)}
        self.store.write(docs, set(ids) - set(docs), searcher=self._searcher_for_writing)

    def _searcher_for_writing(self):
        """The current searcher when it reads the index directory being written (its open readers find the replaced
        documents), opened for it in a process that does not search (`catalogue index follow`: whoosh's writer
        otherwise opened every segment for each edit, ~4 ms); None when the searcher reads another directory (the
        writer then opens its own)."""
        if self._ix_path is not None and self._ix_path != str(self.store.current_path()):
            return None
        return self.searcher()

    def rebuild(self, session: Session, state: dict | None = None, procs: int = 1) -> dict:
        """Builds a complete new index from the database beside the current one and swaps it in; `state` (the
        change-log position it contains) is stored with it."""
        figures = self.store.build(documents_from_sql(session), state=state, procs=procs)
        self.refresh()
        return figures

    def refresh(self) -> None:
        """Drops the cached searcher; the next search reopens the index."""
        with self._lock:
            self._searcher = None
            self._ix = None
            self._ix_path = None
            self._docmap = None
            self._docbits = self._previous_bits = None
        self.journal.reset()

    def searcher(self, session: Session | None = None):
        """An up-to-date searcher (reopened after a swap, the next generation after incremental writes). A replaced
        searcher is not closed: a request may still be using it (its files are released when it is dropped)."""
        with self._lock:
            path = str(self.store.current_path())
            if self._searcher is None or path != self._ix_path:
                if self._searcher is not None:  # another index swapped in: nothing cached before it is checked
                    self.journal.reset()
                self._ix = self.store.open()
                if self._ix is None:
                    raise RuntimeError(f"no search index in {self.store.root}")
                self._ix_path = path
                self._searcher = self._ix.searcher()
                self._docbits = self._previous_bits = None
                self._docmap = None
            elif not self._searcher.up_to_date():
                # the next generation, reusing the readers of unchanged segments (not searcher.refresh(): that reuses
                # segment readers with their old deletion sets)
                self._searcher = reopen(self._ix, self._searcher)
            return self._searcher

    def table(self, session: Session, today: date, public_condition=None, searcher=None) -> FacetTable:
        """The followed table; for another day (the day rolled over and the follower has not rolled over yet, or a
        caller asks about another date) a table of that day, derived from the followed one once and kept until the next
        change."""
        table = self._table
        if table is None:
            raise RuntimeError("the facet table is not loaded yet")
        if table.today == today:
            return table
        if public_condition is not None and public_condition is not self.public_condition:  # (not the followed
            # table's rows: nothing to derive from, and nothing kept)
            return build_table(session, today, public_condition)
        return self._derived_day(session, table, today)

    def _bits(self, searcher) -> DocBits:
        """The bitsets of this searcher; those of the previous generation are carried over (and kept for a request
        that is still searching the previous generation)."""
        with self._lock:
            current = self._docbits
            if current is not None and current.searcher is searcher:
                return current
            previous = self._previous_bits
            if previous is not None and previous.searcher is searcher:
                return previous
            if searcher is not self._searcher:  # an older generation still in use: bitsets of its own, not kept
                return DocBits(searcher)
            self._docbits = DocBits(searcher, previous=current)  # takes over what `current` may hand on
            self._previous_bits = current
            return self._docbits

    def _to_ordinals(self, doc_bits: int, searcher, table: FacetTable) -> int:
        return self._docnum_map(searcher, table).to_ordinals(doc_bits)

    def _docnum_map(self, searcher, table: FacetTable) -> DocMap:
        """The document number <-> ordinal map of this searcher and table, updated from the previous one (one
        consistent object: the follower thread may replace the cached one between two reads)."""
        with self._lock:
            cached = self._docmap
            if cached is not None and cached[0] is searcher and cached[1] is table:
                return cached[2]
            def derived() -> DocMap:  # from the followed map (a full build unless the table is derived from its table)
                return DocMap.build(searcher.reader(), table) if cached is None else \
                    cached[2].updated(searcher.reader(), table)

            if table is not self._table or searcher is not self._searcher:  # another day's table, or an older
                # generation still in use: a map of its own, kept once
                other = self._other_docmap
                if other is None or other[0] is not searcher or other[1] is not table:
                    other = self._other_docmap = (searcher, table, derived())
                return other[2]
            docmap = derived()
            self._docmap = (searcher, table, docmap)
            return docmap

    def _visible_words(self, searcher, table: FacetTable) -> VisibleWords:
        """Word counts over the documents that are public today (the table's rows): completions and corrections."""
        return VisibleWords(self._bits(searcher), self._docnum_map(searcher, table).public)

    # -- searching ----------------------------------------------------------------------------------------------------

    def search(self, session: Session, query, today: date, public_condition) -> SearchOutcome:
        """`query` is a queries.InstrumentQuery."""
        parsed = querying.parse(query.q, self.synonyms) if query.q else querying.ParsedQuery()
        searcher = self.searcher(session)
        table = self.table(session, today, public_condition, searcher)
        notices = []
        if parsed.truncated:
            notices.append("truncated")
        if parsed.ignored:
            notices.append("ignored")

        base = located = self._located(table, query)
        if query.instrument_ids is not None:  # modified_after
            base &= from_positions((o for i in query.instrument_ids if (o := table.position.get(i)) is not None),
                                   table.size)
        selections = {f.key: table.selection(f.key, query.selected(f.key)) for f in FACETS if query.selected(f.key)}
        filters = base
        for mask in selections.values():
            filters &= mask

        text_bits = table.all
        whoosh_query = None
        suggestion = None
        terms: frozenset[str] = frozenset()
        doc_bits = 0
        strict_query = None
        certain = True  # every word is known (nothing to correct): the answer does not depend on the other words
        if not parsed.empty:
            docbits = self._bits(searcher)
            words = self._visible_words(searcher, table)
            certain = not querying.needs_correction(parsed, words)
            corrected = not certain and querying.correct(parsed, words, self.synonyms)
            if corrected:
                suggestion = querying.corrected_text(parsed)
            modes = ["strict"] + (["fuzzy"] if corrected else []) + (["any"] if len(parsed.groups) > 1 else [])
            for mode in modes:
                whoosh_query = querying.build(parsed, mode)
                if mode == "strict":
                    strict_query = whoosh_query
                if whoosh_query is None:
                    break
                doc_bits = docbits.evaluate(whoosh_query)
                text_bits = self._to_ordinals(doc_bits, searcher, table)
                if (text_bits & filters).bit_count() > FEW:
                    break
            if whoosh_query is None:  # nothing searchable (only stop words): browse
                text_bits = table.all
            else:
                if mode == "fuzzy":
                    notices.append("corrected")
                elif mode == "any":
                    notices.append("partial")
                terms = querying.highlight_terms(whoosh_query, searcher.reader(), parsed)
        base &= text_bits
        final = base
        for mask in selections.values():
            final &= mask
        total = final.bit_count()
        counts = table.counts(base, selections)

        ended = 0
        if query.q and "lifecycle" not in query.facets:
            scope = base
            for key, mask in selections.items():
                if key != "lifecycle":
                    scope &= mask
            ended = (scope & table.values["lifecycle"].get("ended", 0)).bit_count()

        offset = (query.page - 1) * query.per_page
        scored, candidates, scoring, order = False, None, None, None
        if whoosh_query is not None and query.sort == "relevance" and total:
            ids, candidates, scored, scoring, order = self._ranked(searcher, whoosh_query, doc_bits, table, final,
                                                                   text_bits, offset, query.per_page)
        else:
            ids = table.page(final, query.sort, offset, query.per_page)
            if offset == 0 and ids and len(ids) == query.per_page:
                order = PageOrder("recent" if query.sort == "recent" else "name", tuple(ids))
        reach = None
        if certain and (not scored or scoring is not None) and table is self._table and query.instrument_ids is None \
                and cacheable_text(parsed):
            depends = located
            exact = True  # the reach is the match (one word, its fields and synonyms): edits inside it can be checked
            if whoosh_query is not None:  # every instrument with any of the query's terms (and in the location)
                wide = reach_query(whoosh_query)
                exact = wide is whoosh_query and mode == "strict"
                depends &= text_bits if wide is whoosh_query else \
                    self._to_ordinals(self._bits(searcher).evaluate(wide), searcher, table)
            reach = Reach(self._lineage, today, query, depends, table.known, candidates, scoring,
                          order if exact else None, parsed=parsed, strict=strict_query, synonyms=self.synonyms)
        return SearchOutcome(ids=ids, total=total, counts=counts, known=table.known, ended=ended, suggestion=suggestion,
                             notices=notices, terms=terms, parsed_text=parsed.text(), reach=reach)

    @staticmethod
    def _located(table: FacetTable, query) -> int:
        located = table.location_bits(query.municipalities, query.regions)
        if query.providers:
            located &= table.provider_bits(query.providers)
        return located

    def _ranking_cost(self, searcher, whoosh_query) -> int:
        """The postings BM25F would read for this query (all documents of the index, public or not)."""
        return sum(bits.bit_count() for bits, _ in self._bits(searcher).weighted_leaves(whoosh_query))

    def unaffected(self, reach: Reach, changed, moved=None) -> Reach | None:
        """The reach to keep the answer `reach` belongs to with, when none of the `changed` instruments (`moved`: those
        whose facet table row changed) can have changed it; None otherwise (see reach.py)."""
        return still_valid(self, reach, changed, moved)

    def _ranked(self, searcher, whoosh_query, doc_bits, table, final, text_bits, offset, limit) \
            -> tuple[list[int], int, bool, tuple | None, PageOrder | None]:
        """(one page of ids, the candidates, whether BM25F ranked them, and then what else its scores depend on:
        scoring.LiveStats.fingerprint, None when the ranking ran out of time; the order of a full first page ranked from
        bitsets, see reach.py): by relevance: BM25F over the live
        documents (field boosts, term frequency, length; scoring.py) when the query
        is selective (BM25_LIMIT candidates, BM25_BUDGET postings); otherwise binary field-weighted scores from the term bitsets (name 8, kind 4, ...),
        ties broken by shorter name (see _bitset_ranking). This keeps broad queries fast."""
        docmap = self._docnum_map(searcher, table)
        ords, docs_of, public = docmap.ords, docmap.docs_of, docmap.public
        if final == text_bits:
            allowed = doc_bits & public
        else:
            allowed = docmap.to_docnums(final)
        wanted = offset + limit
        candidates = allowed.bit_count()
        scored = candidates <= BM25_LIMIT and self._ranking_cost(searcher, whoosh_query) <= BM25_BUDGET
        fingerprint = None
        if scored:
            stats = self._bits(searcher).stats()
            collector = TopCollector(wanted + 20, set(positions(allowed, len(ords))), time.monotonic() + self.time_limit)
            try:
                searcher.search_with_collector(whoosh_query, collector,
                                               context=searcher.context(weighting=LiveBM25F(stats)))
                fingerprint = stats.fingerprint(whoosh_query)
            except TimeLimit:
                pass
            # equal scores in the name order, not in document numbers (which differ between nodes' indexes)
            rank = table.short_rank
            top = sorted(collector.results().top_n, key=lambda sd: (-round(sd[0], 4), rank[o] if (o := ords[sd[1]]) >= 0
                                                                    else RANK_END))
            ranked = [docnum for _, docnum in top[:wanted]]
        else:
            ranked, leaves, margin = self._bitset_ranking(searcher, whoosh_query, allowed, table, ords, docs_of, wanted)
        ids: list[int] = []
        seen: set[int] = set()
        for docnum in ranked:
            o = ords[docnum]
            if o >= 0 and table.ids[o] not in seen:
                seen.add(table.ids[o])
                ids.append(table.ids[o])
        page = ids[offset:offset + limit]
        order = None
        if not scored and offset == 0 and page and len(page) == limit:
            last = docs_of[table.position[page[-1]]]
            order = PageOrder("classes", tuple(page), tuple((leaf, weight) for leaf, weight, _ in leaves),
                              tuple(bool(bits >> last & 1) for _, _, bits in leaves), margin)
        return page, candidates, scored, fingerprint, order

    def _bitset_ranking(self, searcher, whoosh_query, allowed, table, ords, docs_of, wanted) \
            -> tuple[list[int], list[tuple], int]:
        """Binary field-weighted scores without visiting every document: the candidates are split into classes of equal
        score by refining with each leaf's bitset (heaviest first), then the best classes are read in order, and within
        a class shorter names come first (a precomputed order). Returns the ranked docnums, the (leaf, weight, bits)
        that split them, and how far the number of classes stayed from deciding otherwise which leaves split them (the
        margin reach.py allows for instruments that change class)."""
        docbits = self._bits(searcher)
        leaves = sorted(((leaf, weight, docbits.evaluate(leaf) & allowed)
                         for leaf, weight in positive_leaves(whoosh_query)), key=lambda lwb: -lwb[1])
        classes = [(allowed, 0.0)]
        used, margin = len(leaves), MAX_CLASSES
        for i, (_, weight, bits) in enumerate(leaves):
            if not bits:
                margin = min(margin, MAX_CLASSES - len(classes))  # one that enters it would split a class here
                continue
            refined = []
            for members, score in classes:
                inside = members & bits
                if inside:
                    refined.append((inside, score + weight))
                outside = members & ~bits
                if outside:
                    refined.append((outside, score))
            if len(refined) > MAX_CLASSES:
                used, margin = i, min(margin, len(refined) - MAX_CLASSES - 1)
                break  # the remaining (lighter) leaves no longer change the order much
            margin = min(margin, MAX_CLASSES - len(refined))
            classes = refined
        classes.sort(key=lambda cs: -cs[1])
        rank = table.short_rank
        ranked: list[int] = []
        nbits = len(ords)
        for members, _ in classes:
            need = wanted - len(ranked)
            if need <= 0:
                break
            count = members.bit_count()
            if count <= need or count <= 2000:
                docs = sorted(positions(members, nbits), key=lambda d: rank[ords[d]])
                ranked.extend(docs[:need])
            else:
                raw = members.to_bytes((nbits + 7) // 8 or 1, "little")
                for o in table.by_short:
                    d = docs_of[o]
                    if d >= 0 and raw[d >> 3] >> (d & 7) & 1:
                        ranked.append(d)
                        need -= 1
                        if not need:
                            break
        return ranked, leaves[:used], margin

    # -- suggestions -------------------------------------------------------------------------------------------------

    def suggest(self, session: Session, text: str, today: date, public_condition, limit: int = 8) -> dict:
        """Search-as-you-type: instruments whose words start with what was typed, and word completions."""
        cleaned, _ = querying.clean(text)
        tokens = querying.plain_tokens(cleaned)[: querying.MAX_CLAUSES]
        if not tokens or (len(tokens) == 1 and len(tokens[0]) < 2):
            return {"instruments": [], "completions": []}
        searcher = self.searcher(session)
        table = self.table(session, today, public_condition, searcher)
        reader = searcher.reader()
        visible = self._visible_words(searcher, table)
        last = tokens[-1]
        completions = []
        for n, term in enumerate(reader.expand_prefix("words", last)):
            if n >= 500:
                break
            word = term.decode("utf-8") if isinstance(term, bytes) else term
            frequency = visible.frequency(word)  # words of public documents only
            if frequency:
                completions.append((frequency, word))
        completions.sort(key=lambda c: (-c[0], c[1]))
        head = " ".join(tokens[:-1])
        words = [f"{head} {w}".strip() for _, w in completions[:5]]
        parsed = querying.parse(" ".join(tokens[:-1]) + f" {last}*", self.synonyms)
        whoosh_query = querying.build(parsed, "strict")
        ids: list[int] = []
        if whoosh_query is not None:
            # bounded work whatever the prefix: bitsets of the (limited) prefix expansion, cached per searcher, then
            # the instruments whose name has a matching word first, each tier by shortest name
            docbits = self._bits(searcher)
            visible = table.all & (table.values["lifecycle"].get("current", 0) | table.values["lifecycle"].get("upcoming", 0))
            matched = self._to_ordinals(docbits.evaluate(whoosh_query), searcher, table) & visible
            in_name = self._to_ordinals(docbits.evaluate(querying.name_prefix(last)), searcher, table) & matched
            rank = table.short_rank
            for tier in (in_name, matched & ~in_name):
                need = limit - len(ids)
                if need <= 0 or not tier:
                    break
                ids += [table.ids[o] for o in heapq.nsmallest(need, positions(tier, table.size), key=rank.__getitem__)]
        return {"ids": ids, "completions": words}

