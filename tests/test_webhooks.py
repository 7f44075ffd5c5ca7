"""Webhooks (catalogue/webhooks/): signed POSTs from the durable outbox to a consumer on 127.0.0.1, retries with
back-off, ordering per instrument, pausing after 24 h of failures (owner mailed), replay, no double delivery with
several workers (SQLite and PostgreSQL), refused URLs (no server-side request forgery), and the /beheer screens."""
from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text

from accounts import login, people, post  # noqa: F401
from catalogue.changes import catch_up
from catalogue.changes.feed import stored_entry
from catalogue.models import (
    Organisation,
    OutboxMessage,
    PublicChange,
    User,
    WebhookAttempt,
    WebhookConsumer,
    WebhookDelivery,
)
from catalogue.webhooks import signing
from catalogue.webhooks.outbox import enqueue_for, matches, replay
from catalogue.webhooks.urls import UrlRefused, check_url
from catalogue.webhooks.worker import Settings, backoff, claim, deliver, run_once
from helpers import scratch_database
from webhook_helpers import Receiver

SECRET = "een-geheim-van-minstens-24-tekens"
FAST = Settings(base=0.05, cap=0.4, timeout=5, allow_local=True)


@pytest.fixture()
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture(scope="module")
def _scratch(templates, tmp_path_factory):
    with scratch_database(templates, tmp_path_factory.mktemp("webhooks")) as db:
        yield db


@pytest.fixture()
def hook_db(_scratch):
    """A database whose commits are real (workers use their own connections), emptied after each test."""
    yield _scratch
    with _scratch.session() as s:
        for table in ("webhook_attempt", "webhook_delivery", "webhook_consumer", "public_change", "outbox_message",
                      "user_account", "organisation"):
            s.execute(text(f"DELETE FROM {table}"))


def _consumer(db, url, **filters) -> int:
    with db.session() as s:
        organisation = Organisation(slug="regio-test", name="Regio Test", type="regio")
        s.add(organisation)
        s.flush()
        owner = User(email="owner@example.org", name="Eigenaar", password_hash="x", active=True)
        s.add(owner)
        s.flush()
        consumer = WebhookConsumer(organisation_id=organisation.id, name="Test", url=url, secret=SECRET,
                                   regions=filters.get("regions", []), providers=filters.get("providers", []),
                                   kinds=filters.get("kinds", []), status="active", created_by_id=owner.id)
        s.add(consumer)
        s.flush()
        return consumer.id


def _changes(db, instruments: list[int], per_instrument: int = 1) -> list[int]:
    """Public changes as the recorder writes them (with their deliveries, in the same transaction)."""
    with db.session(write=True) as s:
        rows = []
        for n in range(per_instrument):
            for iid in instruments:
                change, now = "created" if n == 0 else "updated", datetime.now(timezone.utc)
                rows.append(PublicChange(instrument_id=iid, slug=f"i-{iid}", change=change, recorded_at=now,
                                         entry=stored_entry(change, None, f"i-{iid}", now,
                                                            {"slug": f"i-{iid}", "n": n}),
                                         match={"kind": "proefplaatsing", "provider": "uwv", "regions": ["*"]}))
                s.add(rows[-1])
                s.flush()
        enqueue_for(s, rows)
        return [r.id for r in rows]


def _drain(db, settings=FAST, rounds=100):
    for _ in range(rounds):
        with db.session() as s:
            left = s.scalar(select(WebhookDelivery.id).where(WebhookDelivery.status != "delivered").limit(1))
        if left is None:
            return
        run_once(db, settings)
        time.sleep(0.05)
    raise AssertionError("deliveries left undelivered")


