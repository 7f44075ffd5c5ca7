"""Concurrent writers against a real server: gunicorn with 2 worker processes on a file SQLite database (and on
PostgreSQL when CATALOGUE_TEST_DATABASE_URL is set, in a database of its own), seeded, then hit from 30 client threads:

- 150 read-modify-write PATCHes (3 each to 50 instruments) that send the version they read and, on 409, try again
  with the current version from the answer: all succeed and no marker is lost (no lost update);
- 30 PATCHes with the same version to one instrument at the same moment: exactly one 200, 29 409s;
- 2 simultaneous form saves of one instrument: one is saved, the other gets the conflict page (409);
- 30 simultaneous logins;
- token GETs throughout.

Not one answer may be a server error. Bounded: the server starts in a few seconds and the whole module takes well
under a minute per database.
"""
from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.cookiejar import CookieJar
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, HTTPRedirectHandler, Request, build_opener

import pytest
from sqlalchemy import select

from accounts import PASSWORD, form_data, make_user
from catalogue.auth import create_api_token
from catalogue.db import Database
from catalogue.models import ApiToken, Instrument, Provider

THREADS = 30
_CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


class _NoRedirect(HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Client:
    """A browser-ish HTTP client (own cookies, no redirects followed) that records every status it sees."""

    def __init__(self, base: str, statuses: list):
        self.base = base
        self.statuses = statuses
        self.opener = build_opener(HTTPCookieProcessor(CookieJar()), _NoRedirect)

    def request(self, method: str, path: str, *, form=None, body=None, token=None) -> tuple[int, dict, str]:
        headers = {}
        data = None
        if form is not None:
            data = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if token:
            headers["Authorization"] = f"Bearer {token}"
        req = Request(self.base + path, data=data, headers=headers, method=method)
        try:
            with self.opener.open(req, timeout=30) as response:
                result = response.status, dict(response.headers), response.read().decode()
        except HTTPError as exc:
            result = exc.code, dict(exc.headers), exc.read().decode()
        self.statuses.append((result[0], method, path))
        return result

    def csrf(self, path: str) -> str:
        status, _, html = self.request("GET", path)
        assert status == 200, (path, status)
        return _CSRF_RE.search(html).group(1)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def database_for_server(templates, tmp_path_factory):
    """A copy of the session's seeded template (a SQLite file or a PostgreSQL database, dropped afterwards)."""
    with templates.copy("seeded", tmp_path_factory.mktemp("concurrency")) as url:
        yield url


@pytest.fixture(scope="module")
def live(database_for_server, tmp_path_factory):
    """Seeded database, users and tokens; gunicorn with 2 workers on a free port."""
    db = Database(database_for_server)
    with db.session() as session:
        admin = make_user(session, "admin@example.org", admin=True)
        editors = [make_user(session, f"editor{i}@gouda.example.org", "editor", "gemeente-gouda") for i in range(10)]
        token = create_api_token(session, admin, "concurrency")
        gouda = session.scalar(select(Provider).where(Provider.slug == "gemeente-gouda"))
        form_slug = session.scalar(select(Instrument.slug).where(Instrument.provider_id == gouda.id,
                                                                 Instrument.deleted_at.is_(None)).order_by(Instrument.id))
        slugs = list(session.scalars(select(Instrument.slug).where(Instrument.deleted_at.is_(None))
                                     .where(Instrument.slug != form_slug).order_by(Instrument.id).limit(51)))
        editor_emails = [e.email for e in editors]
    instance = tmp_path_factory.mktemp("instance")
    port = _free_port()
    env = {**os.environ, "CATALOGUE_DATABASE_URL": database_for_server, "CATALOGUE_INSTANCE_DIR": str(instance),
           "CATALOGUE_INDEX_DIR": str(instance / "index"), "CATALOGUE_SECRET_KEY": "concurrency-test",
           "CATALOGUE_SECURE_COOKIES": "0"}
    log = open(instance / "gunicorn.log", "w")
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}",
                               "--timeout", "30", "catalogue.wsgi:app"], env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            Client(base, []).request("GET", "/api/v1/kinds")
            break
        except (URLError, ConnectionError):
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise RuntimeError("gunicorn did not start: " + (instance / "gunicorn.log").read_text()[-2000:])
            time.sleep(0.2)
    try:
        yield {"base": base, "db": db, "token": token, "slugs": slugs, "form_slug": form_slug,
               "editors": editor_emails, "log": instance / "gunicorn.log"}
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        db.engine.dispose()


