"""The index and facet table follow the change log (create, edit, unpublish, soft-delete, delete, renames), and a
rebuild swaps a complete new index in atomically. Here the follower runs inside requests (testing mode) and follows the
test's own transaction; tests/test_follower.py runs the real background follower on its own SQLite database."""
from __future__ import annotations

import os
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from catalogue.models import Instrument
from helpers import make_instrument


def found(client, q, **params):
    body = client.get("/api/v1/instruments", query_string={"q": q, "per_page": 100, **params}).json
    return [i["slug"] for i in body["items"]]


def test_create_edit_unpublish_delete_are_visible_at_once(client, session):
    assert found(client, "zeldzaamwoordqq") == []
    item = make_instrument(session, "sync-test", name="Zeldzaamwoordqq regeling", summary="Over een proefplaatsing.")
    assert found(client, "zeldzaamwoordqq") == ["sync-test"]

    item.name = "Anderwoordzz regeling"
    session.commit()
    assert found(client, "anderwoordzz") == ["sync-test"]
    assert found(client, "zeldzaamwoordqq") == []

    item.status = "draft"
    session.commit()
    assert found(client, "anderwoordzz") == []

    item.status = "published"
    session.commit()
    assert found(client, "anderwoordzz") == ["sync-test"]

    item.deleted_at = datetime.now(timezone.utc)
    session.commit()
    assert found(client, "anderwoordzz") == []

    item.deleted_at = None
    session.commit()
    assert found(client, "anderwoordzz") == ["sync-test"]
    session.delete(item)
    session.commit()
    assert found(client, "anderwoordzz") == []


def test_facet_counts_follow_edits(client, session):
    def count(kind):
        body = client.get("/api/v1/instruments", query_string={"q": "tellertestwoord", "facets": "kind"}).json
        return {v["code"]: v["count"] for v in body["facets"]["kind"]}.get(kind, 0)

    item = make_instrument(session, "sync-facets", name="Tellertestwoord", kind="proefplaatsing")
    assert count("proefplaatsing") == 1 and count("jobcoaching") == 0
    from catalogue.models import InstrumentKind

    item.kind = session.scalar(select(InstrumentKind).where(InstrumentKind.code == "jobcoaching"))
    session.commit()
    assert count("proefplaatsing") == 0 and count("jobcoaching") == 1


def test_term_only_edit_updates_facets_and_text(client, session):
    from catalogue.models import TaxonomyTerm

    item = make_instrument(session, "sync-terms", name="Termtestwoord")
    assert found(client, "termtestwoord", scheme="wajong") == []
    item.terms = [session.scalar(select(TaxonomyTerm).where(TaxonomyTerm.taxonomy == "scheme", TaxonomyTerm.code == "wajong"))]
    session.commit()
    assert found(client, "termtestwoord", scheme="wajong") == ["sync-terms"]
    assert found(client, "termtestwoord wajong") == ["sync-terms"]  # scheme names are searchable


def test_rollback_is_not_indexed(client, session):
    item = make_instrument(session, "sync-rollback", name="Terugdraaiwoord")
    item.name = "Nooitgecommit"
    session.flush()
    session.rollback()
    assert found(client, "nooitgecommit") == []


def test_provider_and_kind_renames_reach_the_index(client, session):
    from catalogue.models import InstrumentKind, Provider

    item = make_instrument(session, "sync-rename", name="Hernoemtestwoord")
    assert found(client, "hernoemtestwoord")  # followed
    item.provider.name = "Aanbiederxyzzy"
    session.flush()
    session.commit()
    assert "sync-rename" in found(client, "aanbiederxyzzy")
    session.execute(__import__("sqlalchemy").text("UPDATE instrument_kind SET name = 'Soortqwerty' WHERE id = :k"),
                    {"k": item.kind_id})
    session.commit()
    assert "sync-rename" in found(client, "soortqwerty")
    body = client.get("/api/v1/instruments", query_string={"q": "hernoemtestwoord", "facets": "kind"}).json
    assert any(v["name"] == "Soortqwerty" for v in body["facets"]["kind"])
    assert session.get(Provider, item.provider_id) and session.get(InstrumentKind, item.kind_id)


def test_raw_sql_update_beside_the_app_is_followed(client, session):
    item = make_instrument(session, "sync-raw", name="Rauwsqlwoord")
    assert found(client, "rauwsqlwoord") == ["sync-raw"]
    session.execute(__import__("sqlalchemy").text("UPDATE instrument SET name = 'Ruwesqlnaam' WHERE id = :i"), {"i": item.id})
    session.commit()
    assert found(client, "ruwesqlnaam") == ["sync-raw"]
    assert found(client, "rauwsqlwoord") == []


