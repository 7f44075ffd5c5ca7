"""Evaluating a whoosh query as bitsets over document numbers, with a per-searcher cache of each term's postings.

whoosh's matchers walk postings one document at a time in Python, which costs ~0.1 ms per 10 matching documents for a
query expanded over seven fields and a synonym group. Here every (field, term) becomes an int bitset once per searcher
generation; And/Or/AndNot are then single big-int operations. Phrases and anything unusual fall back to whoosh.

After an incremental write the next generation's `DocBits` takes over what earlier generations computed: a term's
bitset is the old one renumbered (`segments.Carry`: kept segments keep their documents), minus the new deletions, plus
the term's postings in the new segments only; so an edit costs a few big-int operations per term instead of re-reading
its postings. Carrying is lazy, when a search asks, and reaches back over any number of generations: each carried-over
bitset keeps the layout it is numbered in, and `Layout.carry_from` maps that layout straight onto the current one. (With
one edit per second, the terms a search asks only every minute were otherwise read anew each time.) The caches are
bounded in entries and in bytes (a bitset is as wide as the index: 12.5 kB at 100,000); the generations of one index
share one lock, as the follower hands a cache over while requests still use it.
"""
from __future__ import annotations

import bisect
import re
import threading
from array import array

from whoosh import query as wq
from whoosh.codec.whoosh3 import W3LeafMatcher

from ..lru import ByteLRU
from .scoring import LiveStats
from .segments import Layout

SMALL_SEGMENT = 2000  # documents: a segment this small is read per document (matches_any), not as a whole bitset
WORDS_SEGMENT = 64  # documents: a segment this small keeps the set of its terms for matches_any (an edit's segment)
BIT_POSITIONS = tuple(tuple(i for i in range(8) if byte >> i & 1) for byte in range(256))
_NONZERO = re.compile(rb"[^\x00]")


