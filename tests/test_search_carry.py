"""Incremental writes carry the term bitsets and the docnum map over (catalogue/search/segments.py, bitsets.py,
docmap.py): after every write, merge and table change, what was carried equals what a fresh searcher computes.
No database: a whoosh index of made-up documents and a table of ordinals (tests/test_search_incremental.py compares
whole searches with a rebuilt index on SQLite and PostgreSQL)."""
from __future__ import annotations

import random
from dataclasses import dataclass, field

from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.writing import MERGE_SMALL, OPTIMIZE

from catalogue.search.bitsets import DocBits, from_positions, positions
from catalogue.search.docmap import DocMap
from catalogue.search.index import INDEX_NAME, SCHEMA, make_document
from catalogue.search.segments import Layout, reopen

WORDS = ["jobcoach", "proefplaats", "scholing", "premie", "nazorg", "werkplek", "subsidie", "taalles"]
TERMS = [("words", w) for w in WORDS] + [("name", "jobcoach"), ("words", "ontbreekt")]


def _stem(word: str) -> str:
    from catalogue.search.analysis import DUTCH

    return next(iter(DUTCH(word))).text


# phrases go through whoosh's matchers (DocBits._whoosh) and are carried over like terms
PHRASES = [wq.Phrase("summary", [_stem(a), _stem(b)])
           for a, b in (("jobcoach", "premie"), ("scholing", "nazorg"), ("subsidie", "taalles"), ("premie", "werkplek"))]


@dataclass
class Table:
    """What DocMap reads of a facet table: append-only ids/position (shared with derived tables), live ordinals."""
    ids: list = field(default_factory=list)
    position: dict = field(default_factory=dict)
    all: int = 0
    size: int = 0  # the ids when it was made (as FacetTable.size: a later derived table may have appended more)

    def derived(self, public: set[int]) -> "Table":
        for iid in sorted(public):
            if iid not in self.position:
                self.position[iid] = len(self.ids)
                self.ids.append(iid)
        return Table(self.ids, self.position, from_positions((self.position[i] for i in public), len(self.ids)),
                     len(self.ids))


def doc(iid: int, rng: random.Random) -> dict:
    words = " ".join(rng.sample(WORDS, 3))
    return make_document(id=iid, name=f"Regeling {words}", kind="proefplaatsing", kind_en=None, summary=words,
                         description=None, conditions=None, how_to_apply=None, amount_note=None, legal_basis=None,
                         provider="UWV", places=[], tags=[], translations=None)


def write(ix, docs: dict[int, dict], deletes=(), merge=None, optimize=False) -> None:
    writer = ix.writer()
    for iid in deletes:
        writer.delete_by_term("key", str(iid))
    for d in docs.values():
        writer.update_document(**d)
    writer.commit(mergetype=OPTIMIZE if optimize else merge or MERGE_SMALL)


def same_map(a: DocMap, b: DocMap) -> None:
    for name in ("ords", "docs_of", "public", "size", "same", "moved_docs", "moved_ords", "unplaced", "alive"):
        assert getattr(a, name) == getattr(b, name), name


def test_positions_sparse_and_dense():
    rng = random.Random(3)
    for density in (0.0005, 0.01, 0.5):
        chosen = sorted({rng.randrange(50_000) for _ in range(int(50_000 * density))})
        assert positions(from_positions(chosen, 50_000), 50_000) == chosen


