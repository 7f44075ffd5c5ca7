"""What people look for and don't find: anonymous events, DNT/GPC honoured, 13-month retention, figures = counts."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, inspect, select

from accounts import login, people  # noqa: F401
from catalogue.analytics import dashboard
from catalogue.analytics.events import event
from catalogue.analytics.recorder import Recorder
from catalogue.analytics.retention import prune
from catalogue.models import SearchEvent, SearchTally


@pytest.fixture()
def recorder(app, session):
    rec = app.extensions["search_events"]
    rec.discard()
    yield rec
    rec.discard()


def _events(session):
    return session.scalars(select(SearchEvent).order_by(SearchEvent.id)).all()


def test_searches_and_wizard_are_recorded_without_personal_data(client, session, recorder):
    before = len(_events(session))
    client.get("/instrumenten?q=  JobCoach   Gouda&municipality=GM0513&kind=jobcoaching",
               environ_base={"REMOTE_ADDR": "203.0.113.77"})
    client.get("/instrumenten?q=xyzzyplugh")
    client.get("/instrumenten?q=xyzzyplugh&page=2")  # paging does not count again
    client.get("/werkgever?gemeente=GM0513&doelgroep=arbeidsbeperking&uitkering=&leeftijd=")
    assert recorder.flush(session) == 3
    rows = _events(session)[before:]
    search, nothing, wizard = rows
    assert search.query == "jobcoach gouda" and search.kinds == "jobcoaching" and search.municipality_code == "GM0513"
    assert search.region_code == "AM20" and search.source == "search" and search.language == "nl"
    assert nothing.result_count == 0 and nothing.query == "xyzzyplugh"
    assert wizard.source == "wizard" and wizard.target_groups == "arbeidsbeperking" and wizard.region_code == "AM20"
    columns = {c["name"] for c in inspect(session.bind).get_columns("search_event")}
    assert not columns & {"ip", "ip_address", "user_id", "session", "user_agent"}
    for row in rows:  # the address appears nowhere
        assert "203.0.113.77" not in repr([getattr(row, c) for c in columns])


@pytest.mark.parametrize("header", [{"DNT": "1"}, {"Sec-GPC": "1"}])
def test_do_not_track_and_gpc_are_honoured(client, recorder, header):
    client.get("/instrumenten?q=jobcoach", headers=header)
    client.get("/werkgever?gemeente=GM0513&doelgroep=arbeidsbeperking&uitkering=&leeftijd=", headers=header)
    assert recorder.pending() == 0


def test_recording_happens_outside_the_request(client, session, recorder):
    client.get("/instrumenten?q=jobcoach")
    assert recorder.pending() == 1  # buffered, not yet written
    assert recorder.flush(session) == 1


def _write(session, rows):
    rec = Recorder(background=False)
    for r in rows:
        rec.record(r)
    return rec.flush(session)


def test_retention_deletes_after_13_months(session):
    now = datetime(2026, 12, 1, 12, tzinfo=timezone.utc)
    _write(session, [event("search", "oud", now=now - timedelta(days=400)),
                     event("search", "recent", now=now - timedelta(days=380))])
    prune(session, now=now)
    left = set(session.scalars(select(SearchEvent.query).where(SearchEvent.query.in_(["oud", "recent"]))))
    assert left == {"recent"}
    tallied = set(session.scalars(select(SearchTally.query).where(SearchTally.query.in_(["oud", "recent"]))))
    assert tallied == {"recent"}


def test_dashboard_figures_equal_a_direct_count(session):
    now = datetime.now(timezone.utc)
    rows = [event("search", "loonkostensubsidie", municipality_code="GM0513", region_code="AM20", result_count=4),
            event("search", "Loonkostensubsidie ", region_code="AM20", result_count=3),
            event("search", "stap budget", region_code="AM20", result_count=0, ended_count=1),
            event("search", "bedrijfsfitness", region_code="AM20", result_count=0),
            event("search", "bedrijfsfitness", region_code="AM20", result_count=0, now=now - timedelta(days=40)),
            event("wizard", "", target_groups=["statushouder"], kinds=["jobcoaching"], municipality_code="GM0513",
                  region_code="AM20", result_count=0),
            event("search", "loonkostensubsidie", region_code="AM11", result_count=2)]
    _write(session, rows)
    f = dashboard.figures(session, "AM20", now=now)
    scope = (SearchEvent.region_code == "AM20", SearchEvent.month >= dashboard.first_month(now))

    def count(*where):
        return session.scalar(select(func.count()).select_from(SearchEvent).where(*scope, *where))

    assert f.total == count()
    assert f.zero == count(SearchEvent.result_count == 0)
    top = {q: n for q, n, _ in f.top_queries}
    assert top["loonkostensubsidie"] == count(SearchEvent.query == "loonkostensubsidie")
    zero = dict(f.zero_queries)
    assert zero["bedrijfsfitness"] == count(SearchEvent.query == "bedrijfsfitness", SearchEvent.result_count == 0,
                                            SearchEvent.ended_count == 0)
    assert dict(f.ended_only)["stap budget"] == count(SearchEvent.query == "stap budget", SearchEvent.ended_count > 0)
    assert "stap budget" not in zero
    assert ("Gouda", "jobcoaching", "statushouder", count(SearchEvent.municipality_code == "GM0513",
                                                          SearchEvent.result_count == 0)) in [g[:4] for g in f.gaps]
    assert sum(n for _, n, _ in f.months) == f.total
    national = dashboard.figures(session, None, now=now)
    assert national.total == session.scalar(select(func.count()).select_from(SearchEvent).where(
        SearchEvent.month >= dashboard.first_month(now)))


def test_dashboards_are_for_coordinators_and_admins(client, session, people):
    _write(session, [event("search", "vraag-in-am20", region_code="AM20", result_count=0),
                     event("wizard", "", kinds=["jobcoaching"], target_groups=["statushouder"],
                           municipality_code="GM0513", region_code="AM20", result_count=0)])
    login(client, people["coordinator"])
    assert client.get("/beheer/analyse/").headers["Location"].endswith("/beheer/analyse/AM20")
    page = client.get("/beheer/analyse/AM20").get_data(as_text=True)
    assert "vraag-in-am20" in page and "/regios/midden-holland/harmonisatie" in page
    # each gap links to the region's harmonisation at that kind and to the gemeente's offer per kind (coverage)
    assert 'href="/regios/midden-holland/harmonisatie#kind-jobcoaching"' in page
    assert 'href="/gemeenten/gouda#h-offer"' in page
    assert client.get("/beheer/analyse/AM11").status_code == 403
    csv = client.get("/beheer/analyse/AM20?format=csv")
    assert csv.mimetype == "text/csv" and "vraag-in-am20" in csv.get_data(as_text=True)
    login(client, people["editor"])
    assert client.get("/beheer/analyse/AM20").status_code == 403
    login(client, people["admin"])
    national = client.get("/beheer/analyse/").get_data(as_text=True)
    assert "vraag-in-am20" in national and 'href="/regios/midden-holland/harmonisatie#kind-jobcoaching"' in national
    login(client, None)
    assert client.get("/beheer/analyse/AM20").status_code in (302, 401)


def test_prune_command(tmp_path, monkeypatch, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("the command-line round trip uses its own SQLite file")
    from click.testing import CliRunner
    from sqlalchemy import create_engine, text

    from catalogue.cli import main

    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    monkeypatch.setenv("CATALOGUE_DATABASE_URL", url)
    monkeypatch.setenv("CATALOGUE_SECRET_KEY", "x")
    runner = CliRunner()
    assert runner.invoke(main, ["init"]).exit_code == 0
    engine = create_engine(url)
    from sqlalchemy.orm import Session
    with Session(engine) as s:
        old = datetime.now(timezone.utc) - timedelta(days=500)
        _write(s, [event("search", "heel oud", now=old), event("search", "nieuw")])
    result = runner.invoke(main, ["analytics", "prune"])
    assert result.exit_code == 0 and "1 zoekopdrachten ouder dan 13 maanden verwijderd" in result.output, result.output
    with engine.connect() as conn:
        assert conn.execute(text("SELECT query FROM search_event")).scalars().all() == ["nieuw"]
    engine.dispose()


def test_searches_answered_by_the_http_cache_are_still_recorded(app, client, recorder):
    """A 304 (and a stored page) skips the view; the search is recorded all the same, also for a URL this process
    never rendered (another node did), and page 2 still records nothing."""
    from catalogue.web.http_cache import page_cache, recorded_cache

    url = "/instrumenten?q=jobcoach&municipality=GM0513"
    first = client.get(url)
    tag = first.headers["ETag"]
    assert first.status_code == 200 and recorder.pending() == 1
    again = client.get(url, headers={"If-None-Match": tag})
    assert again.status_code == 304 and recorder.pending() == 2
    recorded_cache.clear()  # as on a node that did not render it
    elsewhere = client.get(url, headers={"If-None-Match": tag})
    assert elsewhere.status_code == 304 and not elsewhere.get_data() and recorder.pending() == 3
    assert client.get(url + "&page=2", headers={"If-None-Match": tag}).status_code == 304
    assert client.get(url + "&page=2", headers={"If-None-Match": tag}).status_code == 304
    assert recorder.pending() == 3
    wizard = "/werkgever?gemeente=GM0513&doelgroep=arbeidsbeperking&uitkering=&leeftijd="
    client.get(wizard)
    assert client.get(wizard, headers={"If-None-Match": tag}).status_code == 304 and recorder.pending() == 5
    assert client.get(url, headers={"If-None-Match": tag, "DNT": "1"}).status_code == 304 and recorder.pending() == 5
    app.config["PAGE_CACHE"] = True
    try:
        page_cache.clear()
        client.get(url)  # rendered and stored
        stored = client.get(url)  # from the page cache, no view
        assert stored.status_code == 200 and recorder.pending() == 7
    finally:
        app.config.pop("PAGE_CACHE")
        page_cache.clear()
    events = recorder._buffer
    assert {e["query"] for e in events} == {"jobcoach", ""} and all(e["municipality_code"] == "GM0513" for e in events)
