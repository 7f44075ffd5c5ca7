"""Following a search: double opt-in, refused links, unsubscribe (the address is deleted), the digest from the audit
trail (new, changed in plain words, ending within 30 days, ended), sending once per period, my subscriptions."""
import re
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from accounts import login, people, post  # noqa: F401
from catalogue.alerts import changes, digest, filters, subscriptions
from catalogue.editing import Editor
from catalogue.models import AlertDigest, AlertSubscription, AuditEntry, OutboxMessage
from helpers import make_instrument

SECRET = "test-secret"
LIST_URL = "/volgen?municipality=GM0513&kind=jobcoaching"


def _subs(session, email):
    return session.scalars(select(AlertSubscription).where(AlertSubscription.email == email)).all()


def _last_mail(session, email):
    return session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == email)
                           .order_by(OutboxMessage.id.desc())).first()


def _link(body, path):
    return re.search(r"https?://[^/\s]+(/(?:en/)?" + path + r"/\S+)", body).group(1)


def test_list_and_wizard_pages_link_to_the_form_and_stay_cacheable(client):
    for url in ("/instrumenten?municipality=GM0513&kind=jobcoaching&page=1", "/gemeenten/gouda", "/regios/midden-holland",
                "/werkgever?gemeente=GM0513&doelgroep=arbeidsbeperking&uitkering=&leeftijd=", "/en/instrumenten"):
        response = client.get(url)
        body = response.get_data(as_text=True)
        assert "/volgen" in body and ("Houd mij op de hoogte" in body or "Keep me posted" in body), url
        assert 'name="csrf_token"' not in body and "Set-Cookie" not in response.headers, url
        assert response.headers["Cache-Control"].startswith("public"), url
    body = client.get("/instrumenten?municipality=GM0513&kind=jobcoaching&page=2&sort=name").get_data(as_text=True)
    follow = re.search(r'href="(/volgen\?[^"]+)"', body).group(1).replace("&amp;", "&")
    assert "page=" not in follow and "sort=" not in follow and "GM0513" in follow


def test_double_opt_in_then_unsubscribe_deletes_the_address(client, session):
    page = client.get(LIST_URL + "&page=3&sort=name")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and 'name="csrf_token"' in body and 'name="website"' in body
    assert "Gouda" in body and "Jobcoaching" in body
    r = post(client, LIST_URL, {"email": " Volger@Example.org ", "frequency": "daily"})
    assert r.status_code == 200 and "Kijk in uw mailbox" in r.get_data(as_text=True)
    (item,) = _subs(session, "volger@example.org")
    assert item.confirmed_at is None and item.frequency == "daily" and item.source == "list"
    assert item.filter == {"kind": ["jobcoaching"], "municipality": ["GM0513"]}  # normalised: no paging or sorting
    mail = _last_mail(session, "volger@example.org")
    assert "Bevestig" in mail.subject and "Gouda" in mail.body
    confirm = _link(mail.body, "volgen/bevestigen")
    # subscribing again before confirming renews the link; the old one is then refused as used
    post(client, LIST_URL, {"email": "volger@example.org", "frequency": "daily"})
    assert len(_subs(session, "volger@example.org")) == 1
    assert client.get(confirm).status_code == 410
    confirm = _link(_last_mail(session, "volger@example.org").body, "volgen/bevestigen")
    ok = client.get(confirm)
    assert ok.status_code == 200 and "bevestigd" in ok.get_data(as_text=True)
    session.refresh(item)
    assert item.confirmed_at is not None and item.confirm_nonce_hash is None
    twice = client.get(confirm)
    assert twice.status_code == 410 and "al gebruikt" in twice.get_data(as_text=True)
    forged = client.get(confirm[:-3] + ("abc" if not confirm.endswith("abc") else "xyz"))
    assert forged.status_code == 400 and "niet geldig" in forged.get_data(as_text=True)
    stop = re.search(r'href="(/volgen/afmelden/[^"]+)"', ok.get_data(as_text=True)).group(1)
    gone = client.get(stop)
    assert gone.status_code == 200 and "verwijderd" in gone.get_data(as_text=True)
    assert _subs(session, "volger@example.org") == []
    again = client.get(stop)
    assert again.status_code == 410 and "al afgemeld" in again.get_data(as_text=True)
    assert client.get("/volgen/afmelden/nonsense").status_code == 400


def test_english_form_posts_to_the_english_page(client, session):
    body = client.get("/en" + LIST_URL).get_data(as_text=True)
    assert 'action="/en/volgen?' in body and "Keep me posted" in body and "Municipality" in body
    r = post(client, "/en" + LIST_URL, {"email": "reader@example.org", "frequency": "weekly"})
    assert r.status_code == 200 and "Check your mailbox" in r.get_data(as_text=True)
    (item,) = _subs(session, "reader@example.org")
    mail = _last_mail(session, "reader@example.org")
    assert item.language == "en" and "Please confirm" in mail.subject and "/en/volgen/bevestigen/" in mail.body