def test_carried_bits_and_docmap_equal_fresh_ones_through_writes_merges_and_table_changes(tmp_path):
    rng = random.Random(17)
    ix = whoosh_index.create_in(str(tmp_path), SCHEMA, indexname=INDEX_NAME)
    docs = {iid: doc(iid, rng) for iid in range(1, 121)}
    # three segments of different sizes, so that MERGE_SMALL later returns the kept ones in another order (by size):
    # document numbers then move with their segment
    for chunk in (range(1, 61), range(61, 66), range(66, 121)):
        write(ix, {i: docs[i] for i in chunk}, merge=lambda w, s: s)
    public = set(range(1, 111)) - {7, 8}  # 111..120 are indexed but not public (scheduled): no ordinal at first
    table = Table().derived(public)
    searcher = ix.searcher()
    bits = DocBits(searcher)
    docmap = DocMap.build(searcher.reader(), table)
    for term in TERMS:
        bits.term(*term)
    for phrase in PHRASES:
        bits.evaluate(phrase)
    layouts, shifted = set(), False
    next_id = 200
    for step in range(40):
        action = step % 8
        if action in (0, 1, 2):  # an edit: the new version goes into a small new segment
            iid = rng.choice(sorted(docs))
            docs[iid] = doc(iid, rng)
            write(ix, {iid: docs[iid]}, merge=lambda w, s: s if step % 3 else MERGE_SMALL(w, s))
        elif action == 3:  # a new instrument, public at once
            docs[next_id] = doc(next_id, rng)
            write(ix, {next_id: docs[next_id]})
            public.add(next_id)
            next_id += 1
        elif action == 4:  # deleted (or unpublished): out of the index and the table
            iid = rng.choice(sorted(public))
            write(ix, {}, deletes=[iid])
            del docs[iid]
            public.discard(iid)
        elif action == 5:  # a scheduled instrument becomes public: a table change only, the index stays
            waiting = sorted(set(docs) - public)
            if waiting:
                public.add(waiting[0])
        elif action == 6:  # hidden from the public, still indexed (no write)
            public.discard(rng.choice(sorted(public)))
        else:  # several small writes, then MERGE_SMALL merges them
            chosen = rng.sample(sorted(docs), 6)
            for iid in chosen + chosen[:2]:  # the first two twice: their first new versions die in small segments,
                docs[iid] = doc(iid, rng)  # so the merge compacts (numbers within the merged documents change)
                write(ix, {iid: docs[iid]}, merge=lambda w, s: s)
            write(ix, {}, deletes=[], merge=MERGE_SMALL)
        if step == 30:
            write(ix, {}, optimize=True)  # everything merged: nothing to carry, still correct
        table = table.derived(public)
        searcher = reopen(ix, searcher)
        layout = Layout.of(searcher.reader())
        before = {p.segid: p.offset for p in docmap.layout.parts}
        shifted |= any(p.segid in before and before[p.segid] != p.offset for p in layout.parts)
        layouts.add(len(layout.parts))
        bits = DocBits(searcher, previous=bits)
        docmap = docmap.updated(searcher.reader(), table)
        fresh_searcher = ix.searcher()
        fresh_bits = DocBits(fresh_searcher)
        assert bits.live == fresh_bits.live
        for term in TERMS:
            assert bits.term(*term) == fresh_bits.term(*term), (step, term)
        for phrase in PHRASES:
            assert bits.evaluate(phrase) == fresh_bits.evaluate(phrase), (step, phrase)
        assert any(bits.evaluate(phrase) for phrase in PHRASES)
        fresh_map = DocMap.build(fresh_searcher.reader(), table)
        same_map(docmap, fresh_map)
        every = table.all
        assert docmap.to_docnums(every) == fresh_map.public
        assert docmap.to_ordinals(bits.term("words", "jobcoach")) == fresh_map.to_ordinals(fresh_bits.term("words",
                                                                                                           "jobcoach"))
        # what the searches rely on: each public instrument's document, found both ways
        for iid in public:
            o = table.position[iid]
            d = docmap.docs_of[o]
            assert d >= 0 and docmap.ords[d] == o and fresh_searcher.stored_fields(d)["iid"] == iid
        fresh_searcher.close()
    assert shifted, "the sequence should have moved a kept segment's document numbers"
    assert max(layouts) > 2


