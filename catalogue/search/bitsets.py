"""Evaluating a whoosh query as bitsets over document numbers, with a per-searcher cache of each term's postings.

whoosh's matchers walk postings one document at a time in Python, which costs ~0.1 ms per 10 matching documents for a
query expanded over seven fields and a synonym group. Here every (field, term) becomes an int bitset once per searcher
generation; And/Or/AndNot are then single big-int operations. Phrases and anything unusual fall back to whoosh.

After an incremental write the next generation's `DocBits` starts from the previous one's cache: a term's bitset is the
old one renumbered (`segments.Carry`: kept segments keep their documents), minus the new deletions, plus the term's
postings in the new segments only; so an edit costs a few big-int operations per term instead of re-reading its
postings. The cache is bounded in entries and in bytes (a bitset is as wide as the index: 12.5 kB at 100,000).
"""
from __future__ import annotations

import re

from whoosh import query as wq
from whoosh.codec.whoosh3 import W3LeafMatcher

from ..lru import ByteLRU
from .segments import Layout

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
        self._older: ByteLRU | None = None  # the previous generation's cache, emptied as its entries are carried
        self._carry = None
        self._fresh: list = []
        self._fresh_searchers: list | None = None  # (subsearcher, offset) of the fresh segments
        if previous is not None and previous.searcher is not searcher:
            carry = self.layout.carry_from(previous.layout)
            if carry.moves:
                self._carry = carry
                self._older = previous._cache
                leaves = list(self.reader.leaf_readers())
                self._fresh = [leaves[i] for i in carry.fresh]
                subsearchers = searcher.subsearchers
                self._fresh_searchers = [subsearchers[i] for i in carry.fresh] if subsearchers else None

    @property
    def nbytes(self) -> int:
        """What the cached bitsets hold (about; the Python int headers aside)."""
        return self._cache.nbytes

    def _cached(self, key, compute) -> int:
        value = self._cache.get(key)
        if value is None:
            value = compute()
            self._cache.put(key, value)
        return value

    def forget_older(self) -> None:
        """Stops carrying from the previous generation (what was not carried yet is computed anew when asked)."""
        self._older = None

    def term(self, fieldname: str, text) -> int:
        def compute():
            older = self._older
            if older is not None:
                old = older.pop(("t", fieldname, text), None)  # an older search may recompute it: harmless
                if old is not None:
                    return (self._carry.bits(old) & self.live) | self._postings(fieldname, text, self._fresh)
            try:
                if (fieldname, text) not in self.reader:
                    return 0
                return self._postings(fieldname, text, None)
            except Exception:
                return 0
        return self._cached(("t", fieldname, text), compute)

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
            older = self._older
            if older is not None and self._fresh_searchers is not None:
                old = older.pop(key, None)
                if old is not None:
                    fresh = (offset + d for sub, offset in self._fresh_searchers for d in q.docs(sub))
                    return (self._carry.bits(old) & self.live) | (from_positions(fresh, self.size) & self.live)
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

    def weighted_leaves(self, q: wq.Query, boost: float = 1.0):
        """(bitset, weight) of every positive leaf, for binary field-weighted scoring."""
        if isinstance(q, wq.AndNot):
            yield from self.weighted_leaves(q.a, boost)
            return
        if isinstance(q, (wq.And, wq.Or)):
            for child in q.subqueries:
                yield from self.weighted_leaves(child, boost * q.boost)
            return
        yield self.evaluate(q), boost * q.boost
