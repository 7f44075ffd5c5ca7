"""The account pages in a real Chromium: an admin logs in through the real forms (password, TOTP enrolment, then a code),
manages organisations and users, invites someone; axe-core finds 0 WCAG 2.1 A/AA violations on every page, and the
pages do not scroll sideways on a 390 px phone."""
import re

import pyotp
import pytest

from conftest import _new_page, describe, require_route, run_axe, screenshot

pytestmark = pytest.mark.browser

ADMIN_EMAIL = "beheerder@example.org"
ADMIN_PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def admin_page(browser, live_server, live_app):
    require_route(live_app, "people.users", "the user administration")
    from sqlalchemy import select

    from catalogue.auth import create_user
    from catalogue.models import User

    with live_app.extensions["catalogue_db"].session() as session:
        if session.scalar(select(User).where(User.email == ADMIN_EMAIL)) is None:
            create_user(session, ADMIN_EMAIL, "Beheerder", ADMIN_PASSWORD, is_admin=True)
    context, page = _new_page(browser, live_server, bypass_csp=True)
    yield page
    context.close()


def _check(page, name, url=None):
    if url:
        response = page.goto(url)
        assert response is not None and response.status < 400, (url, response and response.status)
    screenshot(page, name)
    violations = run_axe(page, name)
    assert not violations, f"{page.url}: WCAG 2.1 AA violations\n{describe(violations)}"


def _invitation_path(live_app, email):
    from sqlalchemy import select

    from catalogue.models import OutboxMessage

    with live_app.extensions["catalogue_db"].session() as session:
        body = session.scalars(select(OutboxMessage.body).where(OutboxMessage.recipient == email)
                               .order_by(OutboxMessage.id.desc())).first()
    return re.search(r"http://[^/\s]+(/uitnodiging/\S+)", body).group(1)


def test_account_pages_have_no_wcag_violations(admin_page, live_app, browser, live_server):
    page = admin_page
    page.goto("/inloggen")
    page.locator("input[name=email]").fill(ADMIN_EMAIL)
    page.locator("input[name=password]").fill(ADMIN_PASSWORD)
    page.locator("form:has(input[name=password]) button[type=submit]").click()
    page.wait_for_load_state()
    assert page.url.endswith("/inloggen/tweestapsverificatie")
    _check(page, "two-factor-enrol")
    secret = page.locator("code.secret").first.inner_text().replace(" ", "")
    page.locator("#f-code").fill("000000")
    page.locator("form button[type=submit]").last.click()
    _check(page, "two-factor-enrol-error")
    page.locator("#f-code").fill(pyotp.TOTP(secret).now())
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()
    assert page.locator(".recovery-codes li").count() == 10
    _check(page, "two-factor-recovery-codes")

    _check(page, "organisations", "/beheer/organisaties")
    page.locator("#f-provider").select_option("gemeente-waddinxveen")
    page.locator("form:has(#f-provider) button[type=submit]").click()
    page.wait_for_load_state()
    assert page.url.endswith("/beheer/organisaties/gemeente-waddinxveen")
    _check(page, "organisation")
    page.locator("#f-email").fill("geen-adres")
    page.locator("form:has(#f-email) button[type=submit]").click()
    _check(page, "organisation-invite-error")
    page.locator("#f-email").fill("nieuw@waddinxveen.example.org")
    page.locator("form:has(#f-email) button[type=submit]").click()
    page.wait_for_load_state()
    assert "nieuw@waddinxveen.example.org" in page.content()
    _check(page, "users", "/beheer/gebruikers")
    page.locator("a", has_text="Redacteur Gouda").click()
    page.wait_for_load_state()
    _check(page, "user")
    _check(page, "account-log", "/beheer/logboek")
    _check(page, "my-account", "/beheer/account/")
    _check(page, "my-account-en", "/en/beheer/account/")

    # the invitee's page, and the code page at the next login, in a fresh context
    context, other = _new_page(browser, live_server, bypass_csp=True)
    try:
        _check(other, "invitation", _invitation_path(live_app, "nieuw@waddinxveen.example.org"))
        other.goto("/inloggen")
        other.locator("input[name=email]").fill(ADMIN_EMAIL)
        other.locator("input[name=password]").fill(ADMIN_PASSWORD)
        other.locator("form:has(input[name=password]) button[type=submit]").click()
        other.wait_for_load_state()
        assert other.url.endswith("/inloggen/code")
        _check(other, "two-factor-code")
    finally:
        context.close()


@pytest.mark.parametrize("url", ["/beheer/gebruikers", "/beheer/organisaties/gemeente-gouda", "/beheer/account/"])
def test_account_pages_fit_a_phone(browser, live_server, admin_page, url):
    # reuse the admin's cookies (logged in by the test above, or log in again here)
    cookies = admin_page.context.cookies()
    context, phone = _new_page(browser, live_server, viewport={"width": 390, "height": 844}, is_mobile=True,
                               has_touch=True)
    try:
        context.add_cookies(cookies)
        response = phone.goto(url)
        if "/inloggen" in phone.url:
            pytest.skip("needs the admin session of test_account_pages_have_no_wcag_violations")
        assert response.status == 200
        overflow = phone.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        screenshot(phone, "phone" + url)
        assert overflow <= 1, f"{url} is {overflow}px wider than a 390px phone screen"
    finally:
        context.close()