def positions(bits: int, nbits: int) -> list[int]:
    """Indexes of the set bits, ascending."""
    out: list[int] = []
    if not bits:
        return out
    raw = bits.to_bytes((nbits + 7) // 8 or 1, "little")
    if bits.bit_count() * 16 < len(raw):  # sparse: let the regex engine find the non-zero bytes
        for match in _NONZERO.finditer(raw):
            index = match.start()
            base = index * 8
            out.extend(base + i for i in BIT_POSITIONS[raw[index]])
        return out
    for index, byte in enumerate(raw):
        if byte:
            base = index * 8
            out.extend(base + i for i in BIT_POSITIONS[byte])
    return out


def from_positions(items, nbits: int) -> int:
    """The bitset of these indexes (each below `nbits`). Only the bytes from the lowest to the highest are built and
    the result shifted into place: a term's postings in the one-document segments of recent edits, or a few changed
    ordinals, cost a few bytes instead of a buffer of the whole index (12.5 kB at 100,000) and its conversion; no
    indexes at all (a term that is not in the fresh segments: most of them) cost nothing."""
    if not isinstance(items, (list, tuple, array)):
        items = list(items)
    if not items:
        return 0
    if len(items) * 64 < nbits:  # sparse: the span between the lowest and the highest only
        base = min(items) & ~7
        buffer = bytearray(((max(items) - base) >> 3) + 1)
        for o in items:
            o -= base
            buffer[o >> 3] |= 1 << (o & 7)
        return int.from_bytes(buffer, "little") << base
    buffer = bytearray((nbits + 7) // 8 or 1)
    for o in items:
        buffer[o >> 3] |= 1 << (o & 7)
    return int.from_bytes(buffer, "little")


def _nbytes(bits: int) -> int:
    return (bits.bit_length() + 7) // 8


def _term_ids(reader, fieldname: str, text, leaves=None):
    """The document numbers of a term's postings (deleted ones included: the caller masks them), read a block at a time
    from whoosh's on-disk matcher instead of one matcher step per document; other matchers are walked as usual.
    `leaves`: only these (leaf reader, offset) pairs of the reader."""
    btext = reader._text_to_bytes(fieldname, text) if hasattr(reader, "_text_to_bytes") else text
    for leaf, offset in reader.leaf_readers() if leaves is None else leaves:
        if (fieldname, btext) not in leaf:
            continue
        terms = getattr(leaf, "_terms", None)
        matcher = terms.matcher(fieldname, btext, leaf.schema[fieldname].format) if terms is not None else None
        if isinstance(matcher, W3LeafMatcher):
            while matcher.is_active():
                matcher._read_ids()
                yield from (offset + i for i in matcher._ids) if offset else matcher._ids
                matcher._next_block()
        else:
            yield from (offset + i for i in leaf.postings(fieldname, btext).all_ids())


class DocBits:
    """Bitsets over one searcher's document numbers; `previous`: the DocBits of an earlier generation of the same index,
    whose cached bitsets are carried over (see the module's docstring)."""

    def __init__(self, searcher, max_terms: int = 5000, max_bytes: int = 16 * 2**20, previous: "DocBits | None" = None):
        self.searcher = searcher
        self.reader = searcher.reader()
        self.layout = Layout.of(self.reader)
        self.size = self.layout.size
        self.live = ((1 << self.size) - 1) & ~from_positions(self.layout.dead(), self.size)
        self._cache = ByteLRU(max_bytes, max_terms, cost=_nbytes)
        self._lock = threading.Lock() if previous is None else previous._lock
        self._older: ByteLRU | None = None  # key -> (layout, bitset, serial) of earlier generations, not asked for yet
        self._handed: ByteLRU | None = None  # `_older` as handed on to the next generation (see _hand_over)
        self.serial = 0 if previous is None else previous.serial + 1  # generations of this lineage, in order
        self._carries: dict[int, tuple] = {}  # id(layout) -> (layout, Carry, fresh leaves, fresh subsearchers)
        self._field_lengths: dict[str, int] = {}  # field -> total length over the live documents
        # (segment id, field) -> (its deleted documents, their summed length): handed on, a segment's deletions only grow
        self._dead_lengths: dict[tuple, tuple] = {} if previous is None else previous._dead_lengths
        # small segment id -> its terms as (field, bytes) (_segment_words): handed on, a segment's terms never change
        self._words: dict[str, frozenset] = {} if previous is None else previous._words
        self._bytes: dict[tuple, tuple] = {} if previous is None else previous._bytes  # (field, text) -> _term_bytes
        self._stats = None
        if previous is not None and previous.searcher is not searcher:
            self._older = previous._hand_over(max_bytes, max_terms)

    def _hand_over(self, max_bytes: int, max_terms: int) -> ByteLRU:
        """What the next generation may carry: this generation's bitsets (the most recently used last) after what
        it had not carried itself yet. The follower hands over while requests are still searching this generation
        (at 100,000 instruments about five per worker when an edit lands): they still carry from the same store,
        reading without taking entries out and only from earlier generations (`_handed`), and what they compute
        from then on goes there too, for the next generation. (Before, they read every term they had not cached
        from the whole index: the largest share of what an edit stream added to uncached searches.)"""
        with self._lock:
            older = self._older if self._older is not None else \
                ByteLRU(max_bytes, max_terms, cost=lambda entry: _nbytes(entry[1]))
            self._older = None
            for key, bits in self._cache.items():
                older.put(key, (self.layout, bits, self.serial))
            self._handed = older
            return older

    def _carried(self, key):
        """The key's bitset from an earlier generation, renumbered for this one and without this one's deletions, and
        the carry it came by (its `fresh` segments still have to be read); None when no generation has it."""
        with self._lock:
            if self._older is not None:
                entry = self._older.pop(key)
            elif self._handed is not None:  # handed on: a request still searching this generation
                entry = self._handed.get(key)
                if entry is not None and entry[2] >= self.serial:
                    entry = None  # numbered by this generation or a later one: it cannot be carried back
            else:
                entry = None
        if entry is None:
            return None
        layout, old, _ = entry
        carried = self._carries.get(id(layout))
        if carried is None or carried[0] is not layout:
            carry = self.layout.carry_from(layout)
            leaves = list(self.reader.leaf_readers())
            subsearchers = self.searcher.subsearchers
            carried = (layout, carry, [leaves[i] for i in carry.fresh],
                       [subsearchers[i] for i in carry.fresh] if subsearchers else None)
            self._carries[id(layout)] = carried
        _, carry, fresh, fresh_searchers = carried
        return carry.bits(old) & self.live, fresh, fresh_searchers

    @property
    def nbytes(self) -> int:
        """What the cached bitsets hold (about; the Python int headers aside)."""
        return self._cache.nbytes

    def _cached(self, key, compute) -> int:
        with self._lock:
            value = self._cache.get(key)
        if value is None:
            value = compute()
            with self._lock:
                self._cache.put(key, value)
                if self._handed is not None and key not in self._handed:  # handed on meanwhile: for the next one
                    self._handed.put(key, (self.layout, value, self.serial))
        return value

    def term(self, fieldname: str, text) -> int:
        key = ("t", fieldname, text)

        def compute():
            carried = self._carried(key)  # an older search may recompute it meanwhile: harmless
            if carried is not None:
                bits, fresh, _ = carried
                return bits | self._postings(fieldname, text, fresh)
            try:
                if (fieldname, text) not in self.reader:
                    return 0
                return self._postings(fieldname, text, None)
            except Exception:
                return 0
        return self._cached(key, compute)

    def _postings(self, fieldname: str, text, leaves) -> int:
        if leaves is not None and not leaves:
            return 0
        try:
            return from_positions(_term_ids(self.reader, fieldname, text, leaves), self.size) & self.live
        except Exception:
            return 0

    def _whoosh(self, q: wq.Query) -> int:
        """Other queries (phrases) through whoosh's matchers, carried over like terms: whether a document matches
        depends on that document only, so only the fresh segments are matched anew (a phrase over the whole index
        cost ~40 ms at 100,000 instruments after every edit)."""
        key = ("q", repr(q))

        def compute():
            carried = self._carried(key)
            if carried is not None and carried[2] is not None:
                bits, _, fresh_searchers = carried
                fresh = (offset + d for sub, offset in fresh_searchers for d in q.docs(sub))
                return bits | (from_positions(fresh, self.size) & self.live)
            return from_positions(self.searcher.docs_for_query(q), self.size) & self.live
        return self._cached(key, compute)

    def evaluate(self, q: wq.Query) -> int:
        if isinstance(q, wq.Term):
            return self.term(q.fieldname, q.text)
        if isinstance(q, wq.Or):
            bits = 0
            for child in q.subqueries:
                bits |= self.evaluate(child)
            return bits
        if isinstance(q, wq.And):
            bits = self.live
            for child in q.subqueries:
                bits &= self.evaluate(child)
                if not bits:
                    break
            return bits
        if isinstance(q, wq.AndNot):
            return self.evaluate(q.a) & ~self.evaluate(q.b) & self.live
        if isinstance(q, wq.Every):
            return self.live
        if isinstance(q, wq.Prefix):
            bits = 0
            for text in q._btexts(self.reader):
                bits |= self.term(q.fieldname, text)
            return bits
        return self._whoosh(q)

    def stats(self):
        """The statistics of the live documents, for BM25F (scoring.LiveStats), made once per generation."""
        if self._stats is None:
            self._stats = LiveStats(self)
        return self._stats

    def live_field_length(self, fieldname: str) -> int:
        """A field's total length over the live documents (whoosh's `field_length` counts deleted ones too); per
        segment only the documents deleted since an earlier generation counted them are read."""
        with self._lock:
            cached = self._field_lengths.get(fieldname)
        if cached is not None:
            return cached
        total = 0
        for (leaf, _), part in zip(self.reader.leaf_readers(), self.layout.parts):
            key = (part.segid, fieldname)
            with self._lock:
                known = self._dead_lengths.get(key)
            if known is not None and known[0] <= part.deleted:
                dead = known[1] + sum(leaf.doc_field_length(d, fieldname, 0) or 0 for d in part.deleted - known[0])
            else:
                dead = sum(leaf.doc_field_length(d, fieldname, 0) or 0 for d in part.deleted)
            with self._lock:
                self._dead_lengths[key] = (part.deleted, dead)
            total += (leaf.field_length(fieldname) or 0) - dead
        with self._lock:
            self._field_lengths[fieldname] = total
            current = {part.segid for part in self.layout.parts}
            for stale in [k for k in self._dead_lengths if k[0] not in current]:  # merged away
                del self._dead_lengths[stale]
        return total

    def matches_any(self, q: wq.Query, docnums, small: int = SMALL_SEGMENT) -> bool:
        """Whether a leaf of `q` (a term, a phrase, ...) matches one of these live documents: the same answer as
        `evaluate(Or(q.leaves()))` has for them, read in the documents' own segments when those are small (an edit's new
        version is in a small segment), so checking a few edited documents does not make whole-index bitsets."""
        docnums = sorted(set(docnums))
        if not docnums:
            return False
        leaves = list(self.reader.leaf_readers())
        offsets = [offset for _, offset in leaves]
        spots: dict[int, set[int]] = {}  # leaf index -> segment-relative document numbers
        for d in docnums:
            i = bisect.bisect_right(offsets, d) - 1
            if leaves[i][0].doc_count_all() > small:
                found = self.evaluate(wq.Or(list(q.leaves())) if not q.is_leaf() else q)
                return any(found >> d & 1 for d in docnums)
            spots.setdefault(i, set()).add(d - offsets[i])
        subsearchers = self.searcher.subsearchers
        words = {i: self._segment_words(leaves[i][0]) for i in spots}
        for leaf_q in ([q] if q.is_leaf() else q.leaves()):
            for i, local in spots.items():
                leaf, offset = leaves[i]
                if isinstance(leaf_q, wq.Term):
                    if words[i] is not None and self._term_bytes(leaf_q.fieldname, leaf_q.text) not in words[i]:
                        continue
                    if any(d - offset in local for d in _term_ids(self.reader, leaf_q.fieldname, leaf_q.text,
                                                                   [(leaf, offset)])):
                        return True
                elif isinstance(leaf_q, wq.Phrase) and words[i] is not None and \
                        any(self._term_bytes(leaf_q.fieldname, w) not in words[i] for w in leaf_q.words):
                    continue  # a word of the phrase is not in the segment
                elif any(d in local for d in leaf_q.docs(subsearchers[i][0])):
                    return True
        return False

    def _segment_words(self, leaf) -> frozenset | None:
        """Every (field, term bytes) of a small segment, once per segment (segments do not change; the set is handed
        on to the next generations): checking an edited document against a query's ~20 terms asked whoosh's term
        table for each of them (~10 us each), for every cached answer after every edit. None: a reader without a
        segment, or more than WORDS_SEGMENT documents (nothing kept)."""
        segment = leaf.segment() if hasattr(leaf, "segment") else None
        if segment is None or leaf.doc_count_all() > WORDS_SEGMENT:
            return None
        segid = segment.segment_id()
        found = self._words.get(segid)
        if found is None:
            found = frozenset(leaf.all_terms())
            with self._lock:
                current = {part.segid for part in self.layout.parts}
                for stale in [k for k in self._words if k not in current]:  # merged away
                    del self._words[stale]
                self._words[segid] = found
        return found

    def _term_bytes(self, fieldname: str, text) -> tuple:
        """(field, the term's bytes in the index), as `_term_ids` looks it up; remembered per field and text."""
        key = (fieldname, text)
        found = self._bytes.get(key)
        if found is None:
            reader = self.reader
            found = (fieldname, reader._text_to_bytes(fieldname, text) if hasattr(reader, "_text_to_bytes") else text)
            if len(self._bytes) > 50_000:
                self._bytes.clear()
            self._bytes[key] = found
        return found

    def weighted_leaves(self, q: wq.Query):
        """(bitset, weight) of every positive leaf, for binary field-weighted scoring."""
        for leaf, weight in positive_leaves(q):
            yield self.evaluate(leaf), weight


def positive_leaves(q: wq.Query, boost: float = 1.0):
    """(leaf query, weight) of every positive leaf (not under a Not), in the query's order: what a broad ranking
    scores."""
    if isinstance(q, wq.AndNot):
        yield from positive_leaves(q.a, boost)
        return
    if isinstance(q, (wq.And, wq.Or)):
        for child in q.subqueries:
            yield from positive_leaves(child, boost * q.boost)
        return
    yield q, boost * q.boost
