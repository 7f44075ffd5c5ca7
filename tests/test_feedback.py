"""'Klopt er iets niet?': reports from public pages, routed to the owning organisation, resolved, never public."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from accounts import login, people, post  # noqa: F401
from catalogue.editing import Editor
from catalogue.feedback import reports
from catalogue.feedback.ratelimit import RateLimit
from catalogue.models import FeedbackReport, OutboxMessage, RateLimitHit
from helpers import make_instrument


@pytest.fixture(autouse=True)
def _fresh_limit(app, session):
    app.extensions["feedback_limit"].reset(session)  # inside the test's transaction: rolled back afterwards
    session.commit()


@pytest.fixture()
def gouda_item(session):
    return make_instrument(session, "gouda-meldtest", provider="gemeente-gouda", reach="lokaal",
                           municipalities=["GM0513"])


def _count(session):
    return session.scalar(select(func.count()).select_from(FeedbackReport))


def test_every_public_page_type_links_to_the_form(client, gouda_item):
    """The public pages link to the form's own page, so they carry no CSRF token and set no session cookie (they stay
    cacheable); the form page has the token, the honeypot and the version the reader saw."""
    for url in ("/instrumenten/gouda-meldtest", "/regios/midden-holland", "/gemeenten/gouda",
                "/en/instrumenten/gouda-meldtest"):
        response = client.get(url)
        body = response.get_data(as_text=True)
        assert "klopt-er-iets-niet" in body and 'name="csrf_token"' not in body, url
        assert "Set-Cookie" not in response.headers, url
    for url in ("/instrumenten/gouda-meldtest/klopt-er-iets-niet", "/regios/midden-holland/klopt-er-iets-niet",
                "/gemeenten/gouda/klopt-er-iets-niet"):
        body = client.get(url).get_data(as_text=True)
        assert 'name="csrf_token"' in body and 'name="website"' in body and 'action="' in body, url
        assert "niet verstuurd" not in body, url
    assert 'name="version" value="1"' in client.get("/instrumenten/gouda-meldtest/klopt-er-iets-niet").get_data(
        as_text=True)
    english = client.get("/en/instrumenten/gouda-meldtest/klopt-er-iets-niet").get_data(as_text=True)
    assert 'action="/en/instrumenten/gouda-meldtest/klopt-er-iets-niet"' in english  # the answer stays English


def test_report_is_stored_with_version_and_routed(client, session, people, gouda_item):
    before = _count(session)
    r = post(client, "/instrumenten/gouda-meldtest/klopt-er-iets-niet",
             {"message": "De duur is 3 maanden, niet 2.", "email": "Lezer@Example.org", "version": "1"})
    assert r.status_code == 200 and "Dank u wel" in r.get_data(as_text=True)
    post(client, "/gemeenten/gouda/klopt-er-iets-niet", {"message": "Het adres van het werkgeversservicepunt mist."})
    post(client, "/regios/flevoland/klopt-er-iets-niet", {"message": "Lelystad hoort hier ook bij."})
    assert _count(session) == before + 3
    item = session.scalar(select(FeedbackReport).where(FeedbackReport.instrument_id == gouda_item.id))
    assert item.page_version == "1" and item.email == "lezer@example.org" and item.state == "open"

    def messages(user):
        return {r.message for r in reports.queue(session, people[user])}

    assert "De duur is 3 maanden, niet 2." in messages("editor")  # Gouda's own instrument
    assert "Het adres van het werkgeversservicepunt mist." not in messages("editor")  # gemeente page: coordinator
    assert {"De duur is 3 maanden, niet 2.", "Het adres van het werkgeversservicepunt mist."} <= messages("coordinator")
    assert "Lelystad hoort hier ook bij." not in messages("coordinator")
    assert "De duur is 3 maanden, niet 2." not in messages("other_editor")
    assert "Lelystad hoort hier ook bij." in messages("other_coordinator")
    assert "De duur is 3 maanden, niet 2." not in messages("other_coordinator")

    login(client, people["coordinator"])
    page = client.get("/beheer/").get_data(as_text=True)
    assert "Open meldingen van lezers" in page and f"<td>{gouda_item.provider.name}</td><td>1</td>" in page
    queue = client.get("/beheer/terugmeldingen/").get_data(as_text=True)
    assert "De duur is 3 maanden" in queue and "Lelystad" not in queue
    other = session.scalar(select(FeedbackReport).where(FeedbackReport.message.like("Lelystad%")))
    assert client.get(f"/beheer/terugmeldingen/{other.id}").status_code == 404
    login(client, None)
    assert client.get("/beheer/terugmeldingen/").status_code in (302, 401)


@pytest.mark.parametrize("data, expected", [
    ({"message": "x" * 5001}, "langer dan 5000"),
    ({"message": "Zie <a href='http://spam'>hier</a>"}, "HTML"),
    ({"message": "   "}, "Schrijf kort"),
    ({"message": "Klopt niet", "email": "geen-adres"}, "e-mailadres klopt niet"),
])
def test_bad_reports_are_refused_and_nothing_is_stored(client, session, gouda_item, data, expected):
    before = _count(session)
    r = post(client, "/instrumenten/gouda-meldtest/klopt-er-iets-niet", data)
    body = r.get_data(as_text=True)
    assert r.status_code == 400 and expected in body
    if data["message"].strip() and len(data["message"]) < 200:
        assert "Klopt niet" in body or "spam" in body  # what was typed is kept in the form (escaped)
    assert _count(session) == before


def test_csrf_and_honeypot(client, session, gouda_item):
    before = _count(session)
    assert client.post("/instrumenten/gouda-meldtest/klopt-er-iets-niet", data={"message": "x"}).status_code == 400
    r = post(client, "/instrumenten/gouda-meldtest/klopt-er-iets-niet", {"message": "Koop nu", "website": "spam.example"})
    assert r.status_code == 200
    assert _count(session) == before


def test_twenty_a_minute_then_refused(client, session, gouda_item):
    before = _count(session)
    for i in range(20):
        assert post(client, "/regios/midden-holland/klopt-er-iets-niet", {"message": f"melding {i}"}).status_code == 200
    r = post(client, "/regios/midden-holland/klopt-er-iets-niet", {"message": "nog een"})
    assert r.status_code == 429 and "te veel meldingen" in r.get_data(as_text=True)
    assert _count(session) == before + 20


def test_rate_limit_window_slides(session):
    start = datetime(2026, 12, 1, 12, tzinfo=timezone.utc)
    now = [start]
    limit = RateLimit("test", 2, 60, secret="s", clock=lambda: now[0])
    assert limit.hit(session, "a") and limit.hit(session, "a") and not limit.hit(session, "a") and limit.hit(session, "b")
    now[0] = start + timedelta(seconds=61)
    assert limit.hit(session, "a")
    keys = set(session.scalars(select(RateLimitHit.key).where(RateLimitHit.bucket == "test")))
    assert keys and not any("a" == k or "b" == k for k in keys)  # a keyed hash, never the address


def test_rate_limit_holds_across_two_app_instances(app, connection, session, gouda_item, tmp_path):
    """Two app instances (as two worker processes or nodes) on one database share the limit: 10 reports through each,
    the 21st through either is refused."""
    from sqlalchemy.orm import sessionmaker

    from catalogue import create_app
    from catalogue.search import register

    other = create_app({"TESTING": True, "DATABASE_URL": app.config["DATABASE_URL"], "SECRET_KEY": "test-secret",
                        "INDEX_DIR": str(tmp_path / "index")})
    register(app.config["DATABASE_URL"], app.extensions["catalogue_search"])  # searches stay with the main app
    original = app.extensions["catalogue_db"].session_factory
    clients = []
    for instance in (app, other):
        instance.extensions["catalogue_db"].session_factory = sessionmaker(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
        clients.append(instance.test_client())
    try:
        before = _count(session)
        for i in range(20):
            r = post(clients[i % 2], "/regios/midden-holland/klopt-er-iets-niet", {"message": f"melding {i}"})
            assert r.status_code == 200, i
        for c in clients:
            r = post(c, "/regios/midden-holland/klopt-er-iets-niet", {"message": "nog een"})
            assert r.status_code == 429 and "te veel meldingen" in r.get_data(as_text=True)
        assert _count(session) == before + 20
    finally:
        app.extensions["catalogue_db"].session_factory = original
        other.extensions["catalogue_db"].engine.dispose()


def test_resolve_fixed_with_version_tells_the_reporter(client, session, people, gouda_item):
    post(client, "/instrumenten/gouda-meldtest/klopt-er-iets-niet",
         {"message": "De samenvatting is verouderd.", "email": "lezer@example.org", "version": "1"})
    report = session.scalar(select(FeedbackReport).where(FeedbackReport.instrument_id == gouda_item.id))
    login(client, people["editor"])
    r = post(client, f"/beheer/terugmeldingen/{report.id}", {"state": "fixed", "fixed_version": ""})
    assert r.status_code == 400 and "Kies de versie" in r.get_data(as_text=True)
    Editor(session, people["editor"], via="web").update(gouda_item, {"summary": "Nieuwe samenvatting."}, partial=True)
    session.commit()
    assert gouda_item.version == 2
    assert "versie 2" in client.get(f"/beheer/terugmeldingen/{report.id}").get_data(as_text=True)
    r = post(client, f"/beheer/terugmeldingen/{report.id}", {"state": "fixed", "fixed_version": "2"})
    assert r.status_code == 302
    session.refresh(report)
    assert report.state == "fixed" and report.fixed_version == 2 and report.email is None
    mail = session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == "lezer@example.org")
                           .order_by(OutboxMessage.id.desc())).first()
    assert "aangepast" in mail.body and "/instrumenten/gouda-meldtest" in mail.body
    assert post(client, f"/beheer/terugmeldingen/{report.id}", {"state": "fixed"}).status_code == 200  # closed: shown


def test_resolve_not_applicable_needs_a_reason(client, session, people):
    post(client, "/regios/midden-holland/klopt-er-iets-niet", {"message": "Mist de gemeente Bodegraven?"})
    report = session.scalar(select(FeedbackReport).where(FeedbackReport.message.like("Mist de gemeente%")))
    login(client, people["other_coordinator"])
    assert client.get(f"/beheer/terugmeldingen/{report.id}").status_code == 404
    login(client, people["coordinator"])
    r = post(client, f"/beheer/terugmeldingen/{report.id}", {"state": "not_applicable", "reason": ""})
    assert r.status_code == 400 and "waarom" in r.get_data(as_text=True)
    r = post(client, f"/beheer/terugmeldingen/{report.id}",
             {"state": "not_applicable", "reason": "Bodegraven-Reeuwijk staat er al bij."})
    assert r.status_code == 302
    session.refresh(report)
    assert report.state == "not_applicable" and report.resolution.startswith("Bodegraven")
    assert not session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.body.like("%Mist de gemeente Bodegraven%")))  # no address given: no mail


def test_open_counts_equal_the_queue(session, people, gouda_item):
    target = reports.Target("instrument", instrument=gouda_item)
    for i in range(3):
        reports.submit(session, target, f"fout {i}", None)
    counts = dict(reports.open_counts(session, people["coordinator"]))
    assert counts[gouda_item.provider.name] == len([r for r in reports.queue(session, people["coordinator"])
                                                    if r.instrument_id and r.instrument.provider_id == gouda_item.provider_id])