def test_rebuild_swaps_atomically_and_a_failed_build_leaves_the_index_alone(app, client, session):
    from catalogue.search.follower import rebuild_index

    engine = app.extensions["catalogue_search"]
    store = engine.store
    found(client, "proefplaatsing")  # the index exists
    before = os.path.realpath(store.current)
    figures = rebuild_index(engine, session)
    after = os.path.realpath(store.current)
    assert after != before and os.path.islink(store.current)
    assert figures["documents"] > 100 and store.read_state()["cursor"] == figures["cursor"]
    assert "uwv-proefplaatsing" in found(client, "proefplaatsing")

    def broken():
        yield from []
        raise RuntimeError("crash mid-build")

    with pytest.raises(RuntimeError):
        store.build(broken())
    assert os.path.realpath(store.current) == after
    assert "uwv-proefplaatsing" in found(client, "proefplaatsing")
    assert len(list(store.root.glob("build-*"))) <= 2


def test_missing_index_is_built_in_the_background_while_sql_answers(app, tmp_path, database, session, today):
    from catalogue.queries import InstrumentQuery, find_instruments
    from catalogue.search import register
    from catalogue.search.engine import SearchEngine
    from catalogue.search.follower import Follower

    engine = SearchEngine(tmp_path / "index")
    follower = Follower(engine, database.session_factory, in_requests=True)
    url = session.get_bind().engine.url
    register(url, engine)
    try:
        first = find_instruments(session, InstrumentQuery(q="loonkostensubsidie"), today)
        assert first.engine != "search" and first.total > 0  # answered from SQL; the request built nothing
        follower.wait_built()
        assert engine.store.exists() and engine.store.read_state() is not None
        later = find_instruments(session, InstrumentQuery(q="lks"), today)
        assert later.engine == "search" and later.total > 0
        assert engine.store.status()["documents"] == session.scalar(
            select(__import__("sqlalchemy").func.count()).select_from(Instrument).where(
                Instrument.status == "published", Instrument.deleted_at.is_(None)))
    finally:
        register(url, app.extensions["catalogue_search"])


