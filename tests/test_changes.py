"""The public change feed (catalogue/changes/, GET /api/v1/changes) and modified_after on the list API.

Completeness: replaying the feed from the start (slug -> representation, null = gone) gives exactly the public
catalogue: every public instrument, each equal to GET /api/v1/instruments/<slug>, and nothing else."""
from __future__ import annotations

import json
import threading
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select, text, update

from accounts import people  # noqa: F401
from catalogue.changes import catch_up, decode_cursor, encode_cursor, record
from catalogue.changes.recorder import boundary_instruments
from catalogue.editing import Editor
from catalogue.models import Instrument, Provider, PublicChange


def _feed(client, since: str = "", limit: int = 1000) -> tuple[list[dict], str]:
    items, cursor = [], since
    while True:
        response = client.get("/api/v1/changes", query_string={"since": cursor, "limit": limit} if cursor
                              else {"limit": limit})
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        items += body["items"]
        cursor = body["next"]
        if not body["more"]:
            return items, cursor


def _replay(items: list[dict], mirror: dict | None = None) -> dict:
    mirror = dict(mirror or {})
    for item in items:
        if item["instrument"] is None:
            mirror.pop(item["slug"], None)
        else:
            mirror[item["slug"]] = item["instrument"]
    return mirror


def _public_catalogue(client, details: bool = True) -> dict:
    slugs, page = [], 1
    while True:
        body = client.get("/api/v1/instruments", query_string={
            "lifecycle": "current,upcoming,ended", "per_page": 100, "page": page, "facets": "none"}).get_json()
        slugs += [i["slug"] for i in body["items"]]
        if page >= body["pages"]:
            break
        page += 1
    return {slug: client.get(f"/api/v1/instruments/{slug}").get_json() if details else None for slug in slugs}


def _item(session, slug) -> Instrument:
    return session.scalar(select(Instrument).where(Instrument.slug == slug))


def test_replaying_the_feed_rebuilds_the_public_catalogue_exactly(client, session, people, today):  # noqa: F811
    catch_up(session)
    items, cursor = _feed(client)
    assert {i["change"] for i in items} == {"created"}
    assert set(_replay(items)) == set(_public_catalogue(client, details=False))  # in full below, after the changes

    editor = Editor(session, people["admin"])
    slugs = sorted(session.scalars(select(Instrument.slug).where(Instrument.status == "published",
                                                                 Instrument.deleted_at.is_(None))))
    changed, unpublished, deleted, scheduled, renamed, ended = slugs[:6]
    editor.update(_item(session, changed), {"summary": "Een nieuwe samenvatting voor de feed."}, partial=True)
    editor.unpublish(_item(session, unpublished))
    editor.delete(_item(session, deleted))
    editor.schedule(_item(session, scheduled), today + timedelta(days=5), None)
    editor.update(_item(session, ended), {"valid_from": (today - timedelta(days=400)).isoformat(),
                                          "valid_until": (today - timedelta(days=1)).isoformat()}, partial=True)
    # beside the application: a slug renamed in SQL, a provider renamed (reaches all its instruments)
    session.execute(text("UPDATE instrument SET slug = :new WHERE slug = :old"), {"new": renamed + "-nieuw",
                                                                                    "old": renamed})
    provider = session.scalar(select(Provider).where(Provider.slug == "uwv"))
    session.execute(update(Provider).where(Provider.id == provider.id).values(name="UWV (hernoemd)"))
    session.flush()
    catch_up(session)
    new_items, cursor2 = _feed(client, cursor)
    kinds = {(i["slug"], i["change"], i["reason"]) for i in new_items}
    assert (changed, "updated", None) in kinds
    assert (unpublished, "unpublished", None) in kinds
    assert (deleted, "deleted", None) in kinds
    assert (scheduled, "unpublished", "scheduled") in kinds
    assert (ended, "ended", None) in kinds
    assert (renamed, "deleted", "renamed") in kinds and (renamed + "-nieuw", "created", "renamed") in kinds
    uwv = {i["slug"] for i in new_items if i["instrument"] and i["instrument"]["provider"]["slug"] == "uwv"}
    assert uwv and all(i["instrument"]["provider"]["name"] == "UWV (hernoemd)" for i in new_items if i["slug"] in uwv)
    mirror = _replay(items + new_items)
    assert set(mirror) == set(_public_catalogue(client, details=False))  # every entry in full at the end
    for slug in (changed, ended, renamed + "-nieuw"):
        assert mirror[slug] == client.get(f"/api/v1/instruments/{slug}").get_json()

    # nothing changed: no new entries, the cursor stays
    catch_up(session)
    assert _feed(client, cursor2) == ([], cursor2)
    # published again
    editor.publish(_item(session, unpublished))
    editor.restore(_item(session, deleted))
    catch_up(session)
    again, _ = _feed(client, cursor2)
    assert {(i["slug"], i["change"]) for i in again} >= {(unpublished, "published"), (deleted, "published")}
    assert _replay(items + new_items + again) == _public_catalogue(client)


