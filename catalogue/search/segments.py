"""Reopening the whoosh index after an incremental write, and carrying document numbers from one generation to the next.

An incremental write (`IndexStore.write`: one edit) adds a small segment and records deletions in existing segments;
small segments are merged now and then (`merging.py`: by a merger process at idle priority for the node's index writer,
whoosh's MERGE_SMALL inside the commit elsewhere); the large segment of the last build keeps its documents.
`reopen` opens the new generation reusing the readers of every segment that is still there (same segment id and size;
only its deletion set is new), so a write no longer reopens and re-reads the whole index. `Layout` records where each
segment's documents are numbered (whoosh numbers them segment after segment), and `Carry` maps a bitset over the old
generation's numbers onto the new one's: documents of kept segments move with their segment (usually not at all), those
of merged-away segments disappear, and the documents of new segments (`fresh`) are what the caller reads anew. Nothing
here costs more than the number of segments and of deleted documents, except reading the new segments themselves.
"""
from __future__ import annotations

import copy
import time
from dataclasses import dataclass

from whoosh.reading import MultiReader, SegmentReader
from whoosh.searching import Searcher


def _mask(length: int, offset: int = 0) -> int:
    return ((1 << length) - 1) << offset


@dataclass(frozen=True)
class Part:
    segid: str
    offset: int
    length: int  # documents, deleted ones included
    deleted: frozenset[int]  # segment-relative


@dataclass(frozen=True)
class Layout:
    parts: tuple[Part, ...]
    size: int  # doc_count_all

    @classmethod
    def of(cls, reader) -> "Layout":
        parts = []
        for leaf, offset in reader.leaf_readers():
            segment = leaf.segment() if hasattr(leaf, "segment") else None
            segid = segment.segment_id() if segment is not None else f"?{id(leaf)}"
            parts.append(Part(segid, offset, leaf.doc_count_all(), frozenset(leaf.deleted_docs_set)
                              if hasattr(leaf, "deleted_docs_set") else frozenset(_deleted(leaf))))
        return cls(tuple(parts), reader.doc_count_all())

    def dead(self) -> list[int]:
        """The document numbers that are deleted."""
        return [p.offset + d for p in self.parts for d in p.deleted]

    def carry_from(self, old: "Layout") -> "Carry":
        before = {p.segid: p for p in old.parts}
        moves, fresh = [], []
        for index, part in enumerate(self.parts):
            previous = before.get(part.segid)
            if previous is not None and previous.length == part.length:
                moves.append((previous.offset, part.offset, part.length, previous.deleted, part.deleted))
            else:
                fresh.append(index)
        return Carry(old, self, tuple(moves), tuple(fresh))


def _deleted(leaf):
    return [d for d in range(leaf.doc_count_all()) if leaf.is_deleted(d)] if leaf.has_deletions() else []


@dataclass(frozen=True)
class Carry:
    """From one generation's document numbers to the next one's."""
    old: Layout
    new: Layout
    moves: tuple[tuple[int, int, int, frozenset, frozenset], ...]  # (old offset, new offset, length, old/new deleted)
    fresh: tuple[int, ...]  # indexes into new.parts of segments to read anew

    @property
    def in_place(self) -> bool:
        """Every kept segment keeps its numbers (the usual case: the large segment stays first)."""
        return all(old == new for old, new, *_ in self.moves)

    def kept(self) -> int:
        """Bitset (new numbers) of the documents of kept segments."""
        bits = 0
        for _, new, length, _, _ in self.moves:
            bits |= _mask(length, new)
        return bits

    def bits(self, old_bits: int) -> int:
        """`old_bits` renumbered: documents of kept segments only (the caller masks the new deletions and adds what the
        fresh segments hold)."""
        if self.in_place:
            return old_bits & self.kept()
        out = 0
        for old, new, length, _, _ in self.moves:
            out |= ((old_bits >> old) & _mask(length)) << new
        return out

    def newly_deleted(self) -> list[int]:
        """New numbers of the documents of kept segments deleted since the old generation."""
        return sorted(new + d for _, new, _, before, after in self.moves for d in after - before)


REOPEN_ATTEMPTS = 20


def reopen(ix, searcher: Searcher | None) -> Searcher:
    """A searcher of the index's latest generation that reuses `searcher`'s readers of unchanged segments (their
    deletions replaced; None: open everything). Nothing is closed: a request may still be searching the old generation
    (the follower thread reopens beside requests); readers of segments no longer in the index are released when the
    last searcher holding them is dropped (their files are gone from the directory already).

    The writer deletes a replaced generation's files at its next commit: one that lands between reading the TOC and
    opening a new segment of it (a merge swapped in) removes a file this generation names. The TOC is then read again
    (a newer generation is there), as whoosh's own FileIndex.reader does."""
    for attempt in range(REOPEN_ATTEMPTS):
        try:
            return _reopened(ix, ix._read_toc(), searcher)
        except FileNotFoundError:
            if attempt == REOPEN_ATTEMPTS - 1:
                raise
            time.sleep(0.005 * (attempt + 1))


def _reopened(ix, toc, searcher: Searcher | None) -> Searcher:
    old = {}
    if searcher is not None:
        for leaf, _ in searcher.reader().leaf_readers():
            if isinstance(leaf, SegmentReader):
                old[leaf.segment().segment_id()] = leaf
    readers = []
    for segment in toc.segments:
        previous = old.get(segment.segment_id())
        if previous is not None and previous.doc_count_all() == segment.doc_count_all():
            readers.append(_with_segment(previous, segment, toc.generation))
        else:
            readers.append(SegmentReader(ix.storage, toc.schema, segment, generation=toc.generation))
    if len(readers) == 1:
        reader = readers[0]
    else:
        reader = MultiReader(readers, generation=toc.generation)
    return Searcher(reader, fromindex=ix)


def _with_segment(reader: SegmentReader, segment, generation) -> SegmentReader:
    """The reader with the new segment object (its deletion set), sharing the open files."""
    out = copy.copy(reader)
    out.__dict__.pop("deleted_docs_set", None)  # a cached_property of the old deletions
    out._segment = segment
    out._gen = generation
    perdoc = copy.copy(reader._perdoc)
    perdoc._segment = segment
    out._perdoc = perdoc
    return out