def test_cli_index_rebuild_and_status(tmp_path, monkeypatch, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("the command-line round trip uses its own SQLite file")
    from click.testing import CliRunner

    from catalogue.cli import main

    monkeypatch.setenv("CATALOGUE_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite'}")
    monkeypatch.setenv("CATALOGUE_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("CATALOGUE_SECRET_KEY", "x")
    runner = CliRunner()
    assert runner.invoke(main, ["init"]).exit_code == 0
    assert "No search index" in runner.invoke(main, ["index", "status"]).output
    assert runner.invoke(main, ["seed"]).exit_code == 0
    result = runner.invoke(main, ["index", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "Search index rebuilt" in result.output
    status = runner.invoke(main, ["index", "status"])
    assert "instruments" in status.output and (tmp_path / "index" / "current").is_symlink()


def test_crashed_builds_are_removed_by_the_next_build_but_a_running_one_is_not(tmp_path):
    """Builds killed with SIGKILL leave their directories; the next build removes them, not another process's build."""
    import signal
    import subprocess
    import sys
    import time

    from catalogue.search import builds
    from catalogue.search.index import IndexStore, make_document

    root = tmp_path / "index"
    store = IndexStore(root)
    doc = make_document(id=1, name="Proefplaatsing", kind="proefplaatsing", kind_en=None, summary="Een test.",
                        description=None, conditions=None, how_to_apply=None, amount_note=None, legal_basis=None,
                        provider="UWV", places=[], tags=[], translations=None)
    store.build([doc])
    first = store.current_path()
    hanging = ("import sys, time\n"
               "from catalogue.search.index import IndexStore\n"
               "def documents():\n"
               "    print('started', flush=True)\n"
               "    time.sleep(120)\n"
               "    yield from ()\n"
               "IndexStore(sys.argv[1]).build(documents())\n")

    def start_build():
        child = subprocess.Popen([sys.executable, "-c", hanging, str(root)], stdout=subprocess.PIPE, text=True)
        assert child.stdout.readline().strip() == "started"
        return child

    running = start_build()  # another process, still building
    try:
        killed = [start_build() for _ in range(3)]  # three more, killed mid-way
        for child in killed:
            child.send_signal(signal.SIGKILL)
            child.wait()
        stale_legacy = root / "build-20200101-000000-1-000001"  # an unfinished build from before the lock files
        stale_legacy.mkdir()
        os.utime(stale_legacy, (time.time() - 2 * builds.STALE_SECONDS,) * 2)
        unfinished = [p for p in root.glob("build-*") if p.is_dir() and not builds.is_complete(p)]
        assert len(unfinished) == 5
        in_progress = [p for p in unfinished if builds.in_progress(p)]
        assert len(in_progress) == 1

        figures = store.build([doc])
        assert figures["removed_crashed"] == 4
        left = sorted(p.name for p in root.glob("build-*") if p.is_dir())
        assert left == sorted([first.name, store.current_path().name, in_progress[0].name])
        assert builds.in_progress(in_progress[0]) and builds.lock_path(in_progress[0]).exists()
        assert not [p for p in root.glob("build-*.lock") if p != builds.lock_path(in_progress[0])]
        assert store.open() is not None
    finally:
        running.kill()
        running.wait()
    store.build([doc])  # now that one crashed too
    left = [p for p in root.glob("build-*") if p.is_dir()]
    assert all(builds.is_complete(p) for p in left) and len(left) == 2
    assert not list(root.glob("build-*.lock"))


HIDDEN = {  # slug: (marker word, how it is hidden)
    "verborgen-gepland": "plannerwoordqx",  # published, but from 2099
    "verborgen-verlopen": "verloopwoordqx",  # published until last year
    "verborgen-concept": "conceptwoordqx",  # a draft
    "verborgen-verwijderd": "verwijderwoordqx",  # deleted
}


def test_suggestions_corrections_and_snippets_use_only_public_documents(app, client, session, today):
    """Issue 10: completions and "Bedoelde u ...?" came from a document scheduled for 2099 and from expired ones. Even
    when the index still holds hidden documents (here written into it on purpose), nothing of them comes out."""
    from datetime import date, timedelta

    from catalogue.search.index import document_for

    items = {slug: make_instrument(session, slug, name=f"Regeling {word}", summary=f"Over {word} en proefplaatsing.")
             for slug, word in HIDDEN.items()}
    items["verborgen-gepland"].publish_from = date(2099, 1, 1)
    items["verborgen-verlopen"].publish_to = today - timedelta(days=365)
    items["verborgen-concept"].status = "draft"
    items["verborgen-verwijderd"].deleted_at = datetime.now(timezone.utc)
    public = make_instrument(session, "zichtbaar-controle", name="Regeling openbaarwoordqx",
                             summary="Over openbaarwoordqx en proefplaatsing.")
    session.commit()
    engine = app.extensions["catalogue_search"]
    engine.sync(session)  # the follower has applied these changes; then make the index stale on purpose:
    engine.store.write({i.id: document_for(i) for i in items.values()}, set())  # hidden documents in it

    def suggest(q):
        return client.get("/api/v1/suggest", query_string={"q": q}).json

    def search(q):
        return client.get("/api/v1/instruments", query_string={"q": q}).json

    # the control: a public document's word is completed and corrected
    assert "openbaarwoordqx" in suggest("openbaarw")["completions"]
    assert search("openbaarwoordqz")["search"]["suggestion"] == "openbaarwoordqx"
    for slug, word in HIDDEN.items():
        completed = suggest(word[:6])
        assert not any(word in c for c in completed["completions"]), slug
        assert not [i for i in completed["items"] if i["slug"] in HIDDEN], slug
        typo = word[:-1] + "z"
        body = search(typo)
        assert word not in str(body["search"]), slug
        assert not [i for i in body["items"] if i["slug"] in HIDDEN], slug
        assert word not in client.get("/instrumenten", query_string={"q": typo}).get_data(as_text=True), slug
        exact = search(word)
        assert exact["total"] == 0 and word not in str(exact["search"]["suggestion"]), slug
    # snippets are made from public instruments only: a word both share is marked in the public one alone
    shared = search("proefplaatsing regeling")
    assert all(i["slug"] not in HIDDEN for i in shared["items"])
    assert not any(word in (i.get("snippet") or "") for i in shared["items"] for word in HIDDEN.values())
    assert public.slug in [i["slug"] for i in shared["items"]]


def test_current_path_follows_every_swap_and_a_removed_build(tmp_path):
    import os
    import shutil

    from catalogue.search.index import IndexStore

    store = IndexStore(tmp_path / "index")
    assert store.current_path() is None  # no directory at all
    builds = [tmp_path / "index" / f"build-{n}" for n in range(3)]
    for build in builds:
        build.mkdir(parents=True)
    assert store.current_path() is None  # builds, no link
    for n in (0, 1, 0, 2):  # as IndexStore.build swaps: a new link replaces the old one
        os.symlink(builds[n].name, tmp_path / "index" / "next")
        os.replace(tmp_path / "index" / "next", store.current)
        assert store.current_path() == builds[n].resolve()
        assert store.current_path() == builds[n].resolve()  # the same link again: from what was resolved
    shutil.rmtree(builds[2])
    assert store.current_path() is None  # the link points nowhere now
    builds[2].mkdir()
    assert store.current_path() == builds[2].resolve()
    shutil.rmtree(tmp_path / "index")
    assert store.current_path() is None