def test_publication_windows_opening_and_closing_show_on_their_day(client, session, people, today):  # noqa: F811
    catch_up(session, today)
    editor = Editor(session, people["admin"])
    slugs = sorted(session.scalars(select(Instrument.slug).where(Instrument.status == "published",
                                                                 Instrument.deleted_at.is_(None))))
    opening, closing = slugs[:2]
    editor.schedule(_item(session, opening), today + timedelta(days=2), None)
    editor.schedule(_item(session, closing), None, today + timedelta(days=1))
    catch_up(session, today)
    start = session.scalar(select(PublicChange.id).order_by(PublicChange.id.desc()).limit(1))
    assert boundary_instruments(session, today, today + timedelta(days=2)) >= {
        _item(session, opening).id, _item(session, closing).id}
    # two days later, without any commit in between
    record(session, today + timedelta(days=2))
    later = list(session.scalars(select(PublicChange).where(PublicChange.id > start).order_by(PublicChange.id)))
    assert ("published", opening) in {(c.change, c.slug) for c in later}
    assert ("unpublished", closing, "publication_window_ended") in {(c.change, c.slug, c.reason) for c in later}


def test_bad_cursor_and_modified_after_are_refused_naming_the_parameter(client, session):
    catch_up(session)
    for bad in ("zomaar", "c1.", "c1.!!", "c1." + "x" * 50, encode_cursor(10 ** 9)):
        response = client.get("/api/v1/changes", query_string={"since": bad})
        assert response.status_code == 400, bad
        assert response.get_json()["parameter"] == "since"
    assert client.get("/api/v1/changes?limit=0").get_json()["parameter"] == "limit"
    for bad in ("gisteren", "2026-13-01", "2026-05-01T12:00:00"):  # no timezone
        response = client.get("/api/v1/instruments", query_string={"modified_after": bad})
        assert response.status_code == 400 and response.get_json()["parameter"] == "modified_after", bad
    assert decode_cursor(encode_cursor(42)) == 42


def test_modified_after_lists_only_what_changed(client, session, people):  # noqa: F811
    catch_up(session)
    stamp = (datetime.now(timezone.utc) + timedelta(seconds=1)).isoformat()
    assert client.get("/api/v1/instruments", query_string={"modified_after": stamp}).get_json()["total"] == 0
    slug = sorted(session.scalars(select(Instrument.slug).where(Instrument.status == "published",
                                                                Instrument.deleted_at.is_(None))))[0]
    item = _item(session, slug)
    session.execute(update(Instrument).where(Instrument.id == item.id).values(
        updated_at=datetime.now(timezone.utc) + timedelta(seconds=5), version=Instrument.version + 1))
    session.flush()
    body = client.get("/api/v1/instruments", query_string={"modified_after": stamp}).get_json()
    assert [i["slug"] for i in body["items"]] == [slug]
    assert client.get("/api/v1/instruments", query_string={"modified_after": "2000-01-01"}).get_json()["total"] \
        == client.get("/api/v1/instruments").get_json()["total"]
    name_word = item.name.split()[0]
    with_text = client.get("/api/v1/instruments", query_string={"modified_after": stamp, "q": name_word}).get_json()
    assert [i["slug"] for i in with_text["items"]] == [slug]  # combines with the search engine too


