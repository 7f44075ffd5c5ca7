"""Login, sessions, rate limiting, no user enumeration, password reset, logout, the `users` commands."""
import re
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, select, text

from accounts import PASSWORD, csrf_token, login, people, post  # noqa: F401
from catalogue import create_app
from catalogue.auth import MAX_FAILURES_PER_USER_AND_IP, make_reset_token, user_for_reset_token
from catalogue.models import LoginAttempt, OutboxMessage, User


def _login(client, email, password, ip="10.0.0.1", **extra):
    return post(client, "/inloggen", {"email": email, "password": password, **extra},
                environ_base={"REMOTE_ADDR": ip})


def test_login_with_the_form_opens_the_manage_pages(client, people):
    assert client.get("/beheer/").status_code == 302  # not logged in: to the login page
    assert "/inloggen" in client.get("/beheer/").headers["Location"]
    response = _login(client, "EDITOR@example.org ", PASSWORD)
    assert response.status_code == 302 and response.headers["Location"].endswith("/beheer/")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get("/beheer/")
    assert page.status_code == 200 and "editor" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"


def test_login_page_links_from_the_header(client):
    html = client.get("/").get_data(as_text=True)
    assert 'href="/inloggen"' in html
    assert "Sign in" in client.get("/en/").get_data(as_text=True)


def _normalise(html: str) -> str:
    html = re.sub(r'name="csrf_token" value="[^"]+"', "", html)
    return re.sub(r'name="email" value="[^"]*"', "", html)


def test_no_user_enumeration(client, people):
    unknown = _login(client, "nobody@example.org", "whatever-password")
    wrong = _login(client, "editor@example.org", "whatever-password")
    assert unknown.status_code == wrong.status_code == 200
    assert _normalise(unknown.get_data(as_text=True)) == _normalise(wrong.get_data(as_text=True))
    assert "Deze combinatie van e-mailadres en wachtwoord kennen we niet." in wrong.get_data(as_text=True)
    # and the same for a password reset request
    known = post(client, "/wachtwoord-vergeten", {"email": "editor@example.org"})
    other = post(client, "/wachtwoord-vergeten", {"email": "nobody@example.org"})
    assert known.status_code == other.status_code == 200
    assert _normalise(known.get_data(as_text=True)) == _normalise(other.get_data(as_text=True))


def test_login_rate_limit_per_user_and_ip_across_requests(client, session, people):
    for _ in range(MAX_FAILURES_PER_USER_AND_IP):
        assert _login(client, "editor@example.org", "wrong-password-1").status_code == 200
    blocked = _login(client, "editor@example.org", PASSWORD)  # even the right password is refused now
    assert blocked.status_code == 429
    assert "Te veel mislukte pogingen" in blocked.get_data(as_text=True)
    assert client.get("/beheer/").status_code == 302
    # an unknown address is limited the same way (no enumeration through the limit)
    for _ in range(MAX_FAILURES_PER_USER_AND_IP):
        _login(client, "nobody@example.org", "wrong-password-1")
    assert _login(client, "nobody@example.org", "x").status_code == 429
    # another address from another IP is not affected
    assert _login(client, "editor@example.org", PASSWORD, ip="10.0.0.2").status_code == 302
    # the window passes: attempts older than 15 minutes no longer count
    for attempt in session.scalars(select(LoginAttempt)):
        attempt.created_at = datetime.now(timezone.utc) - timedelta(minutes=16)
    session.commit()
    assert _login(client, "editor@example.org", PASSWORD).status_code == 302


def test_login_ignores_foreign_next_urls(client, people):
    response = _login(client, "editor@example.org", PASSWORD, next="//evil.example/")
    assert response.headers["Location"].endswith("/beheer/")
    client2 = client.application.test_client()
    response = _login(client2, "editor@example.org", PASSWORD, next="/beheer/instrumenten")
    assert response.headers["Location"].endswith("/beheer/instrumenten")


