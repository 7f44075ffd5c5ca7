"""Between the index's document numbers and the facet table's ordinals, both ways, for one searcher and one table.

A fresh index holds the instruments in id order, like the table, so nearly every document number equals its ordinal;
only documents rewritten since the last build (appended at the end), hidden or removed differ. A bitset is therefore
translated as `bits & same` plus the few documents that moved (`moved_docs`, `moved_ords`), instead of visiting every
set bit.

The map itself ignores whether an instrument is public today: `ords` holds every live document's ordinal (the table's
ordinals are never reused, `facettable`), and translations mask with the table's live ordinals (`alive`). So after an
incremental write or a changed table the next map is `updated()` from the previous one: the documents of kept segments
keep their entries (renumbered with their segment, `segments.Carry`), and only new segments' documents, new deletions,
merged segments and the table's new ordinals are looked at. A table that is not derived from the previous one (a
table loaded again from SQL) gets a full `build()`; the next day's table is derived (`FacetTable.on_day`).
"""
from __future__ import annotations

from array import array
from dataclasses import dataclass

from .bitsets import from_positions, positions
from .segments import Layout


def _unset(n: int) -> array:
    """n entries of -1."""
    return array("i", b"\xff" * (4 * n)) if n > 0 else array("i")


def _ordinals(table):
    """iid -> this table's ordinal, or -1. `position` is shared with the tables derived from this one and only grows:
    an instrument the follower added after this table was made has an ordinal beyond its size (a request still on
    this table while the follower applies an edit) and is not in it."""
    position, size = table.position, table.size

    def ordinal(iid: int) -> int:
        o = position.get(iid, -1)
        return o if o < size else -1

    return ordinal