def test_bitsets_not_asked_for_during_several_generations_are_still_carried_not_read_again(tmp_path, monkeypatch):
    """With one edit per second, a term a search asks only every minute skips many generations: it is carried from
    the generation that last computed it (its layout mapped straight onto the current one), through merges that move
    and compact segments, and equals what a fresh searcher computes; its postings in the old segments are not read
    again."""
    rng = random.Random(23)
    ix = whoosh_index.create_in(str(tmp_path), SCHEMA, indexname=INDEX_NAME)
    docs = {iid: doc(iid, rng) for iid in range(1, 101)}
    for chunk in (range(1, 61), range(61, 66), range(66, 101)):
        write(ix, {i: docs[i] for i in chunk}, merge=lambda w, s: s)
    searcher = ix.searcher()
    bits = DocBits(searcher)
    asked = TERMS + PHRASES
    for item in asked:
        bits.evaluate(wq.Term(*item) if isinstance(item, tuple) else item)
    full_reads = []
    original = DocBits._postings

    def counting(self, fieldname, text, leaves):
        if leaves is None:
            full_reads.append((fieldname, text))
        return original(self, fieldname, text, leaves)

    monkeypatch.setattr(DocBits, "_postings", counting)
    for step in range(16):
        iid = rng.choice(sorted(docs))
        docs[iid] = doc(iid, rng)
        write(ix, {iid: docs[iid]}, merge=lambda w, s: s if step % 4 else MERGE_SMALL(w, s))
        if step == 9:
            write(ix, {}, deletes=[iid], merge=MERGE_SMALL)
            del docs[iid]
        searcher = reopen(ix, searcher)
        bits = DocBits(searcher, previous=bits)
        item = asked[step % 5]  # only a few are asked between the generations; the others wait
        bits.evaluate(wq.Term(*item) if isinstance(item, tuple) else item)
    fresh = ix.searcher()
    fresh_bits = DocBits(fresh)
    monkeypatch.setattr(DocBits, "_postings", original)
    for item in asked:
        q = wq.Term(*item) if isinstance(item, tuple) else item
        assert bits.evaluate(q) == fresh_bits.evaluate(q), item
    assert bits.evaluate(PHRASES[0]) and bits.term("words", "jobcoach")
    assert full_reads == [], "carried bitsets should not read a term's postings in the old segments again"
    fresh.close()


def test_a_request_still_on_the_previous_generation_carries_from_earlier_ones_never_from_later_ones(tmp_path,
                                                                                                    monkeypatch):
    """The follower hands the bitsets over to the next generation while requests are still searching the previous
    one. Such a request carries a term computed two generations back (no read of the old segments), and what it
    computes is handed on to the next generation; a term first computed by a later generation is not carried back
    (its numbering and deletions are the later ones): it is read anew. Each equals a fresh searcher's."""
    rng = random.Random(7)
    ix = whoosh_index.create_in(str(tmp_path), SCHEMA, indexname=INDEX_NAME)
    docs = {iid: doc(iid, rng) for iid in range(1, 81)}
    write(ix, docs)
    s0 = ix.searcher()
    g0 = DocBits(s0)
    early, late = ("words", "jobcoach"), ("words", "taalles")
    g0.term(*early)

    def edit():
        for iid in rng.sample(sorted(docs), 6):
            docs[iid] = doc(iid, rng)
            write(ix, {iid: docs[iid]})

    edit()
    s1 = reopen(ix, s0)
    g1 = DocBits(s1, previous=g0)
    edit()
    s2 = reopen(ix, s1)
    g2 = DocBits(s2, previous=g1)  # the hand-over: g1 is "previous", a request may still be on it
    g2.term(*late)  # first computed by g2
    edit()
    g3 = DocBits(reopen(ix, s2), previous=g2)  # g2's bitsets (with its numbering) handed on to the same store

    full_reads = []
    original = DocBits._postings

    def counting(self, fieldname, text, leaves):
        if leaves is None:
            full_reads.append((getattr(self, "serial", None), fieldname, text))
        return original(self, fieldname, text, leaves)

    monkeypatch.setattr(DocBits, "_postings", counting)
    carried_early = g1.term(*early)  # the request on g1: carried from g0's entry
    assert full_reads == []
    read_late = g1.term(*late)  # g2's entry is not usable here
    assert full_reads == [(1, *late)]
    monkeypatch.setattr(DocBits, "_postings", original)
    fresh1 = DocBits(s1)
    assert carried_early == fresh1.term(*early)
    assert read_late == fresh1.term(*late)
    assert g3.term(*early) == DocBits(g3.searcher).term(*early)
    assert g3.term(*late) == DocBits(g3.searcher).term(*late)