def _no_server_errors(statuses, live):
    errors = [s for s in statuses if s[0] >= 500]
    assert not errors, (errors[:10], live["log"].read_text()[-3000:])


def _state(client, slug, token):
    status, _, body = client.request("GET", f"/api/v1/instruments/{slug}/internal", token=token)
    assert status == 200, (slug, status, body[:300])
    return json.loads(body)


def test_150_concurrent_patches_to_50_instruments_lose_nothing(live):
    statuses: list = []
    token, slugs = live["token"], live["slugs"][:50]
    client = Client(live["base"], statuses)
    before = {slug: _state(client, slug, token)["version"] for slug in slugs}

    def read_modify_write(n: int) -> int:
        slug, marker = slugs[n // 3], f"[m{n}]"  # the three updates of one instrument run at once
        c = Client(live["base"], statuses)
        state = _state(c, slug, token)
        current = {"instrument": state["instrument"], "version": state["version"]}
        for attempt in range(40):
            notes = (current["instrument"].get("internal_notes") or "") + marker
            status, _, body = c.request("PATCH", f"/api/v1/instruments/{slug}", token=token,
                                        body={"internal_notes": notes, "version": current["version"]})
            if status == 200:
                return attempt
            assert status == 409, (status, body[:300])
            current = json.loads(body)["current"]
            _state(c, slug, token)  # a token read in between, as a client would
        raise AssertionError(f"{slug}: no success after 40 attempts")

    started = time.monotonic()
    with ThreadPoolExecutor(THREADS) as pool:
        retries = list(pool.map(read_modify_write, range(150)))
    elapsed = time.monotonic() - started
    _no_server_errors(statuses, live)
    for slug in slugs:
        state = _state(client, slug, token)
        markers = re.findall(r"\[m(\d+)\]", state["instrument"]["internal_notes"])
        expected = sorted(str(n) for n in range(150) if slugs[n // 3] == slug)
        assert sorted(markers) == expected, (slug, markers)  # every update kept, none twice
        assert state["version"] == before[slug] + 3
    print(f"150 PATCHes in {elapsed:.1f} s, {sum(retries)} version conflicts retried")


def test_30_lock_races_on_one_instrument_one_winner_29_conflicts(live):
    statuses: list = []
    token, slug = live["token"], live["slugs"][50]
    version = _state(Client(live["base"], statuses), slug, token)["version"]
    barrier = threading.Barrier(THREADS)

    def race(n: int) -> int:
        c = Client(live["base"], statuses)
        barrier.wait()
        status, _, body = c.request("PATCH", f"/api/v1/instruments/{slug}", token=token,
                                    body={"internal_notes": f"race {n}", "version": version})
        if status == 409:
            assert json.loads(body)["current"]["version"] == version + 1
        return status

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(race, range(THREADS)))
    _no_server_errors(statuses, live)
    assert sorted(results) == [200] + [409] * (THREADS - 1)
    state = _state(Client(live["base"], statuses), slug, token)
    assert state["version"] == version + 1 and state["instrument"]["internal_notes"].startswith("race ")


def _login(client: Client, email: str) -> tuple[int, dict]:
    token = client.csrf("/inloggen")
    status, headers, _ = client.request("POST", "/inloggen",
                                        form={"csrf_token": token, "email": email, "password": PASSWORD})
    return status, headers


def test_two_simultaneous_form_saves_one_saved_one_conflict_page(live):
    statuses: list = []
    slug = live["form_slug"]
    clients = [Client(live["base"], statuses) for _ in range(2)]
    forms = []
    state = _state(clients[0], slug, live["token"])
    for i, c in enumerate(clients):
        assert _login(c, live["editors"][i])[0] == 302
        csrf = c.csrf(f"/beheer/instrumenten/{slug}/bewerken")
        fields = [(k, v) for k, v in form_data(state["instrument"]) if k != "summary"]
        forms.append(fields + [("summary", f"Samenvatting van redacteur {i}, tegelijk opgeslagen."),
                               ("version", str(state["version"])), ("csrf_token", csrf)])
    barrier = threading.Barrier(2)

    def save(i: int):
        barrier.wait()
        return clients[i].request("POST", f"/beheer/instrumenten/{slug}/bewerken", form=forms[i])

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(save, range(2)))
    _no_server_errors(statuses, live)
    assert sorted(status for status, _, _ in results) == [302, 409]
    loser = next(i for i, (status, _, _) in enumerate(results) if status == 409)
    html = results[loser][2]
    assert "Iemand anders heeft dit instrument intussen gewijzigd" in html
    assert f"Samenvatting van redacteur {loser}, tegelijk opgeslagen." in html  # the loser's input is kept
    stored = _state(clients[0], slug, live["token"])
    assert stored["instrument"]["summary"] == f"Samenvatting van redacteur {1 - loser}, tegelijk opgeslagen."


def test_30_simultaneous_logins_and_token_reads(live):
    statuses: list = []
    barrier = threading.Barrier(THREADS)

    def login(n: int):
        c = Client(live["base"], statuses)
        c.csrf("/inloggen")  # the session cookie and the token first, then all at once
        token = c.csrf("/inloggen")
        barrier.wait()
        if n % 3 == 0:  # a third of the threads read with the token meanwhile
            return c.request("GET", f"/api/v1/instruments/{live['slugs'][n]}/internal", token=live["token"])[0], None
        status, headers, _ = c.request("POST", "/inloggen", form={"csrf_token": token, "password": PASSWORD,
                                                                  "email": live["editors"][n % 10]})
        return status, headers.get("Location")

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(login, range(THREADS)))
    _no_server_errors(statuses, live)
    for n, (status, location) in enumerate(results):
        if n % 3 == 0:
            assert status == 200
        else:
            assert status == 302 and location.endswith("/beheer/"), (status, location)
    with live["db"].session() as session:
        used = session.scalars(select(ApiToken.last_used_at)).all()
    assert all(u is not None for u in used)


