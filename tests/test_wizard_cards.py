"""The wizard's card cache (catalogue/web/cards.py): the same HTML as drawing every card, never a card older than the
catalogue, never another language's card, nothing internal, bounded."""
from sqlalchemy import select

from accounts import login, people  # noqa: F401
from catalogue.models import Instrument, Provider, TaxonomyTerm
from catalogue.web.cards import CardCache
from helpers import make_instrument

RESULT = "/werkgever?gemeente=GM0513&doelgroep=&uitkering=&leeftijd="
OTHER = "/werkgever?gemeente=GM0034&doelgroep=&uitkering=&leeftijd="  # Almere: the national cards are the same


def _cards(app) -> CardCache:
    return app.extensions["wizard_cards"]


def _drawn(app, client, url):
    """The page with every card drawn by its macro (the cache switched off for one request)."""
    cache = app.extensions.pop("wizard_cards")
    try:
        return client.get(url).get_data(as_text=True)
    finally:
        app.extensions["wizard_cards"] = cache


def test_cached_cards_give_the_same_page_as_drawing_them(app, client):
    cache = _cards(app)
    cache.clear()
    first = client.get(RESULT).get_data(as_text=True)
    assert len(cache) > 0
    hits = cache.hits
    again = client.get(RESULT).get_data(as_text=True)
    assert cache.hits - hits == first.count('class="card wizard-card"') > 0
    assert first == again == _drawn(app, client, RESULT)
    hits = cache.hits
    other = client.get(OTHER).get_data(as_text=True)
    assert cache.hits > hits  # the national instruments' cards are shared between gemeenten
    assert other == _drawn(app, client, OTHER)


def test_an_edit_redraws_the_edited_card_and_keeps_the_others(app, client, session):
    item = make_instrument(session, "kaart-test", name="Kaartproef oud", summary="Oude samenvatting.")
    cache = _cards(app)
    assert "Kaartproef oud" in client.get(RESULT).get_data(as_text=True)
    kept, cleared = len(cache), cache.cleared
    item.name, item.summary = "Kaartproef nieuw", "Nieuwe samenvatting."
    session.commit()
    html = client.get(RESULT).get_data(as_text=True)
    assert "Kaartproef nieuw" in html and "Nieuwe samenvatting." in html
    assert "Kaartproef oud" not in html and "Oude samenvatting." not in html
    assert cache.cleared == cleared and len(cache) == kept  # one card dropped and drawn again, the rest kept
    assert html == _drawn(app, client, RESULT)


def test_an_amount_or_a_term_of_the_instrument_redraws_its_card(app, client, session):
    item = make_instrument(session, "kaart-bedrag", amount_type="vast", amount_value=1000)
    assert "1.000" in client.get(RESULT).get_data(as_text=True)
    item.amount_value = 2500
    session.commit()
    html = client.get(RESULT).get_data(as_text=True)
    assert "2.500" in html and html == _drawn(app, client, RESULT)
    term = session.scalar(select(TaxonomyTerm).where(TaxonomyTerm.taxonomy == "age_group"))
    item.terms.append(term)  # instrument_term: "Voor wie" on the card
    session.commit()
    html = client.get(RESULT).get_data(as_text=True)
    card = html[html.index("Testinstrument kaart-bedrag"):]
    assert term.name in card[:card.index("</article>")] and html == _drawn(app, client, RESULT)


def test_a_renamed_provider_drops_every_card(app, client, session):
    make_instrument(session, "kaart-aanbieder")
    cache = _cards(app)
    client.get(RESULT)
    cleared = cache.cleared
    provider = session.scalar(select(Provider).where(Provider.slug == "uwv"))
    provider.name = "UWV (hernoemd)"
    session.commit()
    html = client.get(RESULT).get_data(as_text=True)
    assert cache.cleared == cleared + 1
    assert "UWV (hernoemd)" in html and html == _drawn(app, client, RESULT)


def test_a_card_is_never_served_in_another_language(app, client):
    dutch = client.get(RESULT).get_data(as_text=True)
    english = client.get("/en" + RESULT).get_data(as_text=True)
    assert "Selecteer voor het overzicht" in dutch and "Hoe vraagt u het aan?" in dutch
    assert "Selecteer voor het overzicht" not in english and "Hoe vraagt u het aan?" not in english
    assert "How do you apply?" in english and 'href="/en/instrumenten/' in english
    assert english == _drawn(app, client, "/en" + RESULT)
    assert client.get(RESULT).get_data(as_text=True) == dutch