def test_a_delivery_is_signed_with_timestamp_and_idempotency_key(hook_db, receiver):
    _consumer(hook_db, receiver.url)
    change_ids = _changes(hook_db, [1])
    _drain(hook_db)
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    headers = {k.lower(): v for k, v in request["headers"].items()}
    timestamp, given = headers["x-instrumentengids-timestamp"], headers["x-instrumentengids-signature"]
    assert signing.verify(SECRET, timestamp, request["body"], given)
    assert not signing.verify("een-ander-geheim-van-24-tekens!", timestamp, request["body"], given)
    assert not signing.verify(SECRET, timestamp, request["body"] + b" ", given)  # the body is what is signed
    assert not signing.verify(SECRET, str(int(timestamp) - 3600), request["body"], given)  # stale timestamp
    with hook_db.session() as s:
        delivery = s.scalar(select(WebhookDelivery))
        assert headers["idempotency-key"] == delivery.idempotency_key and delivery.status == "delivered"
    body = request["json"]
    assert body["event"] == "instrument.created" and body["slug"] == "i-1" and body["instrument"]["slug"] == "i-1"
    assert body["cursor"]  # the feed position: the consumer can continue with GET /api/v1/changes?since=
    assert headers["content-type"] == "application/json" and change_ids


def test_failed_deliveries_are_retried_with_exponential_back_off(hook_db, receiver):
    _consumer(hook_db, receiver.url)
    _changes(hook_db, [1])
    receiver.plan = [500, 503]
    slow = Settings(base=0.4, cap=2, timeout=5, allow_local=True)
    run_once(hook_db, slow)
    with hook_db.session() as s:
        d = s.scalar(select(WebhookDelivery))
        assert (d.status, d.attempts, d.last_status) == ("pending", 1, 500)
        first_wait = (d.next_attempt_at.replace(tzinfo=timezone.utc) - datetime.now(timezone.utc)).total_seconds()
    assert 0.2 < first_wait <= slow.base * 1.1
    run_once(hook_db, slow)  # not due yet: nothing sent
    assert len(receiver.requests) == 1
    _drain(hook_db, slow)
    keys = {r["headers"]["Idempotency-Key"] for r in receiver.requests}
    assert len(receiver.requests) == 3 and len(keys) == 1  # the same key on every attempt
    with hook_db.session() as s:
        attempts = s.scalars(select(WebhookAttempt).order_by(WebhookAttempt.id)).all()
        assert [a.status_code for a in attempts] == [500, 503, 200]
        assert s.scalar(select(WebhookConsumer)).failing_since is None  # a success ends the failure period
    settings = Settings(base=30, cap=3600)
    waits = [backoff(n, settings) for n in range(1, 10)]
    assert 30 <= waits[0] <= 33 and 60 <= waits[1] <= 66 and 120 <= waits[2] <= 132 and max(waits) <= 3960


def test_changes_of_one_instrument_arrive_in_order(hook_db, receiver):
    _consumer(hook_db, receiver.url)
    _changes(hook_db, [1, 2], per_instrument=3)  # 1:0, 2:0, 1:1, 2:1, 1:2, 2:2
    receiver.plan = [500]  # the first change of instrument 1 fails once
    _drain(hook_db)
    delivered = [(r["json"]["slug"], r["json"]["instrument"]["n"]) for r in receiver.requests
                 if r is not receiver.requests[0]]
    for slug in ("i-1", "i-2"):
        assert [n for s, n in delivered if s == slug] == [0, 1, 2]
    # instrument 2 did not wait for instrument 1's retry
    assert receiver.requests[1]["json"]["slug"] == "i-2"


def test_a_consumer_failing_for_24_hours_is_paused_and_its_owner_mailed(hook_db, receiver):
    consumer_id = _consumer(hook_db, receiver.url)
    _changes(hook_db, [1, 2])
    receiver.fail_always = True
    run_once(hook_db, FAST)
    with hook_db.session() as s:
        consumer = s.get(WebhookConsumer, consumer_id)
        assert consumer.status == "active" and consumer.failing_since is not None
        consumer.failing_since = datetime.now(timezone.utc) - timedelta(hours=24, minutes=1)
    time.sleep(FAST.cap + 0.1)
    run_once(hook_db, FAST)
    with hook_db.session() as s:
        consumer = s.get(WebhookConsumer, consumer_id)
        assert consumer.status == "paused" and consumer.paused_at is not None
        mails = s.scalars(select(OutboxMessage)).all()
        assert [m.recipient for m in mails] == ["owner@example.org"] and "gepauzeerd" in mails[0].subject
    sent = len(receiver.requests)
    time.sleep(FAST.cap + 0.1)
    run_once(hook_db, FAST)
    assert len(receiver.requests) == sent  # paused: nothing is sent, nothing is lost
    receiver.fail_always = False
    from catalogue.webhooks.consumers import resume

    with hook_db.session() as s:
        resume(s.get(WebhookConsumer, consumer_id))
    time.sleep(FAST.cap + 0.1)
    _drain(hook_db)
    with hook_db.session() as s:
        assert set(s.scalars(select(WebhookDelivery.status))) == {"delivered"}