def test_the_document_describes_the_feed_and_modified_after(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert {"since", "limit"} == {p["name"] for p in doc["paths"]["/api/v1/changes"]["get"]["parameters"]}
    assert "modified_after" in {p["name"] for p in doc["paths"]["/api/v1/instruments"]["get"]["parameters"]}


def test_concurrent_writers_and_recorders_keep_the_feed_in_commit_order(templates, tmp_path):
    """Writers commit while two recorders run and a reader follows the feed with its cursor: the reader sees every
    entry (no id ever appears behind its cursor) and its mirror ends equal to the public catalogue."""
    from catalogue.changes import read
    from catalogue.changes.representation import representation
    from catalogue.changes.recorder import _load
    from helpers import scratch_database
    from webhook_helpers import small_catalogue

    with scratch_database(templates, tmp_path) as db:
        with db.session() as s:
            ids = small_catalogue(s, 12)
        done = threading.Event()
        errors: list[BaseException] = []
        seen: list[int] = []
        mirror: dict = {}

        def guarded(work):
            def run():
                try:
                    work()
                except BaseException as exc:  # noqa: BLE001 - reported below
                    errors.append(exc)
            return run

        def writer(offset):
            from sqlalchemy.orm.exc import StaleDataError

            from catalogue.db import retrying

            for n in range(25):
                def change():
                    with db.session(write=True) as s:
                        item = s.get(Instrument, ids[(offset * 7 + n) % len(ids)])
                        item.summary = f"Versie {offset}-{n}"
                        if n % 6 == 5:
                            item.status = "draft" if item.status == "published" else "published"
                for _ in range(20):
                    try:
                        retrying(change)
                        break
                    except StaleDataError:  # another writer saved this instrument first (optimistic locking)
                        continue

        def recorder():
            from catalogue.db import retrying
            while not done.is_set():
                def once():
                    with db.session(write=True) as s:
                        record(s)
                retrying(once)
                time.sleep(0.01)

        def reader():
            cursor = 0
            while True:
                finished = done.is_set()
                with db.session() as s:
                    items, cursor_after, more = read(s, cursor, limit=50)
                items = [json.loads(i) for i in items]
                for item in items:
                    position = decode_cursor(item["cursor"])
                    assert position > cursor and (not seen or position > seen[-1])
                    seen.append(position)
                    cursor = position
                _replay_into(mirror, items)
                if finished and not more and not items:
                    return
                time.sleep(0.005)

        import time
        writers = [threading.Thread(target=guarded(lambda o=o: writer(o))) for o in range(3)]
        recorders = [threading.Thread(target=guarded(recorder)) for _ in range(2)]
        follower = threading.Thread(target=guarded(reader))
        for t in writers + recorders + [follower]:
            t.start()
        try:
            for t in writers:
                t.join(120)
            time.sleep(0.3)
            with db.session(write=True) as s:  # whatever the recorders had not seen yet
                catch_up(s)
        finally:
            done.set()
            for t in recorders + [follower]:
                t.join(120)
        assert not errors, errors
        with db.session(write=True) as s:
            assert catch_up(s) == 0
            assert seen == sorted(s.scalars(select(PublicChange.id)))  # every entry, none behind the cursor
            today = date.today()
            truth = {i.slug: representation(i, today) for i in _load(s, ids).values() if i.is_public(today)}
        assert mirror == truth


def _replay_into(mirror: dict, items: list[dict]) -> None:
    for item in items:
        if item["instrument"] is None:
            mirror.pop(item["slug"], None)
        else:
            mirror[item["slug"]] = item["instrument"]


def test_the_feed_is_never_answered_from_the_page_cache(client, session, app, monkeypatch, people):  # noqa: F811
    monkeypatch.setitem(app.config, "PAGE_CACHE", True)
    catch_up(session)
    first = client.get("/api/v1/changes?limit=1000")
    assert "ETag" not in first.headers and first.headers["Cache-Control"] == "no-cache"
    cursor = first.get_json()["next"]
    slug = sorted(session.scalars(select(Instrument.slug).where(Instrument.status == "published",
                                                                Instrument.deleted_at.is_(None))))[0]
    Editor(session, people["admin"]).unpublish(_item(session, slug))
    client.get("/api/v1/instruments")  # the search follower has seen the change ...
    assert client.get(f"/api/v1/changes?since={cursor}").get_json()["items"] == []  # ... the recorder not yet
    catch_up(session)  # same index position, new feed entry
    assert [i["slug"] for i in client.get(f"/api/v1/changes?since={cursor}").get_json()["items"]] == [slug]
    assert "ETag" not in client.get("/api/v1/instruments?modified_after=2026-01-01").headers
