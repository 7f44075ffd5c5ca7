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


def retitle(session, slug, **values):
    """An edit committed through the ORM, as the editing pages make it (the follower applies it)."""
    item = session.scalar(select(Instrument).where(Instrument.slug == slug))
    for name, value in values.items():
        setattr(item, name, value)
    item.version += 1
    session.commit()


def rename(session, slug, name):
    retitle(session, slug, name=name)


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


# -- an edit inside the match (reach.PageOrder) ------------------------------------------------------------------------

def test_an_edit_inside_the_match_that_stays_off_the_page_keeps_the_answer(app, client, session, cached):
    for slug, name in (("po-a", "Aaa"), ("po-b", "Bbb"), ("po-c", "Ccc"), ("po-d", "Ddd")):
        make_instrument(session, slug, name=f"{name} {WORD}")
    url = f"/api/v1/instruments?q={WORD}&sort=name&per_page=2"
    first, _, _ = get(app, client, url)
    assert [i["name"] for i in first["items"]] == [f"Aaa {WORD}", f"Bbb {WORD}"] and first["total"] == 4

    retitle(session, "po-d", name=f"Eee {WORD}")  # in the match before and after, after the page's last both times
    second, _, carried = get(app, client, url)
    assert carried == 1 and second == first

    retitle(session, "po-d", summary="Een andere samenvatting.")  # the same: its words elsewhere changed
    assert get(app, client, url)[2] == 1

    retitle(session, "po-c", name=f"Aab {WORD}")  # now before the page's last: computed again
    third, _, carried = get(app, client, url)
    assert carried == 0 and [i["name"] for i in third["items"]] == [f"Aaa {WORD}", f"Aab {WORD}"]

    from catalogue.models import InstrumentKind

    # off the page, but its facet values changed: every count may differ
    retitle(session, "po-d", kind=session.scalar(select(InstrumentKind).where(InstrumentKind.code == "jobcoaching")))
    fourth, _, carried = get(app, client, url)
    assert carried == 0 and fourth["facets"] != third["facets"]

    retitle(session, "po-a", name=f"Zzz {WORD}")  # on the page: computed again
    assert get(app, client, url)[2] == 0


def test_an_instrument_that_leaves_or_enters_the_match_still_renews_a_checked_answer(app, client, session, cached):
    for slug, name in (("pl-a", "Aaa"), ("pl-b", "Bbb"), ("pl-c", "Ccc")):
        make_instrument(session, slug, name=f"{name} {WORD}")
    make_instrument(session, "pl-x", name="Xxx zonder")
    url = f"/api/v1/instruments?q={WORD}&sort=name&per_page=2"
    first, _, _ = get(app, client, url)
    retitle(session, "pl-c", name="Ccc zonder het woord")  # leaves the match: the total changes
    second, _, carried = get(app, client, url)
    assert carried == 0 and second["total"] == first["total"] - 1
    retitle(session, "pl-x", name=f"Xxx {WORD}")  # enters it
    third, _, carried = get(app, client, url)
    assert carried == 0 and third["total"] == first["total"]


def test_the_recent_order_moves_an_edited_instrument_to_the_top(app, client, session, cached):
    for slug in ("pr-a", "pr-b", "pr-c"):
        make_instrument(session, slug, name=f"Recent {slug} {WORD}")
    url = f"/api/v1/instruments?q={WORD}&sort=recent&per_page=2"
    first, _, _ = get(app, client, url)
    off = next(slug for slug in ("pr-a", "pr-b", "pr-c") if slug not in [i["slug"] for i in first["items"]])
    retitle(session, off, summary=f"Net bijgewerkt {WORD}.")  # updated_at moves: first in the recent order
    second, _, carried = get(app, client, url)
    assert carried == 0 and second["items"][0]["slug"] == off


@pytest.fixture()
def broad(monkeypatch):
    """Every relevance ranking from bitsets (SearchEngine._bitset_ranking), as for a broad word at 100,000."""
    import catalogue.search.engine as engine_module

    monkeypatch.setattr(engine_module, "BM25_LIMIT", 0)  # reach.still_valid reads it from there too


def test_a_broad_ranking_keeps_an_answer_an_edit_leaves_below_its_page(app, client, session, cached, broad):
    for n in range(4):  # the word in the name: the heaviest class
        make_instrument(session, f"pb-name-{n}", name=f"{WORD} {n}")
    make_instrument(session, "pb-low", name="Iets anders", summary=f"Over {WORD}.")  # only in the summary: below them
    url = f"/api/v1/instruments?q={WORD}&per_page=3"
    first, _, _ = get(app, client, url)
    assert "pb-low" not in [i["slug"] for i in first["items"]] and first["total"] == 5

    retitle(session, "pb-low", name="Iets heel anders")  # still only in the summary: still below the page
    second, _, carried = get(app, client, url)
    assert carried == 1 and second == first

    retitle(session, "pb-low", name=WORD)  # the word in its name, the shortest name: first now
    third, _, carried = get(app, client, url)
    assert carried == 0 and third["items"][0]["slug"] == "pb-low"