def test_replay_sends_a_delivered_change_again_with_its_own_key(hook_db, receiver):
    _consumer(hook_db, receiver.url)
    _changes(hook_db, [1])
    _drain(hook_db)
    with hook_db.session() as s:
        original = s.scalar(select(WebhookDelivery))
        again = replay(s, original)
        original_key, again_id = original.idempotency_key, again.id
    _drain(hook_db)
    assert len(receiver.requests) == 2
    second = receiver.requests[1]
    assert second["json"]["delivery"] == {"id": again_id, "replay_of": receiver.requests[0]["json"]["delivery"]["id"]}
    assert second["headers"]["Idempotency-Key"] != original_key
    assert second["json"]["cursor"] == receiver.requests[0]["json"]["cursor"]


def test_two_workers_never_deliver_twice_and_keep_the_order(hook_db, receiver):
    _consumer(hook_db, receiver.url)
    _changes(hook_db, list(range(1, 9)), per_instrument=5)  # 40 deliveries
    receiver.plan = [500, 200, 500]  # a few retries on the way
    errors = []

    def worker(name):
        try:
            for _ in range(200):
                ids = claim(hook_db, name, FAST)
                for delivery_id in ids:
                    deliver(hook_db, delivery_id, name, FAST)
                with hook_db.session() as s:
                    if s.scalar(select(WebhookDelivery.id).where(WebhookDelivery.status != "delivered").limit(1)) \
                            is None:
                        return
                if not ids:
                    time.sleep(0.02)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(f"node-{n}:1",)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors
    ok = list(receiver.requests)
    with hook_db.session() as s:
        statuses = s.execute(select(WebhookAttempt.delivery_id, WebhookAttempt.status_code)).all()
        assert set(s.scalars(select(WebhookDelivery.status))) == {"delivered"}
    succeeded = [d for d, code in statuses if code == 200]
    assert len(succeeded) == len(set(succeeded)) == 40  # each delivered exactly once
    assert len(ok) == len(statuses)  # every POST is in the log
    by_instrument: dict[str, list[int]] = {}
    for r in receiver.requests:
        by_instrument.setdefault(r["json"]["slug"], []).append(r["json"]["instrument"]["n"])
    for slug, seen in by_instrument.items():
        firsts = list(dict.fromkeys(seen))  # a retried change repeats before the next one
        assert firsts == sorted(firsts), (slug, seen)


def test_the_recorder_writes_deliveries_for_matching_consumers(session, people):  # noqa: F811
    organisation = session.scalar(select(Organisation).where(Organisation.slug == "regio-midden-holland"))
    wanted = WebhookConsumer(organisation_id=organisation.id, name="Midden-Holland", url="https://example.org/hook",
                             secret=SECRET, regions=["AM20"], providers=[], kinds=[], status="active")
    other = WebhookConsumer(organisation_id=organisation.id, name="Alleen jobcoaching", url="https://example.org/j",
                            secret=SECRET, regions=[], providers=[], kinds=["jobcoaching"], status="active")
    session.add_all([wanted, other])
    session.flush()
    catch_up(session)
    changes = {c.id: c for c in session.scalars(select(PublicChange))}
    got = {}
    for d in session.scalars(select(WebhookDelivery)):
        got.setdefault(d.consumer_id, set()).add(d.change_id)
    assert got[wanted.id] == {i for i, c in changes.items() if matches(wanted, c.match)}
    assert all(c.match["kind"] == "jobcoaching" for i, c in changes.items() if i in got[other.id])
    regions = [changes[i].match["regions"] for i in got[wanted.id]]
    assert all("*" in r or "AM20" in r for r in regions) and len(got[wanted.id]) < len(changes)