def test_password_reset_flow(client, session, people, app):
    response = post(client, "/wachtwoord-vergeten", {"email": "editor@example.org"})
    assert "Als dit e-mailadres bij ons bekend is" in response.get_data(as_text=True)
    messages = session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == "editor@example.org")).all()
    assert len(messages) == 1
    assert PASSWORD not in messages[0].body
    link = re.search(r"http://localhost(/wachtwoord-herstellen/\S+)", messages[0].body).group(1)
    assert client.get(link).status_code == 200

    # an old session of this user ends when the password changes
    other = app.test_client()
    login(other, people["editor"])
    assert other.get("/beheer/").status_code == 200

    too_short = post(client, link, {"password": "short", "password_confirm": "short"})
    assert too_short.status_code == 400 and "minstens 10 tekens" in too_short.get_data(as_text=True)
    mismatch = post(client, link, {"password": "a-new-password-1", "password_confirm": "a-new-password-2"})
    assert mismatch.status_code == 400
    done = post(client, link, {"password": "a-new-password-1", "password_confirm": "a-new-password-1"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/inloggen")

    assert client.get(link).status_code == 400  # single use
    assert post(client, link, {"password": "another-password", "password_confirm": "another-password"}).status_code == 400
    assert other.get("/beheer/").status_code == 302
    assert _login(client, "editor@example.org", PASSWORD).status_code == 200  # old password no longer works
    assert _login(client, "editor@example.org", "a-new-password-1").status_code == 302


def test_reset_tokens_expire_and_cannot_be_forged(session, people):
    user = people["editor"]
    token = make_reset_token("test-secret", user)
    assert user_for_reset_token(session, "test-secret", token) is user
    assert user_for_reset_token(session, "test-secret", token, max_age=-1) is None
    assert user_for_reset_token(session, "other-secret", token) is None
    forged = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]  # (the last base64 character carries
    assert user_for_reset_token(session, "test-secret", forged) is None  # only 2 bits: changing it may change nothing)
    assert user_for_reset_token(session, "test-secret", "nonsense") is None


def test_reset_mails_per_address_are_limited_and_the_answer_stays_the_same(client, session, people):
    answers = [post(client, "/wachtwoord-vergeten", {"email": "editor@example.org"}).get_data(as_text=True)
               for _ in range(5)]
    assert all("Als dit e-mailadres bij ons bekend is" in a for a in answers)
    sent = session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == "editor@example.org")).all()
    assert len(sent) == 3


def test_reset_for_unknown_address_sends_a_notice_without_a_link(client, session):
    for _ in range(5):
        post(client, "/wachtwoord-vergeten", {"email": "Nobody@example.org"})
    sent = session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == "nobody@example.org")).all()
    assert len(sent) == 3  # the same limit as for known addresses
    assert "geen (actief) account" in sent[0].body and "http" not in sent[0].body


def test_reset_does_the_same_work_for_known_and_unknown_addresses(app, connection, session, people, monkeypatch):
    """Same statements (the same SQL in the same order), one signed token and one outbox message in both paths: the
    answer's timing does not tell whether an address has an account."""
    from sqlalchemy import event

    from catalogue import auth

    signed = []
    original = auth._reset_serializer

    def spy(secret_key, salt_source):
        signed.append(len(salt_source) > 0)
        return original(secret_key, salt_source)

    monkeypatch.setattr(auth, "_reset_serializer", spy)

    def run(email):
        statements = []

        def record(conn, cursor, statement, parameters, context, executemany):
            if not statement.startswith(("SAVEPOINT", "RELEASE")):  # the test's transaction, not the work
                statements.append(re.sub(r"\s+", " ", statement).strip())

        event.listen(connection, "before_cursor_execute", record)
        try:
            auth.request_password_reset(session, "test-secret", email, lambda token: f"http://x/{token}")
            session.flush()
        finally:
            event.remove(connection, "before_cursor_execute", record)
        return statements

    deactivated = people["other_editor"]
    deactivated.active = False
    session.commit()
    known = run("editor@example.org")
    unknown = run("nobody@example.org")
    inactive = run(deactivated.email)
    assert known == unknown == inactive
    assert [s.split()[0] for s in known] == ["SELECT", "SELECT", "INSERT"]
    assert signed == [True, True, True]


