"""Ended and not-yet-started schemes are never presented as current; publication windows are respected."""
from datetime import timedelta

from helpers import make_instrument


def test_ended_scheme_is_not_in_the_default_list_but_findable(client):
    body = client.get("/api/v1/instruments?per_page=100&kind=loonkostenvoordeel").json
    assert "lage-inkomensvoordeel" not in {i["slug"] for i in body["items"]}
    ended = client.get("/api/v1/instruments?per_page=100&lifecycle=ended").json
    items = {i["slug"]: i for i in ended["items"]}
    assert "lage-inkomensvoordeel" in items
    assert items["lage-inkomensvoordeel"]["lifecycle"] == "ended"
    html = client.get("/instrumenten?lifecycle=ended").get_data(as_text=True)
    assert "Beëindigd per" in html


def test_ended_scheme_detail_page_says_it_has_ended(client):
    html = client.get("/instrumenten/lage-inkomensvoordeel").get_data(as_text=True)
    assert "Deze regeling is beëindigd." in html
    assert client.get("/api/v1/instruments/lage-inkomensvoordeel").json["lifecycle"] == "ended"


def test_ended_scheme_not_on_gemeente_page(client):
    html = client.get("/gemeenten/gouda").get_data(as_text=True)
    assert "/instrumenten/lage-inkomensvoordeel\"" not in html
    assert "/instrumenten/jeugd-lage-inkomensvoordeel\"" not in html


def test_upcoming_scheme_is_labelled_and_kept_apart(client, session, today):
    make_instrument(session, "test-binnenkort", valid_from=today + timedelta(days=40))
    item = client.get("/api/v1/instruments/test-binnenkort").json
    assert item["lifecycle"] == "upcoming"
    current = client.get("/api/v1/instruments?lifecycle=current&per_page=100&provider_type=uwv").json
    assert "test-binnenkort" not in {i["slug"] for i in current["items"]}
    html = client.get("/gemeenten/gouda").get_data(as_text=True)
    assert "Binnenkort" in html and "Start op" in html


def test_publication_window_hides_instruments(client, session, today):
    make_instrument(session, "test-verlopen-publicatie", publish_to=today - timedelta(days=1))
    make_instrument(session, "test-toekomstige-publicatie", publish_from=today + timedelta(days=1))
    for slug in ("test-verlopen-publicatie", "test-toekomstige-publicatie"):
        assert client.get(f"/api/v1/instruments/{slug}").status_code == 404
        assert client.get(f"/instrumenten/{slug}").status_code == 404


def test_soft_deleted_instrument_is_hidden(client, session):
    from datetime import datetime, timezone

    make_instrument(session, "test-verwijderd", deleted_at=datetime.now(timezone.utc))
    assert client.get("/api/v1/instruments/test-verwijderd").status_code == 404
