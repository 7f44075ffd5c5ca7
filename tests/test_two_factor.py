"""Two-factor authentication (TOTP) and login sessions: enrolment (required for admins and coordinators, optional for
others), login with a code, replay and rate limits, one-time recovery codes, disabling and resetting; server-side logout
and the idle lifetime (issue 10 item 4). These go through the real forms; other tests use `accounts.login`."""
import re
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from accounts import PASSWORD, bearer, login, people, post  # noqa: F401
from catalogue import create_app
from catalogue.accounts import sessions, two_factor
from catalogue.models import AccountEvent, RecoveryCode


@pytest.fixture()
def clock(monkeypatch):
    """Moves the clock used for TOTP steps and session idle time."""
    class Clock:
        offset = 0.0

        def advance(self, seconds):
            self.offset += seconds

    c = Clock()
    real = sessions.clock
    monkeypatch.setattr(sessions, "clock", lambda: real() + c.offset)
    return c


def _password(client, email, password=PASSWORD):
    return post(client, "/inloggen", {"email": email, "password": password}, environ_base={"REMOTE_ADDR": "10.1.1.1"})


def _code(secret, _clock=None):
    return pyotp.TOTP(secret).at(sessions.clock())


def _enrol(client, clock, url="/inloggen/tweestapsverificatie"):
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    html = page.get_data(as_text=True)
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', html).group(1).replace(" ", "")
    assert "otpauth://totp/" in html and 'src="data:image/svg+xml' in html  # URI, secret as text, and a QR code
    done = post(client, url, {"code": _code(secret, clock)})
    assert done.status_code == 200, done.get_data(as_text=True)
    codes = re.findall(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", done.get_data(as_text=True))
    assert len(codes) == 10
    return secret, codes


def test_admin_must_enrol_before_using_beheer_then_logs_in_with_a_code(client, session, people, clock):
    response = _password(client, "admin@example.org")
    assert response.status_code == 302 and response.headers["Location"].endswith("/inloggen/tweestapsverificatie")
    # not logged in until enrolled: no /beheer, no token creation
    assert client.get("/beheer/").status_code == 302
    assert post(client, "/beheer/account/tokens", {"name": "x"}).status_code == 302
    wrong = post(client, "/inloggen/tweestapsverificatie", {"code": "000000"})
    assert wrong.status_code == 400 and 'id="f-code-error"' in wrong.get_data(as_text=True)
    secret, codes = _enrol(client, clock)
    assert client.get("/beheer/").status_code == 200
    session.expire_all()
    admin = people["admin"]
    assert admin.totp_enabled and admin.totp_secret == secret
    stored = session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == admin.id)).all()
    assert len(stored) == 10 and not any(c.replace("-", "") in h or c in h for c in codes for h in stored)
    assert session.scalar(select(AccountEvent.action).where(AccountEvent.subject_id == admin.id)) == "two_factor_enable"

    post(client, "/uitloggen")
    response = _password(client, "admin@example.org")
    assert response.headers["Location"].endswith("/inloggen/code")
    assert client.get("/beheer/").status_code == 302  # the password alone is not enough
    replay = post(client, "/inloggen/code", {"code": _code(secret, clock)})  # the code used to enrol
    assert replay.status_code == 400 and "al gebruikt" in replay.get_data(as_text=True)
    clock.advance(30)
    ok = post(client, "/inloggen/code", {"code": _code(secret, clock)})
    assert ok.status_code == 302 and ok.headers["Location"].endswith("/beheer/")
    assert client.get("/beheer/").status_code == 200
    # API tokens stay the second factor's equivalent
    assert client.get("/api/v1/instruments/almere-jobcoaching/internal",
                      headers=bearer(people.tokens["admin"])).status_code == 200