def test_expired_confirmation_link_is_refused(session):
    normalised = filters.normalise(session, "list", {"region": ["AM20"]})
    links = []
    subscriptions.subscribe(session, SECRET, "laat@example.org", "list", normalised, "weekly", "nl",
                            lambda kind, **v: links.append(v["token"]) or "https://x/" + v["token"])
    with pytest.raises(subscriptions.AlertError) as exc:
        subscriptions.confirm(session, SECRET, links[0], max_age=-1)
    assert exc.value.code == "expired"
    with pytest.raises(subscriptions.AlertError) as exc:
        subscriptions.confirm(session, "another-secret", links[0])
    assert exc.value.code == "forged"
    assert subscriptions.confirm(session, SECRET, links[0]).confirmed_at is not None


@pytest.mark.parametrize("data, status, expected", [
    ({"email": "geen-adres", "frequency": "weekly"}, 400, "geldig e-mailadres"),
    ({"email": "a@example.org", "frequency": "elk uur"}, 400, "elke dag of elke week"),
])
def test_bad_input_is_refused_and_nothing_is_stored(client, session, data, status, expected):
    r = post(client, LIST_URL, data)
    body = r.get_data(as_text=True)
    assert r.status_code == status and expected in body and data["email"] in body  # what was typed is kept
    assert session.scalar(select(func.count()).select_from(AlertSubscription)) == 0


def test_csrf_honeypot_rate_limit_and_bad_filters(client, session):
    assert client.post(LIST_URL, data={"email": "a@example.org", "frequency": "weekly"}).status_code == 400
    r = post(client, LIST_URL, {"email": "bot@example.org", "frequency": "weekly", "website": "spam"})
    assert r.status_code == 200 and _subs(session, "bot@example.org") == []
    for i in range(10):
        assert post(client, LIST_URL, {"email": f"p{i}@example.org", "frequency": "weekly"}).status_code == 200
    r = post(client, LIST_URL, {"email": "p11@example.org", "frequency": "weekly"})
    assert r.status_code == 429 and "te vaak" in r.get_data(as_text=True) and _subs(session, "p11@example.org") == []
    assert client.get("/volgen?kind=bestaat-niet").status_code == 400
    assert client.get("/volgen?bron=wizard&gemeente=GM0513").status_code == 400  # not a result yet
    assert client.get("/volgen?bron=wizard&gemeente=GM0513&doelgroep=&uitkering=&leeftijd=").status_code == 200


def _confirmed(session, source, args, email="lezer@example.org", frequency="daily", language="nl",
               when=None):
    normalised = filters.normalise(session, source, args)
    item = AlertSubscription(email=email, source=source, filter=normalised,
                             filter_key=filters.filter_key(source, normalised), frequency=frequency, language=language,
                             confirmed_at=when or datetime.now(timezone.utc) - timedelta(minutes=1))
    session.add(item)
    session.commit()
    return item


@pytest.fixture()
def period_changes(session, people):
    """Changes in Gouda today (the daily period of tomorrow's run), through the editing service (audit trail)."""
    today = date.today()
    editor = Editor(session, people["admin"], via="web")
    changed = make_instrument(session, "volg-jobcoach", kind="jobcoaching", provider="gemeente-gouda", reach="lokaal",
                              municipalities=["GM0513"], duration_max=2, duration_unit="maand", example=False)
    ending = make_instrument(session, "volg-afloop", kind="jobcoaching", provider="gemeente-gouda", reach="lokaal",
                             municipalities=["GM0513"], valid_until=today + timedelta(days=30))
    ended = make_instrument(session, "volg-geeindigd", kind="jobcoaching", provider="gemeente-gouda", reach="lokaal",
                            municipalities=["GM0513"], valid_until=today)
    quiet = make_instrument(session, "volg-stil", kind="jobcoaching", provider="gemeente-gouda", reach="lokaal",
                            municipalities=["GM0513"])
    elsewhere = make_instrument(session, "volg-almere", kind="jobcoaching", provider="gemeente-almere", reach="lokaal",
                                municipalities=["GM0034"])
    sub = _confirmed(session, "list", {"municipality": ["GM0513"], "kind": ["jobcoaching"]})
    editor.update(changed, {"duration_max": 3, "internal_notes": "INTERN-GEHEIM-41"}, partial=True)
    editor.update(quiet, {"internal_notes": "INTERN-GEHEIM-41"}, partial=True)  # internal only: nothing to tell
    editor.update(elsewhere, {"duration_max": 9, "duration_unit": "maand"}, partial=True)  # not in the filter
    new = editor.create({"slug": "volg-nieuw", "name": "Nieuwe jobcoach Gouda", "kind": "jobcoaching",
                         "provider": "gemeente-gouda", "reach": "lokaal", "municipalities": ["GM0513"],
                         "summary": "Een nieuwe jobcoachregeling voor werkgevers.", "status": "published",
                         "example": True})
    editor.create({"slug": "volg-concept", "name": "CONCEPT-VOLG-77", "kind": "jobcoaching",
                   "provider": "gemeente-gouda", "reach": "lokaal", "municipalities": ["GM0513"],
                   "summary": "Een concept dat niemand mag zien.", "status": "draft"})
    session.commit()
    return {"sub": sub, "changed": changed, "ending": ending, "ended": ended, "new": new, "today": today}


