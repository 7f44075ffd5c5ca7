"""The fast build path (one-pass analyzers, `Text` fields, the bulk writer) writes exactly the index whoosh's own
chain, TEXT fields and writer write: the same terms, positions, postings, field lengths and scores."""
from __future__ import annotations

from whoosh import index as whoosh_index
from whoosh.fields import TEXT
from whoosh.formats import Frequency, Positions
from whoosh.qparser import QueryParser

from catalogue.search import analysis
from catalogue.search.bulk import BulkWriter
from catalogue.search.index import SCHEMA, documents_from_sql
from catalogue.search.onepass import Text, whoosh_equivalent

TRICKY = [
    "", "a", "De en het: van een", "Beëindigd, ÉÉN café-regeling; no-riskpolis (WIA) 1.5 jaar e.v.a.",
    "İstanbul straße ÆØÅ œuvre", "de proefplaatsingen van de werkgevers en werkzoekenden " * 20,
    "x y z aa bb", "  \n\t ", "Loonkostensubsidie 70% — €1.500,00 per maand: art. 10d Participatiewet",
]


def _documents(session) -> list[dict]:
    docs = list(documents_from_sql(session))
    assert len(docs) > 20
    return docs


def _chain_terms(chain, text):
    return [(t.text, t.pos) for t in chain(text, positions=True, mode="index") if not t.stopped]


def test_one_pass_terms_equal_the_chain(session):
    texts = TRICKY + [value for doc in _documents(session) for key, value in doc.items() if isinstance(value, str)]
    for onepass in (analysis.DUTCH, analysis.PLAIN, analysis.ENGLISH):
        for text in texts:
            assert onepass.terms(text) == _chain_terms(onepass.chain, text), text
            assert [(t.text, t.pos) for t in onepass(text, positions=True, mode="index")] == _chain_terms(
                onepass.chain, text)
        # everything but indexing is the chain itself
        sample = "Proefplaatsingen voor de werkgever"
        assert ([(t.text, t.startchar, t.endchar) for t in onepass(sample, chars=True, mode="query")]
                == [(t.text, t.startchar, t.endchar) for t in onepass.chain(sample, chars=True, mode="query")])


def test_text_postings_equal_whoosh_text(session):
    texts = TRICKY + [doc[key] for doc in _documents(session) for key in ("name", "body", "provider", "tags", "en")]
    for onepass in (analysis.DUTCH, analysis.PLAIN, analysis.ENGLISH):
        for phrase in (True, False):
            ours, theirs = Text(analyzer=onepass, phrase=phrase), TEXT(analyzer=onepass.chain, phrase=phrase)
            assert type(ours.format) is (Positions if phrase else Frequency)
            for text in texts + texts:  # twice: the second time from the remembered postings
                assert list(ours.index(text)) == list(theirs.index(text)), text


def _contents(path) -> dict:
    ix = whoosh_index.open_dir(str(path))
    with ix.searcher() as searcher:
        reader = searcher.reader()
        postings = {}
        for fieldname, term in reader.all_terms():
            matcher = reader.postings(fieldname, term)
            postings[(fieldname, term)] = [(matcher.id(), matcher.weight(), matcher.value()) for _ in matcher.all_ids()]
            info = reader.term_info(fieldname, term)
            postings[(fieldname, term, "info")] = (info.weight(), info.doc_frequency(), info.min_length(),
                                                  info.max_length(), info.max_weight())
        lengths = {(d, f): reader.doc_field_length(d, f) for d in range(reader.doc_count_all()) for f in SCHEMA.names()}
        stored = list(reader.all_stored_fields())
        scores = {}
        for text in ("proefplaatsing", "werkgever begeleiding", "subsidie OR scholing"):
            query = QueryParser("body", ix.schema).parse(text)
            scores[text] = [(hit["iid"], round(hit.score, 9)) for hit in searcher.search(query, limit=None)]
    ix.close()
    return {"postings": postings, "lengths": lengths, "stored": stored, "scores": scores}


def test_bulk_build_equals_whoosh_build(session, tmp_path):
    docs = _documents(session)
    docs += [{**doc, "key": f"x{n}", "iid": 10_000 + n} for n, doc in enumerate(docs)]  # repeated values
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    ours.mkdir()
    theirs.mkdir()
    writer = BulkWriter(whoosh_index.create_in(str(ours), SCHEMA), limitmb=64)
    reference = whoosh_index.create_in(str(theirs), whoosh_equivalent(SCHEMA)).writer(limitmb=64)
    for doc in docs:
        writer.add_document(**doc)
        reference.add_document(**doc)
    writer.commit(optimize=True)
    reference.commit(optimize=True)
    mine, whooshs = _contents(ours), _contents(theirs)
    assert mine["postings"] == whooshs["postings"]
    assert mine["lengths"] == whooshs["lengths"]
    assert mine["stored"] == whooshs["stored"]
    assert mine["scores"] == whooshs["scores"] and all(mine["scores"].values())