@pytest.mark.parametrize("max_classes", [256, 3])  # 3: the broad ranking stops splitting early (reach margin)
def test_a_checked_answer_stays_equal_to_a_fresh_one_through_random_edits(app, client, session, cached, broad,
                                                                        monkeypatch, max_classes):
    """Random edits (names, summaries, kinds, publication, new instruments) against answers in every checked order
    (name, recent, broad ranking) and unchecked ones (later pages, a facet, an exclusion): after each edit every
    answer the cache serves equals the fresh one (`get` asserts it), and some were carried across edits inside them."""
    import random

    from catalogue.models import InstrumentKind
    from catalogue.search import reach as reach_module

    import catalogue.search.engine as engine_module

    monkeypatch.setattr(engine_module, "MAX_CLASSES", max_classes)
    kept = []
    original = reach_module._stays_off_page
    monkeypatch.setattr(reach_module, "_stays_off_page",
                        lambda *a: (found := original(*a)) is not None and kept.append(a[1].order.kind) or found)

    rng = random.Random(7)
    other = "bereikandersq"
    kinds = session.scalars(select(InstrumentKind.code).order_by(InstrumentKind.code).limit(3)).all()
    slugs = []

    def text(n: int) -> str:
        return " ".join(rng.sample([WORD, other, "werkgever", "premie", "scholing", "Aaa", "Zzz", "Mmm"], 2 + n % 3))

    for n in range(16):
        slugs.append(f"rnd-{n}")
        make_instrument(session, slugs[-1], name=text(n), summary=text(n + 1), kind=kinds[n % len(kinds)])
    urls = [f"/api/v1/instruments?q={WORD}&sort={sort}&per_page={per_page}&page={page}"
            for sort in ("name", "recent", "relevance") for per_page in (2, 4) for page in (1, 2)]
    urls += [f"/api/v1/instruments?q={WORD}&per_page=3&kind={kinds[0]}", f"/api/v1/instruments?q={other}&per_page=3",
             "/api/v1/instruments?per_page=3&sort=name", f"/api/v1/instruments?q={WORD}+-{other}&per_page=2"]
    carried = 0
    for step in range(40):
        for url in urls:
            carried += get(app, client, url)[2]
        action = rng.randrange(5)
        item = session.scalar(select(Instrument).where(Instrument.slug == rng.choice(slugs)))
        if action == 0:
            item.name = text(step)
        elif action == 1:
            item.summary = text(step)
        elif action == 2:
            item.kind = session.scalar(select(InstrumentKind).where(InstrumentKind.code == rng.choice(kinds)))
        elif action == 3:
            item.status = "draft" if item.status == "published" else "published"
        else:
            slugs.append(f"rnd-new-{step}")
            make_instrument(session, slugs[-1], name=text(step), summary=text(step + 2))
            continue
        item.version += 1
        session.commit()
    for url in urls:
        carried += get(app, client, url)[2]
    assert carried > len(kept) > 0 and {"name", "classes"} <= set(kept), (carried, kept)


def test_an_edit_that_could_change_where_a_broad_ranking_stops_splitting_renews_the_answer(
        app, client, session, cached, broad, monkeypatch):
    """The broad ranking stops splitting its candidates when a leaf would make more than MAX_CLASSES classes; an edit
    that changes the number of classes can move that point, and the order of instruments that did not change with it
    (reach.PageOrder.margin)."""
    import catalogue.search.engine as engine_module

    monkeypatch.setattr(engine_module, "MAX_CLASSES", 3)
    make_instrument(session, "pm-1", name=WORD, summary=f"Met {WORD}.")
    make_instrument(session, "pm-2", name=f"{WORD} bb", summary="Zonder het woord.")
    make_instrument(session, "pm-3", name=f"{WORD} ccc", summary=f"Met {WORD}.")
    make_instrument(session, "pm-x", name="Iets", summary=f"Met {WORD}.", description=f"<p>Over {WORD}.</p>")
    make_instrument(session, "pm-y", name="Anders", summary="Zonder het woord.", description=f"<p>Over {WORD}.</p>")
    url = f"/api/v1/instruments?q={WORD}&per_page=2"
    first, _, _ = get(app, client, url)  # the summary would make 4 classes: only the name splits, then short names
    assert [i["slug"] for i in first["items"]] == ["pm-1", "pm-2"]
    retitle(session, "pm-x", summary="Nu zonder het woord.")  # joins pm-y's class: 3 classes, the summary splits too
    second, _, carried = get(app, client, url)
    assert carried == 0 and [i["slug"] for i in second["items"]] == ["pm-1", "pm-3"]


def test_a_check_reuses_the_answers_parsed_words_and_query_unless_the_synonyms_changed(app, client, session, cached,
                                                                                      monkeypatch):
    """The first request after an edit checks every cached answer (reach.still_valid): it takes the words and the
    strict query the answer was made with (parsing and building them again was half of a check), and parses again
    only for other synonyms."""
    import copy

    from catalogue.search import querying

    make_instrument(session, "reuse-in", name=f"Gebruikt {WORD}")
    make_instrument(session, "reuse-out", name="Staat er buiten")
    first, _, _ = get(app, client, URL)
    parses = []
    real_parse = querying.parse
    monkeypatch.setattr(querying, "parse", lambda *a, **k: parses.append(a) or real_parse(*a, **k))
    rename(session, "reuse-out", "Staat er nog steeds buiten")
    response = client.get(URL)
    assert response.json == first and parses == []  # kept, and not parsed for the check
    engine = app.extensions["catalogue_search"]
    monkeypatch.setattr(engine, "synonyms", copy.copy(engine.synonyms))  # equal, not the same object
    rename(session, "reuse-out", "Staat er alweer buiten")
    parses.clear()
    client.get(URL)
    assert parses  # other synonyms: parsed again (for the check, or the answer computed anew)
