"""'Houd mij op de hoogte' in a real browser, at 390 px and on a desktop (and without JavaScript): from a list page to the
subscribe form (refused input, then the check-your-mail page), the confirmation link, a forged link, one-click
unsubscribe, and a logged-in user's subscriptions: 0 WCAG 2.1 A/AA violations and no sideways scrolling on each."""
import re

import pytest
from sqlalchemy import select

from conftest import EDITOR_EMAIL, _new_page, describe, login, require_route, run_axe, screenshot

pytestmark = pytest.mark.browser


def _check(page, name, width):
    screenshot(page, f"{name}-{width}")
    violations = run_axe(page, f"{name}-{width}")
    assert not violations, f"{page.url}: WCAG 2.1 AA violations\n{describe(violations)}"
    scroll = page.evaluate("() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")
    assert scroll <= width, f"{page.url}: {scroll} px wide in a {width} px viewport"


def _confirm_link(app, email):
    from catalogue.models import OutboxMessage

    with app.extensions["catalogue_db"].session() as session:
        body = session.scalars(select(OutboxMessage.body).where(OutboxMessage.recipient == email)
                               .order_by(OutboxMessage.id.desc())).first()
    return re.search(r"https?://[^/\s]+(/volgen/bevestigen/\S+)", body).group(1)


@pytest.mark.parametrize("width, height", [(390, 844), (1280, 900)])
def test_follow_a_search_pages(browser, live_server, live_app, width, height):
    require_route(live_app, "alerts.subscribe", "follow a search")
    context, page = _new_page(browser, live_server, bypass_csp=True, viewport={"width": width, "height": height})
    email = f"volger-{width}@example.org"
    try:
        page.goto("/instrumenten?municipality=GM0513&kind=jobcoaching")
        page.locator("p.follow-link a").click()
        page.wait_for_load_state()
        assert "/volgen" in page.url
        _check(page, "follow-form", width)
        page.locator("#follow-email").fill("geen adres")
        page.locator("form:has(#follow-email) button[type=submit]").click()
        page.wait_for_load_state()
        assert "geldig e-mailadres" in page.content()
        _check(page, "follow-refused", width)
        page.locator("#follow-email").fill(email)
        page.locator("#follow-daily").check()
        page.locator("form:has(#follow-email) button[type=submit]").click()
        page.wait_for_load_state()
        assert "Kijk in uw mailbox" in page.content()
        _check(page, "follow-check-mail", width)
        link = _confirm_link(live_app, email)
        page.goto(link)
        assert "Aanmelding bevestigd" in page.content()
        _check(page, "follow-confirmed", width)
        stop = page.locator("a[href*='/volgen/afmelden/']").get_attribute("href")
        page.goto(link)
        assert "al gebruikt" in page.content()
        _check(page, "follow-link-refused", width)
        page.goto(stop)
        assert "Afgemeld" in page.content()
        _check(page, "follow-unsubscribed", width)
    finally:
        context.close()


def test_subscribing_works_without_javascript(page_without_js, live_app):
    page = page_without_js
    page.goto("/werkgever?gemeente=GM0513&doelgroep=arbeidsbeperking&uitkering=&leeftijd=")
    page.locator("p.follow-link a").click()
    page.wait_for_load_state()
    page.locator("#follow-email").fill("zonder-js@example.org")
    page.locator("form:has(#follow-email) button[type=submit]").click()
    page.wait_for_load_state()
    assert "Kijk in uw mailbox" in page.content()
    page.goto(_confirm_link(live_app, "zonder-js@example.org"))
    assert "Aanmelding bevestigd" in page.content()


def test_my_subscriptions_page(browser, live_server, live_app):
    require_route(live_app, "alerts_account.overview", "my subscriptions")
    from datetime import datetime, timezone

    from catalogue.alerts import filters
    from catalogue.models import AlertSubscription

    with live_app.extensions["catalogue_db"].session() as session:
        for args in ({"region": ["AM20"]}, {"municipality": ["GM0513"], "kind": ["jobcoaching"]}):
            normalised = filters.normalise(session, "list", args)
            session.add(AlertSubscription(email=EDITOR_EMAIL, source="list", filter=normalised,
                                          filter_key=filters.filter_key("list", normalised), frequency="weekly",
                                          language="nl", confirmed_at=datetime.now(timezone.utc)))
        session.commit()
    for width, height in ((390, 844), (1280, 900)):
        context, page = _new_page(browser, live_server, bypass_csp=True, viewport={"width": width, "height": height})
        try:
            login(page)
            page.goto("/beheer/account/volgen/")
            assert "Zoekopdracht 2" in page.content()
            _check(page, "follow-mine", width)
        finally:
            context.close()
