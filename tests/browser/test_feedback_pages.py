"""'Klopt er iets niet?' in a real browser: the form on a public page (without JavaScript it is a <details>), the
refusal and thank-you pages, and the editors' queue and report pages: 0 WCAG 2.1 A/AA violations on each."""
import pytest

from conftest import describe, login, login_enrolling, require_route, run_axe, screenshot

pytestmark = pytest.mark.browser


def _check(page, name):
    screenshot(page, name)
    violations = run_axe(page, name)
    assert not violations, f"{page.url}: WCAG 2.1 AA violations\n{describe(violations)}"


def test_report_pages_have_no_wcag_violations(axe_page, live_app):
    require_route(live_app, "feedback.instrument_report", "report form")
    page = axe_page
    page.context.clear_cookies()
    page.logged_in = False
    page.goto("/instrumenten/gouda-loonkostensubsidie")
    page.locator("p.report-link a").click()
    page.wait_for_load_state()
    _check(page, "report-form-open")
    page.locator("#report-message").fill("Zie <b>hier</b>")
    page.locator("details.report-form button[type=submit]").click()
    page.wait_for_load_state()
    assert "HTML" in page.content()
    _check(page, "report-refused")
    page.locator("#report-message").fill("De beslistermijn is 8 weken, niet 6.")
    page.locator("details.report-form button[type=submit]").click()
    page.wait_for_load_state()
    assert "Dank u wel" in page.content()
    _check(page, "report-thanks")

    page.context.clear_cookies()  # log in from a clean state (GET /inloggen redirects a session that is logged in)
    login(page)
    page.logged_in = True
    page.goto("/beheer/terugmeldingen/")
    assert "De beslistermijn is 8 weken" in page.content()
    _check(page, "manage-reports")
    page.locator("table a[href*='/beheer/terugmeldingen/']").first.click()
    page.wait_for_load_state()
    _check(page, "manage-report")
    page.locator("#state-na").check()
    page.locator("form:has(#state-na) button[type=submit]").click()
    page.wait_for_load_state()
    _check(page, "manage-report-error")


def test_search_dashboard_has_no_wcag_violations(browser, live_server, live_app):
    """The coordinator's 'what people look for' page, with figures from real searches made in the browser."""
    require_route(live_app, "analytics.region", "search dashboard")

    from conftest import _new_page
    from catalogue.auth import add_membership, create_user, organisation_for_provider

    email, password = "coordinator-analyse@example.org", "correct horse battery staple"
    with live_app.extensions["catalogue_db"].session() as session:
        user = create_user(session, email, "Coördinator Midden-Holland", password)
        add_membership(session, user, organisation_for_provider(session, "regio-midden-holland"), "coordinator")
        session.commit()
    context, page = _new_page(browser, live_server, bypass_csp=True)
    try:
        page.goto("/instrumenten?q=bedrijfsfitness&municipality=GM0513&kind=jobcoaching")
        page.goto("/instrumenten?q=loonkostensubsidie&region=AM20")
        recorder = live_app.extensions["search_events"]
        assert recorder.pending() >= 2
        recorder.flush()
        login_enrolling(page, email, password)
        page.goto("/beheer/analyse/")
        assert page.url.endswith("/beheer/analyse/AM20") and "bedrijfsfitness" in page.content()
        _check(page, "manage-search-dashboard")
    finally:
        context.close()