@pytest.mark.parametrize("url,code", [
    ("http://example.org/hook", "scheme"),
    ("ftp://example.org/hook", "scheme"),
    ("https://10.1.2.3/hook", "private"),
    ("https://192.168.0.10/hook", "private"),
    ("https://169.254.169.254/latest/meta-data", "private"),
    ("https://100.64.0.1/", "private"),
    ("https://[::1]/hook", "local"),
    ("https://[fd00::1]/hook", "private"),
    ("https://[::ffff:10.0.0.1]/hook", "private"),
    ("https://0.0.0.0/hook", "private"),
    ("https://localhost/hook", "local"),
    ("https://user:pass@example.org/hook", "credentials"),
    ("https://intern.example.org/hook", "private"),  # a public-looking name that resolves to a private address
    ("https://rebind.example.org/hook", "private"),  # one of its addresses is private
    ("https://bestaat-niet.example.org/", "unresolved"),
    ("not a url", "invalid"),
    ("https://example.org:99999/", "invalid"),
])
def test_urls_that_would_reach_inside_are_refused(url, code):
    def resolve(host, port):
        return {"intern.example.org": ["10.0.0.5"], "rebind.example.org": ["93.184.216.34", "127.0.0.1"],
                "example.org": ["93.184.216.34"]}.get(host, [])

    with pytest.raises(UrlRefused) as refused:
        check_url(url, allow_local=False, resolve=resolve)
    assert refused.value.code == code
    target = check_url("https://example.org:8443/hook?x=1", resolve=resolve)
    assert (target.host, target.port, target.path, target.address) == ("example.org", 8443, "/hook?x=1",
                                                                       "93.184.216.34")
    assert check_url("http://localhost:9/h", allow_local=True).address in ("127.0.0.1", "::1")


def test_a_redirect_is_not_followed(hook_db, receiver):
    _consumer(hook_db, receiver.url)
    _changes(hook_db, [1])
    receiver.plan = [302]
    run_once(hook_db, FAST)
    assert [r["path"] for r in receiver.requests] == ["/hook"]  # never /elsewhere
    with hook_db.session() as s:
        d = s.scalar(select(WebhookDelivery))
        assert d.status == "pending" and d.last_status == 302 and "niet gevolgd" in d.last_error


def test_a_consumer_whose_address_turned_private_gets_nothing(hook_db, receiver):
    consumer_id = _consumer(hook_db, receiver.url)
    _changes(hook_db, [1])
    run_once(hook_db, Settings(base=0.05, allow_local=False))  # localhost only in development
    assert receiver.requests == []
    with hook_db.session() as s:
        d = s.scalar(select(WebhookDelivery))
        assert d.status == "pending" and "geweigerd" in d.last_error and d.consumer_id == consumer_id


# -- the /beheer screens ----------------------------------------------------------------------------------------------