@dataclass(frozen=True)
class DocMap:
    ords: array  # table ordinal per document number (-1: deleted, or no ordinal) ('i': copied as one block)
    docs_of: array  # live document number per ordinal (-1: not in the index) ('i')
    public: int  # bitset of the document numbers whose instrument is public in the table (alive)
    size: int  # the table's size (bits of an ordinal bitset)
    same: int  # bitset of the numbers that are document number and ordinal of one instrument
    moved_docs: int  # bitset of the other documents that have an ordinal
    moved_ords: int  # bitset of the other ordinals that have a document
    unplaced: dict[int, int]  # instrument id -> live document number, for documents without an ordinal
    alive: int  # the table's live ordinals
    layout: Layout
    table_ids: list  # the table's (append-only, shared) ids: a derived table has the same list

    @classmethod
    def build(cls, reader, table) -> "DocMap":
        layout = Layout.of(reader)
        iids = list(reader.column_reader("iid"))
        dead = set(layout.dead())
        ordinal = _ordinals(table)
        ords = array("i", (-1 if n in dead else ordinal(i) for n, i in enumerate(iids)) if dead else
                     (ordinal(i) for i in iids))
        unplaced = {iids[d]: d for d, o in enumerate(ords) if o < 0 and d not in dead}
        docs_of = _unset(table.size)
        for d, o in enumerate(ords):
            if o >= 0:
                docs_of[o] = d
        width = max(len(ords), table.size)
        same = from_positions((d for d, o in enumerate(ords) if o == d), width)
        moved_docs = from_positions((d for d, o in enumerate(ords) if o >= 0 and o != d), len(ords))
        moved_ords = from_positions((o for o, d in enumerate(docs_of) if d >= 0 and d != o), table.size)
        return cls._finish(ords, docs_of, same, moved_docs, moved_ords, unplaced, layout, table)

    @classmethod
    def _finish(cls, ords, docs_of, same, moved_docs, moved_ords, unplaced, layout, table) -> "DocMap":
        partial = cls(ords, docs_of, 0, table.size, same, moved_docs, moved_ords, unplaced, table.all, layout, table.ids)
        public = partial.to_docnums(table.all)
        return cls(ords, docs_of, public, table.size, same, moved_docs, moved_ords, unplaced, table.all, layout,
                   table.ids)

    def updated(self, reader, table) -> "DocMap":
        """The map of `reader` (a later generation of this map's index) and `table` (this map's table or one derived
        from it), computed from this one; a full build when the table is not derived from this map's."""
        if table.ids is not self.table_ids or table.size < self.size:
            return DocMap.build(reader, table)
        layout = Layout.of(reader)
        if layout == self.layout and table.size == self.size:
            if table.all == self.alive:
                return self
            return DocMap._finish(self.ords, self.docs_of, self.same, self.moved_docs, self.moved_ords, self.unplaced,
                                  layout, table)
        carry = layout.carry_from(self.layout)
        in_place = 0  # new numbers of kept segments that kept their numbers
        ords = _unset(layout.size)
        docs_of = self.docs_of + _unset(table.size - len(self.docs_of))
        touched_docs: list[int] = []
        touched_ords: set[int] = set()
        moved_from = {}  # old offset -> (new offset, length) of kept segments
        for old, new, length, _, _ in carry.moves:
            ords[new:new + length] = self.ords[old:old + length]
            moved_from[old] = (new, length)
            if old == new:
                in_place |= ((1 << length) - 1) << new
            else:
                touched_docs.extend(range(new, new + length))
        for part in self.layout.parts:  # documents that left their numbers: merged away, or moved with their segment
            target = moved_from.get(part.offset)
            if target is not None and target[0] == part.offset and target[1] == part.length:
                continue
            for od in range(part.offset, part.offset + part.length):
                o = self.ords[od]
                if o >= 0 and docs_of[o] == od:
                    docs_of[o] = -1
                    touched_ords.add(o)
        for old, new, length, _, _ in carry.moves:
            if old != new:
                for d in range(new, new + length):
                    if (o := ords[d]) >= 0:
                        docs_of[o] = d
                        touched_ords.add(o)
        gone = carry.newly_deleted()
        for d in gone:
            o = ords[d]
            if o >= 0:
                ords[d] = -1
                if docs_of[o] == d:
                    docs_of[o] = -1
                touched_ords.add(o)
            touched_docs.append(d)
        dead = set(gone)
        unplaced = {}
        for iid, d in self.unplaced.items():
            for old, (new, length) in moved_from.items():
                if old <= d < old + length:
                    nd = d - old + new
                    if nd not in dead:
                        unplaced[iid] = nd
                    break
        ordinal = _ordinals(table)
        leaves = list(reader.leaf_readers())
        for index in carry.fresh:
            part = layout.parts[index]
            leaf, offset = leaves[index]
            for i, iid in enumerate(leaf.column_reader("iid")):
                if i in part.deleted:
                    continue
                d = offset + i
                o = ordinal(iid)
                if o >= 0:
                    ords[d] = o
                    docs_of[o] = d
                    touched_ords.add(o)
                else:
                    unplaced[iid] = d
                touched_docs.append(d)
        for o in range(self.size, table.size):  # the table's new ordinals: documents that were already indexed
            d = unplaced.pop(table.ids[o], None)
            if d is not None:
                ords[d] = o
                docs_of[o] = d
                touched_docs.append(d)
                touched_ords.add(o)
        width = max(layout.size, table.size)
        touched = from_positions(touched_docs, width)
        keep = in_place & ~touched
        same = (self.same & keep) | from_positions((d for d in touched_docs if ords[d] == d), width)
        moved_docs = (self.moved_docs & keep) | from_positions(
            (d for d in touched_docs if ords[d] >= 0 and ords[d] != d), layout.size)
        moved_ords = (self.moved_ords & ~from_positions(touched_ords, table.size)) | from_positions(
            (o for o in touched_ords if docs_of[o] >= 0 and docs_of[o] != o), table.size)
        return DocMap._finish(ords, docs_of, same, moved_docs, moved_ords, unplaced, layout, table)

    def to_ordinals(self, doc_bits: int) -> int:
        """A bitset over document numbers as one over the table's ordinals (public documents only)."""
        return self._translate(doc_bits, self.moved_docs, self.ords, self.size) & self.alive

    def to_docnums(self, ordinal_bits: int) -> int:
        """A bitset over ordinals as one over document numbers (public instruments in the index only)."""
        return self._translate(ordinal_bits & self.alive, self.moved_ords, self.docs_of, len(self.ords))

    def _translate(self, bits: int, moved: int, mapping: list[int], width: int) -> int:
        out = bits & self.same & ((1 << width) - 1)
        hits = bits & moved
        if hits:
            out |= from_positions((mapping[s] for s in positions(hits, len(mapping))), width)
        return out