def test_reopen_reuses_unchanged_segments_with_their_new_deletions(tmp_path):
    rng = random.Random(5)
    ix = whoosh_index.create_in(str(tmp_path), SCHEMA, indexname=INDEX_NAME)
    write(ix, {i: doc(i, rng) for i in range(1, 31)})
    searcher = ix.searcher()
    [(big, _)] = list(searcher.reader().leaf_readers()) if not hasattr(searcher.reader(), "readers") else \
        [(searcher.reader().readers[0], 0)]
    write(ix, {5: doc(5, rng)})  # the old version of 5 is deleted in the first segment
    searcher = reopen(ix, searcher)
    first, offset = list(searcher.reader().leaf_readers())[0]
    assert first._terms is big._terms  # the open files are shared, not read again
    assert first.is_deleted(4) and not big.is_deleted(4)  # ... with the new deletion set
    assert searcher.up_to_date() and searcher.doc_count() == 30
    assert {searcher.stored_fields(d)["iid"] for d in searcher.reader().all_doc_ids()} == set(range(1, 31))


def test_the_usual_pattern_one_large_segment_and_merged_small_ones_at_its_end(tmp_path):
    """As in production: one built segment, then one small commit per edit (MERGE_SMALL merges the small ones behind
    the large one, which keeps its numbers; a merge compacts the small ones' deleted versions away)."""
    rng = random.Random(11)
    ix = whoosh_index.create_in(str(tmp_path), SCHEMA, indexname=INDEX_NAME)
    write(ix, {i: doc(i, rng) for i in range(1, 81)}, optimize=True)
    table = Table().derived(set(range(1, 81)))
    searcher = ix.searcher()
    bits = DocBits(searcher)
    docmap = DocMap.build(searcher.reader(), table)
    for term in TERMS:
        bits.term(*term)
    in_place_merges = 0
    for n in range(14):
        iid = (3, 9, 3, 40, 9, 3)[n % 6]  # the same few again: their previous new versions die in small segments
        write(ix, {iid: doc(iid, rng)})
        searcher = reopen(ix, searcher)
        new_bits = DocBits(searcher, previous=bits)
        carry = new_bits.layout.carry_from(bits.layout)
        in_place_merges += bool(carry.moves and carry.in_place and carry.new.parts and
                                len(carry.moves) < len(carry.old.parts))
        bits = new_bits
        docmap = docmap.updated(searcher.reader(), table)
        fresh = ix.searcher()
        fresh_bits = DocBits(fresh)
        for term in TERMS:
            assert bits.term(*term) == fresh_bits.term(*term), (n, term)
        same_map(docmap, DocMap.build(fresh.reader(), table))
        fresh.close()
    assert in_place_merges, "MERGE_SMALL should have merged small segments behind the large one"


def test_an_older_generation_stays_searchable_after_reopen_and_merges(tmp_path):
    """The follower thread reopens beside requests: a request still holding the previous searcher must finish."""
    rng = random.Random(8)
    ix = whoosh_index.create_in(str(tmp_path), SCHEMA, indexname=INDEX_NAME)
    write(ix, {i: doc(i, rng) for i in range(1, 21)}, optimize=True)
    searcher = ix.searcher()
    held = []
    for n in range(7):  # small segments, then MERGE_SMALL merges them away
        write(ix, {n + 1: doc(n + 1, rng)})
        held.append(searcher)
        searcher = reopen(ix, searcher)
    assert any(len(list(s.reader().leaf_readers())) > len(list(searcher.reader().leaf_readers())) for s in held)
    for old in held:
        bits = DocBits(old)
        assert bits.term("words", "jobcoach") == DocBits(old).term("words", "jobcoach")
        assert old.doc_count() == 20 and len(list(old.documents())) == 20