def test_coordinator_registers_a_consumer_and_sees_its_log(client, session, people, app, monkeypatch):  # noqa: F811
    monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_LOCALHOST", False)
    login(client, people["coordinator"])
    page = client.get("/beheer/webhooks/nieuw")
    assert page.status_code == 200 and 'name="csrf_token"' in page.get_data(as_text=True)
    organisation = session.scalar(select(Organisation).where(Organisation.slug == "regio-midden-holland"))
    form = {"organisation": str(organisation.id), "name": "Site van Gouda", "url": "http://10.0.0.1/hook",
            "secret": "kort", "regions": "AM20", "kinds": "jobcoaching"}
    refused = post(client, "/beheer/webhooks/nieuw", form)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "https://" in html and "24 tekens" in html
    assert 'value="Site van Gouda"' in html and 'value="AM20" selected' in html  # input kept
    assert session.scalar(select(WebhookConsumer)) is None
    english = post(client, "/en/beheer/webhooks/nieuw", form)
    assert english.status_code == 400 and "must start with https://" in english.get_data(as_text=True)
    monkeypatch.setattr("catalogue.webhooks.urls._resolve", lambda host, port: ["93.184.216.34"])
    created = post(client, "/beheer/webhooks/nieuw", {**form, "url": "https://hooks.example.org/gids",
                                                      "secret": SECRET})
    assert created.status_code == 302
    consumer = session.scalar(select(WebhookConsumer))
    assert (consumer.regions, consumer.kinds, consumer.created_by_id) == (["AM20"], ["jobcoaching"],
                                                                         people["coordinator"].id)
    detail = client.get(f"/beheer/webhooks/{consumer.id}")
    assert detail.status_code == 200 and "Bezorglogboek" in detail.get_data(as_text=True)
    assert "Site van Gouda" in client.get("/beheer/webhooks").get_data(as_text=True)
    # a delivery in the log can be replayed
    catch_up(session)
    delivery = session.scalar(select(WebhookDelivery).where(WebhookDelivery.consumer_id == consumer.id))
    assert delivery is not None
    assert delivery.change.slug in client.get(f"/beheer/webhooks/{consumer.id}").get_data(as_text=True)
    assert post(client, f"/beheer/webhooks/{consumer.id}/bezorgingen/{delivery.id}/opnieuw").status_code == 302
    assert session.scalar(select(WebhookDelivery).where(WebhookDelivery.replay_of_id == delivery.id)) is not None
    # without a CSRF token nothing happens
    assert client.post(f"/beheer/webhooks/{consumer.id}/pauzeren").status_code == 400
    assert post(client, f"/beheer/webhooks/{consumer.id}/pauzeren").status_code == 302
    session.refresh(consumer)
    assert consumer.status == "paused"
    assert post(client, f"/beheer/webhooks/{consumer.id}/hervatten").status_code == 302
    session.refresh(consumer)
    assert consumer.status == "active"
    # others may not see or touch it
    for who in ("other_coordinator", "editor", "account_manager"):
        login(client, people[who])
        assert client.get(f"/beheer/webhooks/{consumer.id}").status_code == 403, who
        assert post(client, f"/beheer/webhooks/{consumer.id}/bezorgingen/{delivery.id}/opnieuw").status_code == 403
        assert post(client, f"/beheer/webhooks/{consumer.id}/verwijderen").status_code == 403
    login(client, people["editor"])
    assert client.get("/beheer/webhooks").status_code == 403
    login(client, people["other_coordinator"])
    assert "Site van Gouda" not in client.get("/beheer/webhooks").get_data(as_text=True)
    own = session.scalar(select(Organisation).where(Organisation.slug == "regio-flevoland"))
    assert post(client, "/beheer/webhooks/nieuw", {**form, "organisation": str(organisation.id),
                                                   "url": "https://hooks.example.org/x", "secret": SECRET}
                ).status_code == 400  # not their organisation
    assert own is not None
    login(client, people["admin"])
    assert client.get(f"/beheer/webhooks/{consumer.id}").status_code == 200
    assert post(client, f"/beheer/webhooks/{consumer.id}/verwijderen").status_code == 302
    session.expire_all()
    assert session.scalar(select(WebhookConsumer.id)) is None
    assert session.scalar(select(WebhookDelivery.id)) is None  # its outbox goes with it


def test_metrics_show_the_waiting_deliveries(client, session, people):  # noqa: F811
    organisation = session.scalar(select(Organisation).where(Organisation.slug == "regio-midden-holland"))
    session.add(WebhookConsumer(organisation_id=organisation.id, name="Alles", url="https://example.org/hook",
                                secret=SECRET, regions=[], providers=[], kinds=[], status="active"))
    session.flush()
    waiting = catch_up(session)
    assert waiting > 0
    metrics = client.get("/metrics").get_data(as_text=True)
    assert f'catalogue_queue_length{{queue="webhook_delivery"}} {float(waiting)}' in metrics


def test_worker_command_records_and_delivers(tmp_path, monkeypatch, receiver):
    from click.testing import CliRunner

    from catalogue.cli import main
    from catalogue.db import Database
    from webhook_helpers import small_catalogue

    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    monkeypatch.setenv("CATALOGUE_DATABASE_URL", url)
    monkeypatch.setenv("CATALOGUE_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("CATALOGUE_WEBHOOKS_ALLOW_LOCALHOST", "1")
    runner = CliRunner()
    assert runner.invoke(main, ["init"]).exit_code == 0
    db = Database(url)
    with db.session() as s:
        small_catalogue(s, 3)
    _consumer(db, receiver.url)
    result = runner.invoke(main, ["webhooks", "work", "--once"])
    assert result.exit_code == 0, result.output
    assert "3 change(s) recorded" in result.output and "3 delivery attempt(s)." in result.output
    assert sorted(r["json"]["slug"] for r in receiver.requests) == ["proef-0", "proef-1", "proef-2"]
    db.engine.dispose()
