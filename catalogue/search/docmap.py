"""Between the index's document numbers and the facet table's ordinals, both ways, for one searcher and one table.

A fresh index holds the instruments in id order, like the table, so nearly every document number equals its ordinal;
only documents rewritten since the last build (appended at the end), hidden or removed differ. A bitset is therefore
translated as `bits & same` plus the few documents that moved, instead of visiting every set bit; when many moved (a
busy day of edits before the next merge) every bit is visited as before.
"""
from __future__ import annotations

from dataclasses import dataclass

from .bitsets import from_positions, positions

FEW_MOVED = 4096


@dataclass(frozen=True)
class DocMap:
    ords: list[int]  # table ordinal per document number (-1: not public today, or deleted)
    docs_of: list[int]  # document number per ordinal (-1: not in the index)
    public: int  # bitset of the document numbers whose instrument is public today
    size: int  # the table's size (bits of an ordinal bitset)
    same: int  # bitset of the numbers that are document number and ordinal of one instrument
    moved: tuple[tuple[int, int], ...]  # (document number, ordinal) of the others
    moved_back: tuple[tuple[int, int], ...]  # (ordinal, document number) of the others

    @classmethod
    def build(cls, reader, table) -> "DocMap":
        iids = list(reader.column_reader("iid"))
        alive = table.all.to_bytes((table.size + 7) // 8 or 1, "little")
        ords = [o if (o := table.position.get(i, -1)) >= 0 and alive[o >> 3] >> (o & 7) & 1 else -1 for i in iids]
        if reader.has_deletions():
            live = set(reader.all_doc_ids())
            ords = [o if n in live else -1 for n, o in enumerate(ords)]
        docs_of = [-1] * table.size
        for d, o in enumerate(ords):
            if o >= 0:
                docs_of[o] = d
        public = from_positions((d for d, o in enumerate(ords) if o >= 0), len(ords))
        same = from_positions((d for d, o in enumerate(ords) if o == d), max(len(ords), table.size))
        moved = tuple((d, o) for d, o in enumerate(ords) if o >= 0 and o != d)
        moved_back = tuple((o, d) for d, o in moved)
        return cls(ords, docs_of, public, table.size, same, moved, moved_back)

    def to_ordinals(self, doc_bits: int) -> int:
        """A bitset over document numbers as one over the table's ordinals (public documents only)."""
        return self._translate(doc_bits, self.moved, self.ords, self.size, self.public)

    def to_docnums(self, ordinal_bits: int) -> int:
        """A bitset over ordinals as one over document numbers (instruments in the index only)."""
        return self._translate(ordinal_bits, self.moved_back, self.docs_of, len(self.ords), None)

    def _translate(self, bits: int, moved, mapping: list[int], width: int, mask: int | None) -> int:
        if len(moved) > FEW_MOVED:
            return from_positions((t for s in positions(bits, len(mapping)) if (t := mapping[s]) >= 0), width)
        out = bits & self.same & ((1 << width) - 1)
        if mask is not None:
            out &= mask
        if moved and bits:
            raw = bits.to_bytes((max(len(mapping), bits.bit_length()) + 7) // 8 or 1, "little")
            extra = [t for s, t in moved if s < len(mapping) and raw[s >> 3] >> (s & 7) & 1]
            if extra:
                out |= from_positions(extra, width)
        return out