def test_the_term_cache_is_bounded_in_bytes(tmp_path):
    rng = random.Random(2)
    ix = whoosh_index.create_in(str(tmp_path), SCHEMA, indexname=INDEX_NAME)
    write(ix, {i: doc(i, rng) for i in range(1, 2001)}, optimize=True)  # bitsets of 250 bytes
    bits = DocBits(ix.searcher(), max_bytes=1000)
    for word in WORDS:
        bits.term("words", word)
    assert 0 < bits.nbytes <= 1000 and len(bits._cache) <= 4


def test_a_map_of_an_older_table_ignores_instruments_a_derived_table_added(tmp_path):
    """A request still on the previous table while the follower applies an edit that adds an instrument: the shared
    position already holds the new ordinal (beyond the old table's size), and the index may already hold its
    document. The old table's map leaves that document unplaced instead of failing (IndexError)."""
    rng = random.Random(5)
    ix = whoosh_index.create_in(str(tmp_path), SCHEMA, indexname=INDEX_NAME)
    write(ix, {i: doc(i, rng) for i in range(1, 21)}, optimize=True)
    old = Table().derived(set(range(1, 21)))
    searcher = ix.searcher()
    before = DocMap.build(searcher.reader(), old)
    write(ix, {21: doc(21, rng)})  # the follower writes the new instrument ...
    new = old.derived(set(range(1, 22)))  # ... and derives the next table from the shared ids and positions
    searcher = reopen(ix, searcher)
    for docmap in (DocMap.build(searcher.reader(), old), before.updated(searcher.reader(), old)):
        assert docmap.size == 20 and len(docmap.docs_of) == 20
        assert 21 in docmap.unplaced and all(o < 20 for o in docmap.ords)
    fresh = DocMap.build(searcher.reader(), new)
    assert fresh.size == 21 and 21 not in fresh.unplaced


def test_merging_small_segments_keeps_the_built_one_first(tmp_path):
    """whoosh's MERGE_SMALL returns the segments it keeps sorted by size, so after a bulk import and some edits a
    smaller segment stood before the built one and every document was renumbered; catalogue.search.index.merge_small_in_order
    keeps their order (the built one keeps its numbers through every merge)."""
    from catalogue.search.index import merge_small_in_order

    def first_is_built(policy) -> bool:
        rng = random.Random(5)
        path = tmp_path / policy.__name__
        path.mkdir()
        ix = whoosh_index.create_in(str(path), SCHEMA, indexname=INDEX_NAME)
        write(ix, {i: doc(i, rng) for i in range(1, 201)}, optimize=True)
        write(ix, {i: doc(i, rng) for i in range(300, 330)}, merge=policy)  # a bulk import: a middle-sized segment
        for n in range(60):
            iid = 1 + (n * 7) % 25
            write(ix, {iid: doc(iid, rng)}, merge=policy)
            if ix._segments()[0].doc_count_all() < 200:
                return False
        return True

    assert not first_is_built(MERGE_SMALL)  # what happened at 100,000 instruments
    assert first_is_built(merge_small_in_order)