def test_recovery_codes_work_once(client, session, people, clock):
    _password(client, "coordinator@example.org")
    _, codes = _enrol(client, clock)
    post(client, "/uitloggen")
    _password(client, "coordinator@example.org")
    ok = post(client, "/inloggen/code", {"code": codes[0].upper().replace("-", " ")})  # typed loosely
    assert ok.status_code == 302
    page = client.get("/beheer/")
    assert page.status_code == 200 and "herstelcode" in page.get_data(as_text=True)
    post(client, "/uitloggen")
    _password(client, "coordinator@example.org")
    again = post(client, "/inloggen/code", {"code": codes[0]})
    assert again.status_code == 400
    assert client.get("/beheer/").status_code == 302
    assert post(client, "/inloggen/code", {"code": codes[1]}).status_code == 302
    # new recovery codes replace the old ones
    renewed = post(client, "/beheer/account/herstelcodes")
    new_codes = re.findall(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", renewed.get_data(as_text=True))
    assert len(new_codes) == 10
    post(client, "/uitloggen")
    _password(client, "coordinator@example.org")
    assert post(client, "/inloggen/code", {"code": codes[2]}).status_code == 400
    assert post(client, "/inloggen/code", {"code": new_codes[0]}).status_code == 302


def test_code_attempts_are_rate_limited(client, session, people, clock):
    _password(client, "admin@example.org")
    secret, _ = _enrol(client, clock)
    post(client, "/uitloggen")
    _password(client, "admin@example.org")
    for _ in range(two_factor.MAX_FAILED_CODES):
        assert post(client, "/inloggen/code", {"code": "123456"}).status_code == 400
    clock.advance(30)
    blocked = post(client, "/inloggen/code", {"code": _code(secret, clock)})
    assert blocked.status_code == 429 and "Te veel onjuiste codes" in blocked.get_data(as_text=True)
    assert client.get("/beheer/").status_code == 302


def test_optional_two_factor_for_an_editor_enable_login_disable(client, session, people, clock):
    _password(client, "editor@example.org")
    assert client.get("/beheer/").status_code == 200  # no second factor needed
    account = client.get("/beheer/account/").get_data(as_text=True)
    assert "Tweestapsverificatie instellen" in account
    secret, _ = _enrol(client, clock, "/beheer/account/tweestapsverificatie")
    assert client.get("/beheer/").status_code == 200  # the session that enrolled stays logged in
    post(client, "/uitloggen")
    assert _password(client, "editor@example.org").headers["Location"].endswith("/inloggen/code")
    clock.advance(30)
    assert post(client, "/inloggen/code", {"code": _code(secret, clock)}).status_code == 302
    # disabling needs the password and a code; errors next to the fields
    bad = post(client, "/beheer/account/tweestapsverificatie/uitschakelen", {"password": "wrong", "code": "1"})
    assert bad.status_code == 400 and 'id="f-password-error"' in bad.get_data(as_text=True)
    clock.advance(30)
    off = post(client, "/beheer/account/tweestapsverificatie/uitschakelen",
               {"password": PASSWORD, "code": _code(secret, clock)})
    assert off.status_code == 302
    session.expire_all()
    assert not people["editor"].totp_enabled
    assert _password(client, "editor@example.org").headers["Location"].endswith("/beheer/")


def test_coordinators_cannot_disable_but_admins_can_reset(client, session, people, clock):
    _password(client, "coordinator@example.org")
    _enrol(client, clock)
    assert post(client, "/beheer/account/tweestapsverificatie/uitschakelen", {"password": PASSWORD}).status_code == 403
    coordinator_client = client
    admin_client = client.application.test_client()
    login(admin_client, people["admin"])
    assert post(admin_client, f"/beheer/gebruikers/{people['coordinator'].id}/tweestapsverificatie-resetten"
                ).status_code == 302
    assert coordinator_client.get("/beheer/").status_code == 302  # sessions ended
    assert _password(client, "coordinator@example.org").headers["Location"].endswith("/inloggen/tweestapsverificatie")


def test_a_role_that_requires_two_factor_ends_a_session_without_it(client, session, people):
    _password(client, "editor@example.org")
    assert client.get("/beheer/").status_code == 200
    admin = client.application.test_client()
    login(admin, people["admin"])
    post(admin, f"/beheer/gebruikers/{people['editor'].id}/rollen",
         {"organisation": "regio-midden-holland", "role": "coordinator"})
    assert client.get("/beheer/").status_code == 302


def test_the_code_step_expires(client, people, clock):
    _password(client, "admin@example.org")
    clock.advance(11 * 60)
    response = client.get("/inloggen/tweestapsverificatie")
    assert response.status_code == 302 and response.headers["Location"].endswith("/inloggen")


def test_english_second_factor_pages(client, people):
    _password(client, "admin@example.org")
    html = client.get("/en/inloggen/tweestapsverificatie").get_data(as_text=True)
    assert "Set up two-step verification" in html


# --- sessions --------------------------------------------------------------------------------------------------------


def test_a_cookie_copied_before_logout_no_longer_opens_beheer(client, app, people):
    assert _password(client, "editor@example.org").status_code == 302
    cookie = client.get_cookie("session").value
    assert post(client, "/uitloggen").status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    assert thief.get("/beheer/").status_code == 302


def test_sessions_end_after_the_idle_lifetime_and_activity_extends_them(client, people, clock):
    assert _password(client, "editor@example.org").status_code == 302
    clock.advance(7 * 3600)
    assert client.get("/beheer/").status_code == 200  # activity refreshes the session
    clock.advance(7 * 3600)
    assert client.get("/beheer/").status_code == 200
    clock.advance(8 * 3600 + 1)
    response = client.get("/beheer/")
    assert response.status_code == 302 and "/inloggen" in response.headers["Location"]


def test_session_lifetime_is_explicit_and_configurable(tmp_path, monkeypatch, client, people):
    response = _password(client, "editor@example.org")
    assert "Expires=" in response.headers["Set-Cookie"]
    # apps on a database of their own, so the suite's search engine registration stays as it is
    database_url = f"sqlite:///{tmp_path / 'lifetime.sqlite'}"
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "x", "TESTING": True})
    assert app.permanent_session_lifetime == timedelta(hours=8)
    monkeypatch.setenv("CATALOGUE_SESSION_HOURS", "2")
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "x", "TESTING": True})
    assert app.permanent_session_lifetime == timedelta(hours=2)
    monkeypatch.setenv("CATALOGUE_SESSION_HOURS", "acht")
    with pytest.raises(RuntimeError, match="CATALOGUE_SESSION_HOURS"):
        create_app({"DATABASE_URL": database_url, "SECRET_KEY": "x", "TESTING": True})
