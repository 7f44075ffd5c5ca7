"""Small segments merged in the background (catalogue/search/merging.py): an edit's commit merges nothing, a merger
process at idle priority merges, and the result is swapped in only while its sources are unchanged. On a real whoosh
index in a temporary directory, with the real merger process."""
from __future__ import annotations

import os
import time

import pytest
from whoosh.query import Term

from catalogue.search import merging
from catalogue.search.index import IndexStore, make_document
from catalogue.search.segments import reopen


def doc(iid: int, word: str) -> dict:
    return make_document(id=iid, name=f"Instrument {word}", kind="jobcoaching", kind_en=None,
                         summary=f"Samenvatting {word}", description=f"Beschrijving {word}", conditions=None,
                         how_to_apply=None, amount_note=None, legal_basis=None, provider="UWV", places=[], tags=[],
                         translations=None)


@pytest.fixture
def store(tmp_path):
    store = IndexStore(tmp_path / "index")
    store.build([doc(i, f"begin{i}") for i in range(1, 41)])
    yield store
    store.stop_merging()


def segments(store) -> list[int]:
    ix = store.open()
    try:
        return [s.doc_count_all() for s in ix._segments()]
    finally:
        ix.close()


def found(store, fieldname: str, word: str) -> list[int]:
    ix = store.open()
    try:
        with ix.searcher() as searcher:
            return sorted(hit["iid"] for hit in searcher.search(Term(fieldname, word), limit=None))
    finally:
        ix.close()


