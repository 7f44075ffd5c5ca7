"""The webhook screens (/beheer/webhooks) in a real Chromium: an admin registers a consumer through the form (a refused
internal address first), sees the delivery log with its replay buttons; axe-core finds 0 WCAG 2.1 A/AA violations on
each page (plain HTML forms, no script of their own) and they do not scroll sideways on a 390 px phone."""
import pytest

from conftest import _new_page, describe, login_enrolling, require_route, run_axe, screenshot

pytestmark = pytest.mark.browser

ADMIN_EMAIL = "webhooks-beheerder@example.org"
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def admin(browser, live_server, live_app):
    require_route(live_app, "manage.webhooks", "the webhook screens")
    from sqlalchemy import select

    from catalogue.auth import create_user
    from catalogue.models import User

    with live_app.extensions["catalogue_db"].session() as session:
        if session.scalar(select(User).where(User.email == ADMIN_EMAIL)) is None:
            create_user(session, ADMIN_EMAIL, "Webhookbeheerder", PASSWORD, is_admin=True)
    context, page = _new_page(browser, live_server, bypass_csp=True)
    login_enrolling(page, ADMIN_EMAIL, PASSWORD)
    yield context, page
    context.close()


def _check(page, name):
    screenshot(page, name)
    violations = run_axe(page, name)
    assert not violations, f"{page.url}: WCAG 2.1 AA violations\n{describe(violations)}"


def test_webhook_pages(admin, live_app, browser, live_server):
    context, page = admin
    page.goto("/beheer/webhooks")
    _check(page, "webhooks")
    page.goto("/beheer/webhooks/nieuw")
    _check(page, "webhook-new")
    page.locator("#f-name").fill("Website Gouda (test)")
    page.locator("#f-url").fill("https://10.0.0.8/hook")
    page.locator("#f-regions").select_option("AM20")
    page.locator("form.stacked-form button[type=submit]").click()
    page.wait_for_load_state()
    assert "intern adres" in page.content() and page.locator("#f-name").input_value() == "Website Gouda (test)"
    _check(page, "webhook-new-error")
    page.locator("#f-url").fill("https://93.184.216.34/hook")
    page.locator("form.stacked-form button[type=submit]").click()
    page.wait_for_load_state()
    assert "/beheer/webhooks/" in page.url
    from catalogue.changes import record

    with live_app.extensions["catalogue_db"].session(write=True) as session:  # what the worker does
        record(session)
    page.reload()
    assert page.locator("button:has-text('Opnieuw versturen')").count() > 0
    _check(page, "webhook")
    url = page.url
    phone_context = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844}, is_mobile=True,
                                        storage_state=context.storage_state())
    phone = phone_context.new_page()
    try:
        for path in ("/beheer/webhooks", url):
            phone.goto(path)
            overflow = phone.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            screenshot(phone, "phone-webhooks")
            assert overflow <= 1, f"{path} is {overflow}px wider than a 390px phone screen"
    finally:
        phone_context.close()
