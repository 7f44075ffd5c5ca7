"""The writer of a complete build: whoosh's segment writer with three costs of a large build taken out.

- whoosh's posting pool keeps every posting as a tuple and, past its memory limit, pickles them one by one to run files
  and merges those back (at 20,000 instruments, 2 million postings: about 40 % of a build). `TermPool` keeps a build's
  postings per term in arrays (about 20 bytes a posting): they arrive in document order, so only the terms are sorted.
- When the segment is written whoosh reads the document's field length once per *posting* from the per-document file
  (to keep each term's shortest and longest document); `_Lengths` reads each field's lengths once into a list.
- Posting blocks are compressed at zlib level 1 instead of 3 (a slightly larger index, the same postings).

The index is the same otherwise: the same terms, postings, lengths and scores (`tests/test_search_onepass.py` compares
a build with whoosh's own writer).
"""
from __future__ import annotations

from array import array

from whoosh.codec.whoosh3 import W3Codec
from whoosh.writing import SegmentWriter

COMPRESSION = 1


class TermPool:
    """Postings (fieldname, term bytes, docnum, weight, value bytes) grouped per term, returned in whoosh's order."""

    def __init__(self):
        self._terms: dict[tuple[str, bytes], tuple[array, array, list]] = {}
        self._values: dict = {}  # equal value strings (encoded positions) shared
        self._unsorted: set = set()
        self.fieldnames: set[str] = set()

    def add(self, item) -> None:
        fieldname, tbytes, docnum, weight, vbytes = item
        key = (fieldname, tbytes)
        entry = self._terms.get(key)
        if entry is None:
            entry = self._terms[key] = (array("I"), array("d"), [])
            self.fieldnames.add(fieldname)
        elif entry[0][-1] > docnum:
            self._unsorted.add(key)
        entry[0].append(docnum)
        entry[1].append(weight)
        entry[2].append(self._values.setdefault(vbytes, vbytes))

    def iter_postings(self):
        for key in sorted(self._terms):
            docnums, weights, values = self._terms.pop(key)
            fieldname, tbytes = key
            rows = zip(docnums, weights, values)
            if key in self._unsorted:
                rows = sorted(rows, key=lambda row: row[0])
            for docnum, weight, value in rows:
                yield fieldname, tbytes, docnum, weight, value
        self.cleanup()

    def cleanup(self) -> None:
        self._terms.clear()
        self._values.clear()
        self._unsorted.clear()


class _Lengths:
    """doc_field_length from lists, read once per field from the per-document reader."""

    def __init__(self, reader, doccount: int):
        self._reader = reader
        self._doccount = doccount
        self._fields: dict[str, list[int]] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        lengths = self._fields.get(fieldname)
        if lengths is None:
            read = self._reader.doc_field_length
            lengths = self._fields[fieldname] = [read(d, fieldname, default) for d in range(self._doccount)]
        return lengths[docnum]


class BulkWriter(SegmentWriter):
    def __init__(self, ix, **kwargs):
        kwargs.setdefault("codec", W3Codec(compression=COMPRESSION))
        super().__init__(ix, **kwargs)
        self.pool.cleanup()
        self.pool = TermPool()

    def _flush_segment(self):  # whoosh's, with _Lengths around the per-document reader
        self.perdocwriter.close()
        reader = self.per_document_reader() if self.codec.length_stats else None
        lengths = _Lengths(reader, reader.doc_count_all()) if reader is not None else None
        self.fieldwriter.add_postings(self.schema, lengths, self.pool.iter_postings())
        self.fieldwriter.close()
        if reader is not None:
            reader.close()
