"""Short posting lists kept inside the term index, for the small segments that incremental writes make.

An edit writes a one-document segment, and every few edits whoosh's MERGE_SMALL merges the small segments into one.
Nearly every term of such a segment has one or a few postings, and whoosh writes each posting list as a block of its
own in the postings file (a header, zlib, pickles) and reads it back the same way when merging: at 100,000
instruments a one-document commit cost 65 ms CPU (median) and a merge of ~30 documents' 2,800 terms 0.9 s.

whoosh's codec can keep a short posting list in the term's entry instead (`inlinelimit`), but in whoosh-reloaded that
path is broken: the writer calls `set_inline`, which the term info does not have (it has `set_inlined`), and for a
field without value bytes it keeps none, so they are read back as "" (a block gives None) and whoosh's merge rejects
them. `InlineCodec` writes them correctly. Nothing changes for readers: whoosh reads an inlined term through a
`ListMatcher` (the same ids, weights, values and statistics). A full build and `optimize()` keep whoosh's blocks.
"""
from __future__ import annotations

from whoosh.codec.whoosh3 import W3Codec, W3PostingsWriter

INLINE_LIMIT = 8  # postings: a posting list shorter than this is kept in the term index


class _PostingsWriter(W3PostingsWriter):
    def finish_postings(self):
        values = self._values
        if self._byteids or self.written() or len(self) >= self._inlinelimit \
                or (values and len(values) != len(self._ids)):
            return super().finish_postings()  # a block (also term vectors, and values not one per posting)
        terminfo = self._terminfo
        terminfo.add_block(self)
        terminfo.set_inlined(self._ids, self._weights, values or [None] * len(self._ids))  # None: as a block reads
        self._terminfo = None  # between terms, as whoosh's writer leaves it
        return terminfo


class InlineCodec(W3Codec):
    def __init__(self, inlinelimit: int = INLINE_LIMIT, **kwargs):
        super().__init__(inlinelimit=inlinelimit, **kwargs)

    def postings_writer(self, dbfile, byteids=False):
        return _PostingsWriter(dbfile, blocklimit=self._blocklimit, byteids=byteids, compression=self._compression,
                               inlinelimit=self._inlinelimit)