def test_no_internal_field_in_a_card_and_logged_in_pages_are_drawn_afresh(app, client, session, people):  # noqa: F811
    secret = "GEHEIM-kaart-notitie-4711"
    make_instrument(session, "kaart-intern", internal_notes=secret, municipalities=["GM0513"], reach="lokaal",
                    provider="gemeente-gouda", kind="loonkostensubsidie")
    cache = _cards(app)
    cache.clear()
    login(client, people["account_manager"])  # may read Gouda's internal notes
    html = client.get(RESULT).get_data(as_text=True)
    assert "kaart-intern" in html and secret not in html
    assert len(cache) == 0  # a logged-in user's page does not fill the cache
    login(client, None)
    html = client.get(RESULT).get_data(as_text=True)
    assert "kaart-intern" in html and secret not in html and len(cache) > 0
    assert not any(secret in card or "internal" in card for card in cache._items.values())
    assert session.scalar(select(Instrument.internal_notes).where(Instrument.slug == "kaart-intern")) == secret


def test_the_cache_is_bounded_and_refuses_cards_of_another_state():
    cache = CardCache(max_bytes=10_000)
    state = ("2026-12-01", 5, frozenset())
    cache.advance(None, state)
    for number in range(100):
        cache.put(state, ("nl", "", number, "past", "national", None, False, None), "x" * 1000)
    assert cache.size_bytes <= 10_000 and 0 < len(cache) < 10
    assert cache.get(state, ("nl", "", 99, "past", "national", None, False, None)) == "x" * 1000
    assert cache.get(state, ("nl", "", 0, "past", "national", None, False, None)) is None  # the oldest went first
    cache.put(("2026-12-01", 4, frozenset()), ("nl", "", 7, "past", "national", None, False, None), "old")
    assert cache.get(state, ("nl", "", 7, "past", "national", None, False, None)) is None


def test_advancing_drops_only_what_the_entries_name_and_everything_when_unsure():
    cache = CardCache()
    start = ("2026-12-01", 100, frozenset({98}))
    cache.advance(None, start)
    for iid in (1, 2, 3, 4):
        cache.put(start, ("nl", "", iid), f"card {iid}")
    moved = ("2026-12-01", 101, frozenset())
    cache.advance(start, moved, [(98, "instrument", 4, None), (101, "instrument", 2, None)])  # a hole and a new entry
    assert [cache.get(moved, ("nl", "", i)) for i in (1, 2, 3, 4)] == ["card 1", None, "card 3", None]
    assert cache.cleared == 1  # only the first state
    for entries, later in [
        ([(102, "provider", 9, None)], ("2026-12-01", 102, frozenset())),  # a provider: every card
        (None, ("2026-12-01", 2000, frozenset())),  # too many entries to read: every card
        ([], ("2026-12-01", 90, frozenset())),  # the cursor went back: every card
        ([(104, "instrument", 1, None)], ("2026-12-02", 104, frozenset())),  # another day: every card
    ]:
        state = cache.state
        cache.put(state, ("nl", "", 3), "card 3")
        cache.advance(state, later, entries)
        assert cache.get(later, ("nl", "", 3)) is None, later
    state = cache.state
    cache.put(state, ("nl", "", 3), "card 3")
    cache.advance(("2026-12-02", 1, frozenset()), ("2026-12-02", 105, frozenset()), [])  # another request moved it
    assert cache.get(("2026-12-02", 105, frozenset()), ("nl", "", 3)) is None


def test_a_request_that_reads_less_than_the_follower_applied_neither_reads_nor_keeps_cards(app, client, monkeypatch):
    from catalogue.web import cards as module

    cache = _cards(app)
    cache.clear()
    hits = cache.hits
    monkeypatch.setattr(module.changelog, "head", lambda session: -1)  # its snapshot is older than the cursor
    html = client.get(RESULT).get_data(as_text=True)
    assert len(cache) == 0 and cache.hits == hits and 'class="card wizard-card"' in html
    monkeypatch.undo()
    assert client.get(RESULT).get_data(as_text=True) == html and len(cache) > 0
