"""Searches after incremental edits equal searches on fresh state (SQLite and PostgreSQL).

The app's engine follows each change incrementally: the index gets a small segment per write (merged by whoosh now and
then, and fully by `optimize`), the searcher reuses unchanged segments, the term bitsets and the docnum map are carried
over. After every step its answers must equal (1) those of a new engine on the same index with nothing carried (exactly,
ranking included) and (2) those of an index rebuilt from the database (the same instruments, totals and counts; the
BM25 ranking statistics of an incrementally written index still count deleted versions until a merge, so the relevance
order is compared with (1) only)."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from catalogue.models import Instrument, InstrumentKind
from catalogue.queries import InstrumentQuery, public_condition
from catalogue.search.engine import SearchEngine
from catalogue.search.index import documents_from_sql
from helpers import make_instrument

WORD = "vergelijkwoordq"
QUERIES = [
    InstrumentQuery(q=WORD, per_page=100),
    InstrumentQuery(q=WORD, sort="relevance", per_page=100),
    InstrumentQuery(q=f"{WORD} werkgevers", sort="relevance", per_page=100),
    InstrumentQuery(q="proefplaatsing", sort="relevance", per_page=100),
    InstrumentQuery(q="vergelijkwoordx", per_page=100),  # a correction ("Bedoelde u ...?") from visible words
    InstrumentQuery(q=WORD, facets={"kind": ["jobcoaching"]}, per_page=100),
    InstrumentQuery(per_page=100, sort="recent"),
    InstrumentQuery(per_page=100),
]


def answers(engine, session, today, ranked=True):
    out = []
    for query in QUERIES:
        o = engine.search(session, query, today, public_condition)
        ids = o.ids if ranked or query.sort != "relevance" else sorted(o.ids)
        out.append((query.q, query.sort, ids, o.total, o.counts, o.ended, o.suggestion, o.notices))
    return out


def check(app, session, today, tmp_path, label):
    engine = app.extensions["catalogue_search"]
    engine.sync(session)
    followed = answers(engine, session, today)
    searcher = engine.searcher()
    live = [searcher.stored_fields(d)["iid"] for d in searcher.reader().all_doc_ids()]
    assert len(live) == len(set(live)), f"{label}: an edited instrument's old version is still in the index"
    same_index = SearchEngine(engine.store.root, synonyms=engine.synonyms)
    same_index.load_table(session, today)
    assert followed == answers(same_index, session, today), f"{label}: carried state differs from a fresh searcher's"
    same_index.refresh()
    rebuilt = SearchEngine(tmp_path / f"rebuilt-{label}", synonyms=engine.synonyms)
    rebuilt.store.build(documents_from_sql(session))
    rebuilt.load_table(session, today)
    assert answers(engine, session, today, ranked=False) == answers(rebuilt, session, today, ranked=False), \
        f"{label}: differs from a rebuilt index"
    rebuilt.refresh()
    return followed


def test_search_after_edits_deletes_publish_and_merges_equals_a_fresh_searcher_and_a_rebuild(app, session, today,
                                                                                              tmp_path):
    engine = app.extensions["catalogue_search"]
    engine.sync(session)
    answers(engine, session, today)  # warm the caches that are to be carried
    items = [make_instrument(session, f"incr-{n}", name=f"Regeling {WORD} {n}", kind=kind,
                             summary=f"{WORD} voor werkgevers" if n % 2 else "Voor werkgevers.")
             for n, kind in enumerate(["proefplaatsing", "jobcoaching", "proefplaatsing", "jobcoaching", "scholing"])]
    first = check(app, session, today, tmp_path, "created")
    assert first[0][3] == 5

    items[0].name = "Regeling zonder het woord"
    session.commit()
    check(app, session, today, tmp_path, "edited")

    items[1].status = "draft"  # unpublished: out of the index and the table
    session.commit()
    check(app, session, today, tmp_path, "unpublished")
    items[1].status = "published"
    session.commit()
    assert check(app, session, today, tmp_path, "republished")[0][3] == 4

    items[2].deleted_at = datetime.now(timezone.utc)
    session.commit()
    session.delete(items[3])
    session.commit()
    check(app, session, today, tmp_path, "deleted")

    for n in range(7):  # small writes one by one: whoosh merges small segments on the way
        items[4].summary = f"{WORD} versie {n}"
        items[4].kind = session.scalar(select(InstrumentKind).where(
            InstrumentKind.code == ("jobcoaching" if n % 2 else "scholing")))
        session.commit()
        engine.sync(session)
        answers(engine, session, today)
    check(app, session, today, tmp_path, "merged")

    engine.store.optimize()  # every segment merged: nothing to carry
    assert engine.behind()
    engine.sync(session)  # the follower opens the merged generation (not the next request)
    assert not engine.behind() and engine._docbits.searcher is engine._searcher
    assert engine._docmap[0] is engine._searcher
    after = check(app, session, today, tmp_path, "optimized")
    assert set(after[0][2]) == {items[1].id, items[4].id}
    assert session.scalar(select(Instrument.name).where(Instrument.id == items[4].id)).startswith("Regeling")