def settle(store, timeout: float = 30.0) -> None:
    """Until the merger has nothing under way or waiting (swapping each result in, as the writer's idle rounds do)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        store.apply_merge()
        if not store.merger.busy and not store.merger.ready():
            return
        time.sleep(0.05)
    raise AssertionError("the merger did not finish")


class _Segment:
    def __init__(self, documents: int):
        self.documents = documents

    def doc_count_all(self) -> int:
        return self.documents


@pytest.mark.parametrize("sizes, expected", [
    ([1000, 1, 1, 1], None),  # three small ones: not yet
    ([1000, 1, 1, 1, 1], [1, 1, 1, 1]),
    ([1000, 16, 5, 4, 1, 1, 1, 2], [1, 1, 1, 2]),  # the lowest level with four
    ([1000, 4, 4, 4, 1, 4], [4, 4, 4, 4]),  # not necessarily next to each other
    ([1000, 1000, 1000, 1000, 1000], [1000, 1000, 1000, 1000]),  # the built one (first) never
    ([5, 1, 1, 1], None),
    ([10] + [1] * 12, [1] * 8),  # at most twice the factor at once
])
def test_choose_merges_factor_segments_of_one_level_and_never_the_built_one(sizes, expected):
    chosen = merging.choose([_Segment(n) for n in sizes])
    assert (None if chosen is None else [s.documents for s in chosen]) == expected


def test_edits_commit_without_merging_and_an_idle_priority_process_merges_them(store):
    store.merge_in_background()
    for n in range(1, 4):
        assert store.write({n: doc(n, f"bewerkt{n}")}, set())
    assert segments(store) == [40, 1, 1, 1]  # three edits, three segments: no merge yet
    assert store.write({4: doc(4, "bewerkt4")}, set())
    assert segments(store) == [40, 1, 1, 1, 1]  # the commit did not merge; the merger has started
    process = store.merger._process
    assert process is not None
    deadline = time.monotonic() + 10
    while os.sched_getscheduler(process.pid) != os.SCHED_IDLE:  # set by the process itself as it starts
        assert time.monotonic() < deadline
        time.sleep(0.01)
    settle(store)
    assert segments(store) == [40, 4] and store.merger.merged == 1
    for n in range(5, 21):  # more edits, some of the same instruments again
        assert store.write({n % 7 + 1: doc(n % 7 + 1, f"nogmaals{n}")}, set())
        settle(store)
    assert len(segments(store)) <= 1 + 2 * (merging.FACTOR - 1)
    ix = store.open()
    try:
        with ix.searcher() as searcher:
            assert searcher.doc_count() == 40
            for iid in range(1, 41):  # every instrument exactly once, with its last text
                assert len(searcher.search(Term("key", str(iid)), limit=None)) == 1
    finally:
        ix.close()
    assert found(store, "words", "nogmaals20") == [20 % 7 + 1]
    assert found(store, "words", "bewerkt1") == []  # replaced since
    assert found(store, "words", "begin30") == [30]
    assert os.listdir(store.current_path() / merging.WORKDIR) == []  # every result moved in or removed
    store.stop_merging()
    assert process.poll() is not None  # the merger process has ended


def _wait_ready(store, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not store.merger.ready():  # merged, not swapped in yet
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_a_merge_whose_source_lost_a_document_meanwhile_is_swapped_in_with_that_deletion(store):
    store.merge_in_background()
    for n in range(1, 5):
        store.write({n: doc(n, f"eerst{n}")}, set())
    _wait_ready(store)
    store.write({2: doc(2, "daarna")}, set())  # deletes instrument 2 in one of the merged sources
    assert store.merger.merged == 1 and store.merger.dropped == 0  # kept, not merged again
    assert segments(store) == [40, 4, 1]
    assert found(store, "words", "daarna") == [2] and found(store, "words", "eerst2") == []
    assert found(store, "words", "eerst3") == [3] and found(store, "key", "2") == [2]
    ix = store.open()
    try:
        assert ix.doc_count() == 40 and [s.deleted_count() for s in ix._segments()][1] == 1
    finally:
        ix.close()
    assert os.listdir(store.current_path() / merging.WORKDIR) == []


def test_a_later_deletion_lands_on_the_merged_number_of_its_document_after_earlier_deletions(store):
    """Sources with documents deleted before the merge began: the merged segment numbers only the live ones."""
    store.merge_in_background()
    for n in range(1, 4):
        store.write({n: doc(n, f"eerst{n}")}, set())
    store.write({1: doc(1, "opnieuw")}, set())  # instrument 1's first segment is all deleted: a source with no live one
    _wait_ready(store)
    store.write({3: doc(3, "later")}, set())  # the third source's only document, merged as number 1 (after 2)
    assert store.merger.merged == 1 and store.merger.dropped == 0
    for word, expected in (("eerst2", [2]), ("opnieuw", [1]), ("later", [3]), ("eerst3", []), ("eerst1", [])):
        assert found(store, "words", word) == expected, word
    ix = store.open()
    try:
        assert ix.doc_count() == 40
        with ix.searcher() as searcher:
            for iid in range(1, 41):  # every instrument exactly once
                assert len(searcher.search(Term("key", str(iid)), limit=None)) == 1, iid
    finally:
        ix.close()


class _Source:
    def __init__(self, documents: int, deleted=()):
        self.documents, self.deleted = documents, set(deleted)

    def doc_count_all(self) -> int:
        return self.documents

    def deleted_docs(self):
        return iter(self.deleted)


def test_later_deletions_count_only_the_documents_live_when_the_merge_began():
    job = merging.Job("folder", ("a", "b", "c"), (frozenset({1}), frozenset(), frozenset({0, 2})))
    now = [_Source(4, {1, 3}), _Source(3, {0}), _Source(5, {0, 2, 4})]
    # live then: a 0, 2, 3 (merged 0-2); b 0-2 (merged 3-5); c 1, 3, 4 (merged 6-8)
    assert merging.later_deletions(job, now) == [2, 3, 8]
    assert merging.later_deletions(job, [_Source(4, {1}), _Source(3), _Source(5, {0, 2})]) == []


def test_a_reader_reopening_after_a_swapped_in_merge_finds_the_same_documents(store):
    store.merge_in_background()
    ix = store.open()
    searcher = ix.searcher()
    for n in range(1, 5):
        store.write({n: doc(n, f"lezer{n}")}, set())
        searcher = reopen(ix, searcher)
    settle(store)
    searcher = reopen(ix, searcher)  # as a worker's follower opens the merged generation
    assert [s.doc_count_all() for s in ix._segments()] == [40, 4]
    assert sorted(h["iid"] for h in searcher.search(Term("words", "samenvatting"), limit=None)) \
        == list(range(1, 41))
    assert sorted(h["iid"] for h in searcher.search(Term("words", "lezer3"), limit=None)) == [3]
    ix.close()


def test_when_the_merger_falls_behind_the_commit_merges_inline(store, monkeypatch):
    store.merge_in_background()
    monkeypatch.setattr(merging, "MAX_SEGMENTS", 6)
    monkeypatch.setattr(merging.Merger, "submit", lambda self, *args: False)  # a merger that never gets the CPU
    for n in range(1, 16):
        store.write({n: doc(n, f"achter{n}")}, set())
        assert len(segments(store)) <= 1 + 6 + 1
    assert found(store, "words", "achter15") == [15] and found(store, "words", "achter1") == [1]


def test_without_a_merger_the_commit_merges_small_segments_itself(store):
    for n in range(1, 12):
        store.write({n: doc(n, f"zelf{n}")}, set())
    assert len(segments(store)) < 1 + 11  # whoosh's MERGE_SMALL (kept in order) inside the commits
    assert store.merger is None and not (store.current_path() / merging.WORKDIR).exists()


def test_after_a_quiet_minute_everything_is_merged_at_idle_priority_unless_an_edit_comes(store):
    store.merge_in_background()
    for n in range(1, 4):
        store.write({n: doc(n, f"stil{n}")}, set())
    assert store.optimize_in_background()
    assert store.merger.optimizing()
    settle(store)
    ix = store.open()
    try:
        assert [(s.doc_count_all(), s.deleted_count()) for s in ix._segments()] == [(40, 0)]  # one, nothing deleted
    finally:
        ix.close()
    assert not store.optimize_in_background()  # nothing left to merge
    assert found(store, "words", "stil2") == [2] and found(store, "words", "begin9") == [9]

    store.write({5: doc(5, "weer")}, set())
    assert store.optimize_in_background()
    first, merged = store.merger._process, store.merger.merged
    store.write({6: doc(6, "tussendoor")}, set())  # an edit: the merge of everything is abandoned (or, if it was
    # finished already, swapped in with instrument 6's old version deleted in it)
    assert not store.merger.optimizing()
    swapped = store.merger.merged == merged + 1
    assert swapped or first.poll() is not None
    settle(store)
    assert found(store, "words", "tussendoor") == [6] and found(store, "words", "weer") == [5]
    assert found(store, "key", "6") == [6] and len(segments(store)) == (2 if swapped else 3)


def test_an_answer_counts_only_for_the_job_it_answers():
    """A merger process ended by close() may still answer after a new one took the next job: only the answer with the
    job's number is taken (another would swap in a segment of other sources)."""
    import io
    import json

    merger = merging.Merger("instruments")
    merger._pending = merging.Job("/index", ("b",), (frozenset(),), False, 2)

    class Process:
        stdout = io.StringIO(json.dumps({"number": 1, "error": "an old job"}) + "\n" + '{"number": 2, "err'
                             + "\n" + json.dumps({"number": 2, "error": "this job"}) + "\n")

    process = Process()
    merger._process = process
    merger._read(process)
    assert merger._result is not None and merger._result.job.number == 2 and merger._result.segment is None
    assert not merger.busy


