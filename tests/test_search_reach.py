"""A cached search answer outlives an edit only when the edit cannot have changed it (issue 17 §3; SQLite and
PostgreSQL): catalogue/search/reach.py, journal.py and the page cache in catalogue/web/http_cache.py.

Every test compares the cached answer with what the search computes without any cache at that moment: a wrong
invalidation rule serves a stale answer and fails here."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from catalogue.models import Instrument, Provider
from catalogue.search.journal import ChangeJournal
from catalogue.web.http_cache import page_cache
from helpers import make_instrument

WORD = "bereikwoordq"


@pytest.fixture()
def cached(app, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_CACHE", True)  # off in testing by default
    page_cache.clear()
    yield
    page_cache.clear()


def fresh(app, client, url):
    """The answer computed now, without the page cache."""
    app.config["PAGE_CACHE"] = False
    try:
        return client.get(url).json
    finally:
        app.config["PAGE_CACHE"] = True


def get(app, client, url):
    """(answer, ETag, carried over an edit?) from the page cache or computed; asserts it equals a fresh answer."""
    before = page_cache.carried
    response = client.get(url)
    assert response.status_code == 200
    assert response.json == fresh(app, client, url), f"{url}: the cache served a stale answer"
    return response.json, response.headers["ETag"], page_cache.carried - before


def rename(session, slug, name):
    item = session.scalar(select(Instrument).where(Instrument.slug == slug))
    item.name = name
    item.version += 1
    session.commit()


URL = f"/api/v1/instruments?q={WORD}&sort=name"  # sorted by name: not ranked by BM25F (see reach.py)


def test_an_edit_outside_the_match_keeps_the_answer_and_one_inside_renews_it(app, client, session, cached):
    make_instrument(session, "reach-in", name=f"Eerste {WORD}", kind="jobcoaching")
    make_instrument(session, "reach-out", name="Ander instrument zonder het woord")
    first, tag, _ = get(app, client, URL)
    assert first["total"] == 1

    rename(session, "reach-out", "Ander instrument, nog steeds zonder")  # outside the match before and after
    second, tag2, carried = get(app, client, URL)
    assert carried == 1 and second == first
    assert tag2 != tag  # the new position's validators
    assert client.get(URL, headers={"If-None-Match": tag2}).status_code == 304

    rename(session, "reach-in", f"Hernoemd {WORD}")  # inside the match: computed again
    third, _, carried = get(app, client, URL)
    assert carried == 0 and third["items"][0]["name"] == f"Hernoemd {WORD}"


def test_an_edit_that_makes_an_instrument_match_renews_the_answer(app, client, session, cached):
    make_instrument(session, "reach-a", name=f"Een {WORD}")
    make_instrument(session, "reach-b", name="Nog niet passend")
    first, _, _ = get(app, client, URL)
    rename(session, "reach-b", f"Nu wel {WORD}")  # outside before, inside after
    second, _, carried = get(app, client, URL)
    assert carried == 0 and second["total"] == first["total"] + 1


def test_an_instrument_that_leaves_the_match_or_the_public_renews_the_answer(app, client, session, cached):
    make_instrument(session, "reach-c", name=f"Een {WORD}")
    make_instrument(session, "reach-d", name=f"Twee {WORD}")
    first, _, _ = get(app, client, URL)
    item = session.scalar(select(Instrument).where(Instrument.slug == "reach-d"))
    item.status = "draft"
    session.commit()
    second, _, carried = get(app, client, URL)
    assert carried == 0 and second["total"] == first["total"] - 1


def test_the_facet_counts_of_a_browse_follow_every_edit_in_the_location(app, client, session, cached):
    url = "/api/v1/instruments?provider_type=gemeente"  # no words: every public instrument is in its reach
    first, _, _ = get(app, client, url)
    make_instrument(session, "reach-new", name="Nieuw landelijk instrument")
    second, _, carried = get(app, client, url)
    assert carried == 0 and second["facets"] != first["facets"]


def test_renames_invalidate_everything(app, client, session, cached):
    make_instrument(session, "reach-e", name=f"Een {WORD}")  # of UWV
    first, _, _ = get(app, client, URL)
    provider = session.scalar(select(Provider).where(Provider.slug == "gemeente-gouda"))  # no instrument in the match
    provider.name = provider.name + " (hernoemd)"
    session.commit()
    second, _, carried = get(app, client, URL)
    assert carried == 0 and second == first  # the same answer, but computed again: a rename is never checked


def test_answers_that_depend_on_other_documents_are_not_carried(app, client, session, cached):
    make_instrument(session, "reach-f", name=f"Een {WORD}")
    make_instrument(session, "reach-g", name="Iets anders")
    urls = ["/api/v1/instruments?q=bereikwoordx&sort=name",  # an unknown word: "Bedoelde u ...?" from every word
            "/api/v1/instruments?q=bereikw*&sort=name",  # a prefix
            f"/api/v1/instruments?q={WORD}&sort=name&municipality=GM0513"]  # coverage (not in the change log)
    for url in urls:
        get(app, client, url)
    rename(session, "reach-g", "Iets heel anders")
    for url in urls:
        assert get(app, client, url)[2] == 0, url
    # the correction appears when an edit elsewhere adds a close word: computed again, so it is shown
    rename(session, "reach-g", "Iets bereikwoordz")
    assert get(app, client, urls[0])[0]["search"]["suggestion"]


def test_a_bm25f_ranked_answer_is_carried_while_its_statistics_stay_and_computed_again_when_they_move(
        app, client, session, cached, monkeypatch):
    """Ranked by BM25F over the live documents (catalogue/search/scoring.py): an edit elsewhere that leaves the
    document count, the word's frequency and the rounded average lengths alone keeps the answer; a new instrument
    without the word changes the document count (every idf): computed again."""
    import catalogue.search.engine as engine_module

    ranked = []
    original = engine_module.LiveBM25F
    monkeypatch.setattr(engine_module, "LiveBM25F", lambda stats: ranked.append(stats) or original(stats))
    make_instrument(session, "reach-r1", name=f"Een {WORD}")
    make_instrument(session, "reach-r2", name=f"{WORD} en nog eens {WORD}")
    make_instrument(session, "reach-r3", name="Loonwaarde traject")
    url = f"/api/v1/instruments?q={WORD}"  # relevance: a selective word is ranked by BM25F
    first, _, _ = get(app, client, url)
    assert ranked and first["total"] == 2
    rename(session, "reach-r3", "Loonwaarde scholing")  # elsewhere, as long: the statistics stay
    second, _, carried = get(app, client, url)
    assert carried == 1 and second == first
    make_instrument(session, "reach-r5", name="Nog een ander instrument")  # one more live document: other idfs
    third, _, carried = get(app, client, url)
    assert carried == 0 and third["items"] == first["items"]


def test_an_answer_is_checked_against_every_edit_since_it_was_computed(app, client, session, cached):
    make_instrument(session, "reach-h", name=f"Een {WORD}")
    make_instrument(session, "reach-i", name="Nog iets anders")
    first, _, _ = get(app, client, URL)
    rename(session, "reach-i", "Nog iets anders, bewerkt")  # outside: not asked for in between
    rename(session, "reach-h", f"Bewerkt {WORD}")  # inside
    second, _, carried = get(app, client, URL)
    assert carried == 0 and second["items"][0]["name"] == f"Bewerkt {WORD}"


def test_the_journal():
    journal = ChangeJournal(keep=3)
    journal.record({1}, newest=10)
    serial = journal.serial
    assert journal.since(serial, 10) == frozenset()
    journal.record({2, 3}, newest=12)
    assert journal.since(serial, 10) == {2, 3}
    assert journal.since(serial, 11) == {2, 3}
    journal.record({4}, newest=9)  # a late commit below the position (PostgreSQL): still after the serial
    assert journal.since(serial, 12) == {2, 3, 4}
    assert journal.since(serial - 1, 8) == {1, 2, 3, 4}  # entries after the position, applied before the serial too
    assert journal.since(serial, 10, limit=2) is None  # too many: computed again
    journal.record({5}, newest=13, plain=False)  # a rename
    assert journal.since(journal.serial - 1, 12) is None
    assert journal.since(journal.serial, 13) == frozenset()
    journal.record({6}, newest=14)  # the first rounds are no longer kept
    assert journal.since(serial, 12) is None
    journal.reset()
    assert journal.since(journal.serial - 1, 14) is None


def test_a_word_that_stops_being_known_is_corrected_on_the_next_request(app, client, session, cached):
    """A compound of two words of other instruments is known (no "Bedoelde u ...?") and matches nothing; when an edit
    removes one part and adds a close word, the word is corrected: no instrument in the answer's reach changed, only
    the words the check recomputes."""
    make_instrument(session, "reach-j", name="Iets qzxalfa")
    make_instrument(session, "reach-k", name="Iets qzxbeta")
    url = "/api/v1/instruments?q=qzxalfaqzxbeta&sort=name"
    first, _, _ = get(app, client, url)
    assert first["total"] == 0 and not first["search"]["suggestion"]
    rename(session, "reach-k", "Iets qzxalfaqzxbetb")
    second, _, carried = get(app, client, url)
    assert carried == 0 and second["search"]["suggestion"] == "qzxalfaqzxbetb"


def test_an_answer_computed_again_reuses_the_rows_that_did_not_change(app, client, session, cached):
    from catalogue.web.http_cache import row_cache

    make_instrument(session, "reach-l", name=f"Aaa {WORD}", summary=f"Over {WORD} en meer.")
    make_instrument(session, "reach-m", name=f"Bbb {WORD}", summary=f"Ook {WORD} hier.")
    get(app, client, URL)
    hits = row_cache.hits
    rename(session, "reach-l", f"Aab {WORD}")  # in the answer: computed again, the other row from the row cache
    second, _, carried = get(app, client, URL)
    assert carried == 0 and row_cache.hits == hits + 1
    assert [i["name"] for i in second["items"]] == [f"Aab {WORD}", f"Bbb {WORD}"]
    assert "<mark>" in second["items"][1]["snippet"]
    item = session.scalar(select(Instrument).where(Instrument.slug == "reach-m"))
    item.summary = f"Nu iets anders over {WORD}."
    session.commit()
    third, _, _ = get(app, client, URL)  # the edited row is loaded again, with its new snippet
    assert "anders" in third["items"][1]["snippet"]