def test_token_reads_write_last_used_at_at_most_once_a_minute(session):
    from datetime import datetime, timedelta, timezone

    from catalogue.auth import user_for_api_token

    user = make_user(session, "reader@example.org", admin=True)
    token = create_api_token(session, user, "reads")
    session.commit()
    assert user_for_api_token(session, token) is user
    session.commit()
    row = session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert row.last_used_at is not None
    assert user_for_api_token(session, token) is user
    assert not session.dirty  # the second read within a minute writes nothing
    row.last_used_at = datetime.now(timezone.utc) - timedelta(minutes=2)
    session.commit()
    user_for_api_token(session, token)
    assert row in session.dirty


def test_contention_is_retried_and_other_errors_are_not(session):
    import sqlite3

    from sqlalchemy.exc import IntegrityError, OperationalError

    from catalogue.db import is_contention, retrying

    locked = OperationalError("UPDATE", {}, sqlite3.OperationalError("database is locked"))
    assert is_contention(locked)
    assert not is_contention(IntegrityError("INSERT", {}, sqlite3.IntegrityError("UNIQUE constraint failed")))
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise locked
        return "done"

    assert retrying(flaky, session) == "done" and len(calls) == 3
    with pytest.raises(OperationalError):
        retrying(lambda: (_ for _ in ()).throw(locked), session, attempts=2)