def test_a_merge_abandoned_by_close_is_merged_again_by_the_next_process(store):
    store.merge_in_background()
    for n in range(1, 5):
        store.write({n: doc(n, f"opnieuw{n}")}, set())
    store.merger.close()  # as an edit abandons a merge of everything (under way, usually: the process just started)
    assert not store.merger.busy
    store.write({5: doc(5, "opnieuw5")}, set())  # chooses again and starts a new merger process
    settle(store)
    assert store.merger.merged >= 1
    assert [found(store, "words", f"opnieuw{n}") for n in range(1, 6)] == [[n] for n in range(1, 6)]
    assert found(store, "words", "samenvatting") == list(range(1, 41))


def test_a_reader_whose_generation_lost_a_file_to_the_next_commit_reads_the_newer_one(store, monkeypatch):
    """A worker's follower reads the TOC, then the writer commits a merge and deletes a segment that TOC names before
    the worker opens it: the reopen reads the TOC again instead of failing the request (FileNotFoundError)."""
    ix = store.open()
    searcher = ix.searcher()
    store.write({1: doc(1, "verdwenen1")}, set())
    stale = ix._read_toc()  # names the new one-document segment, not yet opened by this reader
    gone = {s.segment_id() for s in stale.segments[1:]}  # (the first is the built one)
    for n in range(2, 12):  # without a merger these commits merge small segments inline and delete their files
        store.write({n: doc(n, f"verdwenen{n}")}, set())
    assert gone and not gone & {s.segment_id() for s in ix._read_toc().segments}
    reads = []
    real = type(ix)._read_toc

    def read_toc(self):
        reads.append(1)
        return stale if len(reads) == 1 else real(self)

    monkeypatch.setattr(type(ix), "_read_toc", read_toc)
    searcher = reopen(ix, searcher)
    assert len(reads) == 2
    assert sorted(h["iid"] for h in searcher.search(Term("words", "samenvatting"), limit=None)) == list(range(1, 41))
    assert [h["iid"] for h in searcher.search(Term("words", "verdwenen11"), limit=None)] == [11]
    ix.close()