def test_logout_needs_a_post_with_csrf(client, people):
    login(client, people["editor"])
    assert client.get("/uitloggen").status_code == 405
    assert client.post("/uitloggen").status_code == 400  # no CSRF token
    assert client.get("/beheer/").status_code == 200
    assert post(client, "/uitloggen").status_code == 302
    assert client.get("/beheer/").status_code == 302


def test_inactive_users_cannot_log_in(client, session, people):
    people["editor"].active = False
    session.commit()
    assert _login(client, "editor@example.org", PASSWORD).status_code == 200
    login(client, people["editor"])
    assert client.get("/beheer/").status_code == 302


def test_cookie_flags_secure_outside_debug_and_testing(database_url):
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "x"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert create_app({"DATABASE_URL": database_url, "SECRET_KEY": "x", "TESTING": True}).config[
        "SESSION_COOKIE_SECURE"] is False


@pytest.fixture()
def cli_env(tmp_path, monkeypatch, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("the command-line round trip uses its own SQLite file")
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    monkeypatch.setenv("CATALOGUE_DATABASE_URL", url)
    monkeypatch.setenv("CATALOGUE_SECRET_KEY", "x")
    return url


def test_users_create_and_token_commands(cli_env):
    from catalogue.cli import main

    runner = CliRunner()
    assert runner.invoke(main, ["init"]).exit_code == 0
    assert runner.invoke(main, ["seed"]).exit_code == 0
    result = runner.invoke(main, ["users", "create", "Admin@Example.org", "--admin", "--name", "Eerste beheerder"],
                           input="a-long-password\na-long-password\n")
    assert result.exit_code == 0, result.output
    assert "Created user admin@example.org (admin)" in result.output
    result = runner.invoke(main, ["users", "create", "red@example.org", "--organisation", "gemeente-gouda",
                                  "--role", "editor", "--password", "another-long-one"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(main, ["users", "create", "x@example.org", "--admin", "--password", "short"]).exit_code != 0
    token = runner.invoke(main, ["users", "token", "red@example.org"])
    assert token.exit_code == 0 and token.output.startswith("igt_")
    with create_engine(cli_env).connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM user_account")).scalar() == 2
        hashes = conn.execute(text("SELECT password_hash FROM user_account")).scalars().all()
        assert all(h.startswith("$argon2id$") for h in hashes)
        stored = conn.execute(text("SELECT token_hash FROM api_token")).scalar()
        assert stored != token.output.strip() and len(stored) == 64  # only a hash is stored
        assert conn.execute(text("SELECT role FROM membership")).scalar() == "editor"
    period = runner.invoke(main, ["users", "review-period", "gemeente-gouda", "6"])
    assert period.exit_code == 0, period.output
    assert runner.invoke(main, ["users", "review-period", "gemeente-gouda", "0"]).exit_code != 0
    assert runner.invoke(main, ["users", "review-period", "bestaat-niet", "6"]).exit_code != 0
    with create_engine(cli_env).connect() as conn:
        assert conn.execute(text("SELECT review_after_months FROM organisation WHERE slug = 'gemeente-gouda'")).scalar() == 6


def test_passwords_are_hashed_with_argon2(session, people):
    user = session.scalar(select(User).where(User.email == "editor@example.org"))
    assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash


def test_guessing_from_one_address_is_slowed_down_but_a_correct_password_still_gets_in(client, session, people,
                                                                                         monkeypatch):
    """Issue 10: 50 failures for random addresses from one IP (an office behind one proxy address, say) must not lock
    out the real users there."""
    from catalogue import auth

    pauses = []
    monkeypatch.setattr(auth, "_pause", pauses.append)
    ip = "192.0.2.50"
    assert _login(client, "coordinator@example.org", PASSWORD, ip=ip).status_code == 302  # she logged in here before
    client.post("/uitloggen", data={"csrf_token": csrf_token(client)})
    for n in range(auth.MAX_FAILURES_PER_IP):
        assert _login(client, f"random-{n}@example.net", "guess-password", ip=ip).status_code == 200
    assert pauses == []
    guess = _login(client, "random-x@example.net", "guess-password", ip=ip)
    assert guess.status_code == 200 and pauses == [auth.SLOWDOWN_SECONDS]  # slowed, same answer as always
    assert "Deze combinatie van e-mailadres en wachtwoord kennen we niet." in guess.get_data(as_text=True)
    # the real user's correct password works (after the same pause: from here the guesser and she look alike)
    real = _login(client, "editor@example.org", PASSWORD, ip=ip)
    assert real.status_code == 302 and real.headers["Location"].endswith("/beheer/")
    assert pauses == [auth.SLOWDOWN_SECONDS] * 2
    client.post("/uitloggen", data={"csrf_token": csrf_token(client)})
    # someone who logged in from this address before is not slowed down at all
    assert _login(client, "coordinator@example.org", PASSWORD, ip=ip).status_code == 302
    assert len(pauses) == 2
    # the pause grows with the failures, up to a maximum
    for n in range(auth.SLOWDOWN_STEP):
        session.add(LoginAttempt(ip=ip, username=f"x{n}", success=False))
    session.commit()
    _login(client.application.test_client(), "random-y@example.net", "guess", ip=ip)
    assert pauses[-1] == 2 * auth.SLOWDOWN_SECONDS
    assert auth.login_slowdown(session, ip, "random-z@example.net") <= auth.MAX_SLOWDOWN_SECONDS
    # five failures on one account still lock that account, right password or not
    other = client.application.test_client()
    for _ in range(MAX_FAILURES_PER_USER_AND_IP):
        _login(other, "am@example.org", "wrong-password-1", ip=ip)
    assert _login(other, "am@example.org", PASSWORD, ip=ip).status_code == 429
    assert _login(other, "am@example.org", PASSWORD, ip="192.0.2.51").status_code == 302  # only for that client


def _proxied_app(app, connection, proxies):
    from sqlalchemy.orm import sessionmaker

    proxied = create_app({**{k: app.config[k] for k in ("TESTING", "DATABASE_URL", "SECRET_KEY", "INDEX_DIR")},
                          "TRUSTED_PROXIES": proxies})
    proxied.extensions["catalogue_db"].session_factory = sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    return proxied


@pytest.mark.parametrize("proxies,expected", [(0, "10.9.9.9"), (1, "203.0.113.7"), (2, "198.51.100.1")])
def test_client_address_comes_from_trusted_proxies_only(app, client, connection, session, people, proxies, expected):
    if proxies:
        client = _proxied_app(app, connection, proxies).test_client()
    forwarded = {"X-Forwarded-For": "198.51.100.1, 203.0.113.7", "X-Forwarded-Proto": "https",
                 "Referer": "https://localhost/inloggen"}  # over https, the CSRF check also wants a same-site referrer
    response = post(client, "/inloggen", {"email": "editor@example.org", "password": "wrong-password-1"},
                    environ_base={"REMOTE_ADDR": "10.9.9.9"}, headers=forwarded)
    assert response.status_code == 200
    attempt = session.scalar(select(LoginAttempt).order_by(LoginAttempt.id.desc()).limit(1))
    assert attempt.ip == expected


def test_trusted_proxies_setting_is_checked(monkeypatch):
    from catalogue.config import from_environment, trusted_proxies

    assert trusted_proxies(None) == trusted_proxies("") == 0 and trusted_proxies(" 2 ") == 2
    for bad in ("-1", "one", "6", "1.5"):
        with pytest.raises(ValueError, match="CATALOGUE_TRUSTED_PROXIES"):
            trusted_proxies(bad)
    monkeypatch.setenv("CATALOGUE_TRUSTED_PROXIES", "1")
    assert from_environment()["TRUSTED_PROXIES"] == 1