def test_digest_content_matches_the_audit_trail(session, period_changes):
    p = period_changes
    run = p["today"] + timedelta(days=1)
    period = digest.period_for("daily", run)
    assert (period.start, period.end, period.key) == (p["today"], run, p["today"].isoformat())
    items = {i.instrument.slug: i for i in digest.collect(session, p["sub"], period, run)}
    assert {slug: i.section for slug, i in items.items()} == {
        "volg-nieuw": "new", "volg-jobcoach": "changed", "volg-geeindigd": "ended", "volg-afloop": "ending"}
    assert items["volg-jobcoach"].lines == ["duur 2 → 3 maanden"]
    entries = session.scalars(select(AuditEntry).where(AuditEntry.instrument_id == p["changed"].id)).all()
    assert set(changes.combine(entries)) == {"duration_max"}  # internal_notes is in the audit, never in the digest
    assert {"duration_max", "internal_notes"} <= set(entries[-1].changes)
    # the same changes a week later fall into that week's digest; nothing before confirmation counts
    assert digest.collect(session, p["sub"], digest.period_for("daily", p["today"]), p["today"]) == []


def test_sending_is_idempotent_per_period(app, session, period_changes):
    from catalogue.web.alerts import link_for

    p = period_changes
    run = p["today"] + timedelta(days=1)
    with app.test_request_context("/", base_url="https://gids.example.nl"):
        first = digest.send_due(session, SECRET, link_for, run)
        second = digest.send_due(session, SECRET, link_for, run)
    assert first.sent == 1 and second.sent == 0 and second.done_before >= 1
    with app.test_request_context("/", base_url="https://gids.example.nl"):  # a day late: the missed day still goes
        late = digest.send_due(session, SECRET, link_for, run + timedelta(days=1))
    assert late.sent == 0 and late.empty == 1 and late.done_before == 1
    mails = session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == "lezer@example.org")).all()
    assert len(mails) == 1
    body = mails[0].body
    for text in ("Nieuw (1)", "Gewijzigd (1)", "Beëindigd (1)", "Eindigt binnen 30 dagen (1)", "duur 2 → 3 maanden",
                 "Nieuwe jobcoach Gouda", "https://gids.example.nl/instrumenten/volg-jobcoach", "/volgen/afmelden/"):
        assert text in body, text
    assert "INTERN-GEHEIM-41" not in body and "CONCEPT-VOLG-77" not in body and "volg-almere" not in body
    assert "volg-stil" not in body
    assert session.scalar(select(AlertDigest.items).where(AlertDigest.subscription_id == p["sub"].id)) == 4
    # a period claimed by another node (its row exists) sends nothing here either
    other = _confirmed(session, "list", {"municipality": ["GM0513"]}, email="ander@example.org")
    session.add(AlertDigest(subscription_id=other.id, period=digest.period_for("daily", run).key))
    session.commit()
    with app.test_request_context("/", base_url="https://gids.example.nl"):
        assert digest.send_due(session, SECRET, link_for, run).sent == 0
    assert _last_mail(session, "ander@example.org") is None
    # the unsubscribe link in the mail deletes the subscription
    stop = _link(body, "volgen/afmelden")
    assert subscriptions.unsubscribe(session, SECRET, stop.rsplit("/", 1)[1]) == "lezer@example.org"
    assert _subs(session, "lezer@example.org") == []


def test_wizard_result_is_followed_with_the_wizards_matching(session, period_changes):
    p = period_changes
    sub = _confirmed(session, "wizard", {"gemeente": ["GM0513"], "doelgroep": [""], "uitkering": [""],
                                         "leeftijd": [""]}, email="werkgever@example.org", frequency="weekly")
    assert sub.filter == {"gemeente": ["GM0513"]}
    run = p["today"] + timedelta(days=7 - p["today"].weekday())  # next Monday: this week is the last complete one
    sub.confirmed_at = datetime.now(timezone.utc) - timedelta(minutes=1)
    items = {i.instrument.slug: i.section for i in digest.collect(session, sub, digest.period_for("weekly", run), run)}
    assert items.get("volg-nieuw") == "new" and items.get("volg-jobcoach") == "changed"
    assert "volg-almere" not in items and "volg-concept" not in items


