"""Health and readiness, metrics, request ids and JSON logs, and HTTP caching (ETag/Last-Modified, 304)."""
from __future__ import annotations

import json
import logging
import time
from datetime import date

from accounts import login, people  # noqa: F401
from helpers import make_instrument


def test_healthz_and_readyz(client):
    assert client.get("/healthz").json == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.json
    assert ready.json["checks"]["database"] == "ok" and ready.json["checks"]["index"] == "ok"
    assert ready.json["checks"]["follow_lag_seconds"] < 5


def test_readyz_is_503_when_the_follower_is_behind_or_the_index_is_loading(app, client, monkeypatch):
    engine = app.extensions["catalogue_search"]
    follower = engine.follower
    monkeypatch.setattr(follower, "sync", lambda session: None)  # stuck: no round completes
    monkeypatch.setattr(follower, "last_ok", time.monotonic() - 6)
    behind = client.get("/readyz")
    assert behind.status_code == 503 and behind.json["status"] == "not ready"
    monkeypatch.setattr(follower, "last_ok", time.monotonic())
    assert client.get("/readyz").status_code == 200
    monkeypatch.setattr(engine, "_table", None)  # a node still loading its facet table
    assert client.get("/readyz").status_code == 503


def test_metrics_are_exposed(client):
    client.get("/instrumenten?q=proefplaatsing")
    client.get("/api/v1/suggest?q=jobc")
    body = client.get("/metrics").get_data(as_text=True)
    assert 'catalogue_request_seconds_bucket{endpoint="public.instruments"' in body
    assert 'catalogue_search_seconds_count{kind="text"}' in body
    assert 'catalogue_search_seconds_count{kind="suggest"}' in body
    assert "catalogue_index_followed_timestamp_seconds" in body and "catalogue_index_follow_delay_seconds" in body
    assert 'catalogue_queue_length{queue="outbox"}' in body


def test_request_id_is_echoed_or_made_and_logged_as_json(client, caplog):
    assert client.get("/healthz", headers={"X-Request-ID": "lb-123.abc"}).headers["X-Request-ID"] == "lb-123.abc"
    made = client.get("/healthz", headers={"X-Request-ID": "not ok <script>" + "x" * 80}).headers["X-Request-ID"]
    assert len(made) == 32 and made.isalnum()
    from catalogue.logs import JsonFormatter

    with caplog.at_level(logging.INFO, logger="catalogue.access"):
        client.get("/soorten", headers={"X-Request-ID": "req-42"})
    record = [r for r in caplog.records if r.name == "catalogue.access"][-1]
    from catalogue import logs

    token = logs.request_id.set("req-42")
    try:
        line = json.loads(JsonFormatter().format(record))
    finally:
        logs.request_id.reset(token)
    assert line["request_id"] == "req-42" and line["path"] == "/soorten" and line["status"] == 200
    assert line["level"] == "info" and "duration_ms" in line


def test_public_pages_get_validators_and_304_on_revalidation(client, session):
    first = client.get("/instrumenten")
    assert first.status_code == 200
    tag = first.headers["ETag"]
    assert tag.startswith('W/"') and first.headers["Cache-Control"] == "public, max-age=0, must-revalidate"
    assert "Cookie" in first.headers["Vary"] and first.headers["Last-Modified"]
    again = client.get("/instrumenten", headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == tag
    since = client.get("/instrumenten", headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304
    english = client.get("/en/instrumenten")
    assert english.headers["ETag"] != tag  # the language is part of the validator
    assert client.get("/en/instrumenten", headers={"If-None-Match": tag}).status_code == 200

    make_instrument(session, "cache-edit", name="Cachewoordje")  # an edit: the next request after following it
    changed = client.get("/instrumenten?q=cachewoordje", headers={"If-None-Match": tag})
    assert changed.status_code == 200 and "Cachewoordje" in changed.get_data(as_text=True)
    assert changed.headers["ETag"] != tag
    assert client.get("/instrumenten", headers={"If-None-Match": tag}).status_code == 200


def test_an_anonymous_page_is_rendered_once_per_position(app, client, session, monkeypatch):
    from catalogue.web import public

    monkeypatch.setitem(app.config, "PAGE_CACHE", True)  # off in testing by default

    first = client.get("/soorten").get_data()
    calls = []
    monkeypatch.setattr(public, "render_template", lambda *a, **k: calls.append(a) or "")
    assert client.get("/soorten").get_data() == first and calls == []  # served from the page cache
    make_instrument(session, "cache-page")  # a new position: rendered again
    client.get("/soorten")
    assert len(calls) == 1


def test_api_responses_are_cacheable_too(client):
    first = client.get("/api/v1/instruments?q=lks")
    assert first.headers["Cache-Control"].startswith("public") and first.headers["ETag"]
    assert client.get("/api/v1/instruments?q=lks", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304


def test_logged_in_users_and_token_requests_are_never_cached(client, people):  # noqa: F811
    login(client, people["editor"])
    page = client.get("/instrumenten")
    assert "ETag" not in page.headers and "no-store" in page.headers["Cache-Control"]
    login(client, None)
    with client.session_transaction() as sess:
        sess.clear()
    tag = client.get("/instrumenten").headers.get("ETag")
    api = client.get("/api/v1/instruments", headers={"Authorization": f"Bearer {people.tokens['editor']}",
                                                     "If-None-Match": tag or "x"})
    assert api.status_code == 200 and "ETag" not in api.headers
    assert client.get("/beheer/", headers={"If-None-Match": tag or "x"}).status_code in (302, 401)


def test_region_harmonisation_is_kept_and_reflects_an_edit_on_the_next_request(client, session):
    first = client.get("/api/v1/regions/AM20/harmonisation").json
    live = client.application.extensions["harmonisation_live"]
    computed = live.computed
    assert client.get("/api/v1/regions/AM20/harmonisation").json == first
    assert live.computed == computed  # the same snapshot (catalogue/harmonisation/live.py)
    kinds = {row["kind"]["code"] if isinstance(row.get("kind"), dict) else row.get("kind"): row
             for row in first.get("kinds", first.get("rows", []))}
    make_instrument(session, "cache-harm", name="Gouda werkfit test", kind="jobcoaching", provider="gemeente-gouda",
                    reach="lokaal", municipalities=["GM0513"])
    after = client.get("/api/v1/regions/AM20/harmonisation").json
    assert after != first and kinds
    assert live.computed == computed and live.snapshot(date.today()).updates == 1  # followed per instrument


def test_page_cache_keeps_its_bytes_bounded():
    from catalogue.web.http_cache import PageCache

    cache = PageCache(size=10, max_bytes=100, total_bytes=250)
    for n in range(5):
        cache.put("tag", f"/p{n}", b"x" * 100, "text/html")
    assert cache.get("tag", "/p0") is None and cache.get("tag", "/p2") is None  # the oldest went first
    assert cache.get("tag", "/p3") and cache.get("tag", "/p4")
    cache.put("tag", "/p4", b"y" * 50, "text/html")  # replacing an entry counts its new size only
    cache.put("tag", "/p5", b"z" * 101, "text/html")  # larger than max_bytes: never kept
    assert cache.get("tag", "/p5") is None and cache.get("tag", "/p3")
    assert cache._bytes == 150
