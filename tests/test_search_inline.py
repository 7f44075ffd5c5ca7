"""`InlineCodec` (catalogue/search/inline.py): short posting lists kept in the term index give the same postings,
statistics, merges and scores as whoosh's blocks."""
from __future__ import annotations

from whoosh.codec.whoosh3 import W3Codec
from whoosh.filedb.filestore import RamStorage
from whoosh.qparser import QueryParser

from catalogue.search.index import SCHEMA, documents_from_sql, merge_small_in_order
from catalogue.search.inline import InlineCodec


def written(docs, codec):
    """One commit per document, merged as the index writer merges (several merges of small segments)."""
    ix = RamStorage().create_index(SCHEMA)
    for doc in docs:
        writer = ix.writer(codec=codec)
        writer.update_document(**doc)
        writer.commit(mergetype=merge_small_in_order)
    return ix


def postings(reader):
    out, inlined = {}, 0
    for fieldname, btext in reader.all_terms():
        info = reader.term_info(fieldname, btext)
        out[fieldname, btext] = (info.doc_frequency(), info.weight(), info.min_length(), info.max_length(),
                                 list(reader.postings(fieldname, btext).all_items()),
                                 list(reader.postings(fieldname, btext).all_ids()))
    for segment_reader, _ in reader.leaf_readers():
        for fieldname, btext in segment_reader.all_terms():
            inlined += segment_reader._terms.term_info(fieldname, btext).is_inlined()
    return out, inlined


def test_inlined_postings_equal_whoosh_blocks_through_merges_and_searches(session):
    docs = list(documents_from_sql(session))[:40]
    docs += [dict(docs[3], name=docs[3]["name"] + " hernoemd")]  # a replaced document (a deletion in a segment)
    inline, blocks = written(docs, InlineCodec()), written(docs, W3Codec())
    with inline.reader() as a, blocks.reader() as b:
        assert len(list(a.leaf_readers())) == len(list(b.leaf_readers())) < len(docs)  # merged alike
        (ours, inlined), (theirs, none) = postings(a), postings(b)
        assert ours == theirs
        assert inlined > 1000 and none == 0
    parser = QueryParser("summary", SCHEMA)
    for text in ("werkgevers", "proefplaatsing OR loonkostensubsidie", '"een werkgever"', "hernoemd"):
        query = parser.parse(text)
        with inline.searcher() as a, blocks.searcher() as b:
            assert [(h.docnum, h.score) for h in a.search(query, limit=None)] == \
                [(h.docnum, h.score) for h in b.search(query, limit=None)]
    inline.optimize()  # one segment with whoosh's blocks again
    blocks.optimize()
    with inline.reader() as a, blocks.reader() as b:
        assert postings(a) == postings(b) and postings(a)[1] == 0