def test_cli_sends_once(app, client, session, period_changes):
    """`catalogue alerts send` on the test's database (the client fixture binds the app to the test's transaction)."""
    from flask.cli import ScriptInfo

    from catalogue.cli import main

    runner = app.test_cli_runner()
    info = ScriptInfo(create_app=lambda: app)
    late = (period_changes["today"] + timedelta(days=2)).isoformat()  # cron missed a day: today's digest still goes
    first = runner.invoke(main, ["alerts", "send", "--date", late], obj=info)
    assert first.exit_code == 0 and "1 e-mail(s)" in first.output, first.output
    run = (period_changes["today"] + timedelta(days=1)).isoformat()
    second = runner.invoke(main, ["alerts", "send", "--date", run], obj=info)
    assert second.exit_code == 0 and "0 e-mail(s)" in second.output, second.output
    assert runner.invoke(main, ["alerts", "send", "--date", "gisteren"], obj=info).exit_code != 0
    body = _last_mail(session, "lezer@example.org").body
    assert app.config["PUBLIC_URL"].rstrip("/") + "/instrumenten/volg-jobcoach" in body


def test_my_subscriptions_in_one_place(client, session, people):
    mine = _confirmed(session, "list", {"region": ["AM20"]}, email=people["editor"].email)
    theirs = _confirmed(session, "list", {"region": ["AM20"]}, email="iemand@example.org")
    login(client, people["editor"])
    page = client.get("/beheer/account/volgen/").get_data(as_text=True)
    assert "Midden-Holland" in page and "Zoekopdracht 1" in page and "Zoekopdracht 2" not in page
    assert post(client, f"/beheer/account/volgen/{mine.id}", {"action": "frequency", "frequency": "daily"}).status_code == 302
    session.refresh(mine)
    assert mine.frequency == "daily"
    assert post(client, f"/beheer/account/volgen/{theirs.id}", {"action": "remove"}).status_code == 404
    assert post(client, f"/beheer/account/volgen/{mine.id}", {"action": "remove"}).status_code == 302
    assert _subs(session, people["editor"].email) == [] and _subs(session, "iemand@example.org")
    login(client, None)
    assert client.get("/beheer/account/volgen/").status_code in (302, 401)


def test_plain_words():
    d = changes.Describer.__new__(changes.Describer)
    d.language, d._names = "nl", {("target_group", "statushouder"): "Statushouders"}
    assert d.describe({"duration_max": [2, 3]}, {"duration_unit": "maand"}) == ["duur 2 → 3 maanden"]
    assert d.describe({"duration_max": [6, 1], "duration_unit": ["maand", "jaar"]}) == ["duur 6 maanden → 1 jaar"]
    assert d.describe({"amount_value": ["1000.00", "1500.00"]}, {"amount_type": "vast"}) == ["bedrag € 1.000 → € 1.500"]
    assert d.describe({"target_groups": [[], ["statushouder"]]}) == ["doelgroepen: erbij: Statushouders"]
    assert d.describe({"valid_until": [None, "2027-06-30"]}) == ["einddatum geen → 30-06-2027"]
    assert d.describe({"internal_notes": ["a", "b"], "status": ["draft", "published"]}) == []


def test_two_nodes_claim_a_period_once(database):
    """Two processes sending at the same moment (two nodes on one database): the digest row is claimed by exactly one;
    the other's insert waits for the first transaction and then does nothing."""
    import threading
    import time

    from sqlalchemy import delete

    from catalogue.alerts.digest import _claim

    with database.session() as s:
        item = AlertSubscription(email="twee-nodes@example.org", source="list", filter={}, frequency="weekly",
                                 filter_key=filters.filter_key("list", {}), language="nl",
                                 confirmed_at=datetime.now(timezone.utc))
        s.add(item)
        s.commit()
        sid = item.id
    barrier, results = threading.Barrier(2), []

    def node():
        with database.session(write=True) as s:  # as `catalogue alerts send` does (SQLite: BEGIN IMMEDIATE)
            barrier.wait()
            won = _claim(s, sid, "2026-W01")
            time.sleep(0.3)  # hold the transaction open, as while composing the mail
            s.commit()
            results.append(won)

    threads = [threading.Thread(target=node) for _ in range(2)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert sorted(results) == [False, True]
    finally:
        with database.session() as s:
            s.execute(delete(AlertSubscription).where(AlertSubscription.id == sid))
            s.commit()