def test_matches_any_reads_the_documents_own_small_segments_and_agrees_with_the_bitsets(tmp_path):
    """The reach check after an edit (reach.still_valid) asks whether the edited documents contain a word of the query:
    read in their own (small) segments it must say what the whole-index bitsets say, for terms and phrases, and for
    documents in the large built segment (then the bitsets are used)."""
    rng = random.Random(31)
    ix = whoosh_index.create_in(str(tmp_path), SCHEMA, indexname=INDEX_NAME)
    docs = {iid: doc(iid, rng) for iid in range(1, 61)}
    write(ix, docs, optimize=True)
    for n in range(8):  # edits: new versions in small segments behind the built one
        iid = rng.choice(sorted(docs))
        docs[iid] = doc(iid, rng)
        write(ix, {iid: docs[iid]}, merge=lambda w, s: s if n % 3 else MERGE_SMALL(w, s))
    searcher = ix.searcher()
    bits = DocBits(searcher)
    live = positions(bits.live, bits.size)
    assert len(list(searcher.reader().leaf_readers())) > 1
    queries = [wq.Term(*t) for t in TERMS] + PHRASES + [wq.Or([wq.Term("words", "premie"), PHRASES[1]]),
                                                       wq.Or([wq.Term("words", "ontbreekt")])]
    checked = {"small": 0, "large": 0}
    for q in queries:
        found = bits.evaluate(wq.Or(list(q.leaves())) if not q.is_leaf() else q)
        for _ in range(25):
            chosen = rng.sample(live, rng.randrange(1, 4))
            expected = any(found >> d & 1 for d in chosen)
            assert bits.matches_any(q, chosen) == expected, (q, chosen)
            assert bits.matches_any(q, chosen, small=0) == expected  # every segment "large": the bitsets' answer
            checked["small" if min(chosen) >= 60 else "large"] += 1
    assert checked["small"] and checked["large"]
    assert not bits.matches_any(queries[0], [])


def test_live_statistics_equal_a_fresh_index_of_the_same_documents(tmp_path):
    """BM25F's statistics over the live documents (catalogue/search/scoring.py) are those whoosh computes on an index
    built anew from the same documents (no deleted ones), whatever the edit and merge history, so nodes rank alike
    before they merge; live field lengths are carried per segment through more deletions."""
    from catalogue.search.scoring import LiveStats

    rng = random.Random(41)
    (tmp_path / "edited").mkdir()
    ix = whoosh_index.create_in(str(tmp_path / "edited"), SCHEMA, indexname=INDEX_NAME)
    docs = {iid: doc(iid, rng) for iid in range(1, 81)}
    write(ix, docs, optimize=True)
    searcher = ix.searcher()
    bits = DocBits(searcher)
    for n in range(12):
        iid = rng.choice(sorted(docs))
        if n % 4 == 3:
            write(ix, {}, deletes=[iid])
            del docs[iid]
        else:
            docs[iid] = doc(iid, rng)
            write(ix, {iid: docs[iid]}, merge=lambda w, s: s if n % 3 else MERGE_SMALL(w, s))
        searcher = reopen(ix, searcher)
        bits = DocBits(searcher, previous=bits)
        bits.live_field_length("summary")  # computed per generation: the deleted documents' lengths are carried
    (tmp_path / "fresh").mkdir()
    fresh_ix = whoosh_index.create_in(str(tmp_path / "fresh"), SCHEMA, indexname=INDEX_NAME)
    write(fresh_ix, docs, optimize=True)
    fresh = fresh_ix.searcher()
    stats = LiveStats(bits)
    assert stats.count == fresh.doc_count_all() == len(docs)
    assert searcher.doc_count_all() > len(docs)  # whoosh's own count still includes the deleted versions
    for fieldname in ("summary", "name"):
        assert bits.live_field_length(fieldname) == fresh.field_length(fieldname)
        assert stats.avgfl(fieldname) == round(fresh.avg_field_length(fieldname), 1)
    for fieldname, text in TERMS:
        assert abs(stats.idf(fieldname, text) - fresh.idf(fieldname, text)) < 1e-12, (fieldname, text)
    fresh.close()


def test_from_positions_equals_the_sum_of_its_bits_sparse_or_dense_from_any_iterable():
    import random
    from array import array

    rng = random.Random(5)
    for nbits in (1, 7, 8, 9, 64, 1000, 100_000):
        for count in (0, 1, 2, 3, 40, nbits // 10, nbits):
            chosen = rng.sample(range(nbits), min(count, nbits))
            expected = sum(1 << o for o in set(chosen))
            for given in (chosen, tuple(chosen), array("i", chosen), set(chosen), iter(chosen), (o for o in chosen)):
                assert from_positions(given, nbits) == expected
            assert positions(from_positions(chosen, nbits), nbits) == sorted(set(chosen))
    assert from_positions([99_999, 99_998, 99_999], 100_000) == 3 << 99_998  # repeated, unsorted, at the end
