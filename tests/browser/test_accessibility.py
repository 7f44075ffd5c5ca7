"""axe-core in a real Chromium on every page type: 0 violations of WCAG 2.1 A and AA. Screenshots of every page."""
import pytest

from conftest import describe, login, require_route, run_axe, screenshot

pytestmark = pytest.mark.browser

WIZARD_RESULT = "/werkgever?gemeente=GM0513&doelgroep=arbeidsbeperking&uitkering=wajong&leeftijd=27-55"
SUMMARY = ("/werkgever/overzicht?gemeente=GM0513&woont=GM0513&uitkering=wia&leeftijd=27-55&doelgroep="
           "&i=lkv-arbeidsgehandicapte-werknemer,uwv-no-riskpolis,uwv-proefplaatsing&uren=32&loon=16&start=2027-02-01")
COMPARE_ESTIMATE = ("/vergelijken?instrumenten=lkv-arbeidsgehandicapte-werknemer,loonkostensubsidie-participatiewet,"
                    "uwv-loondispensatie-wajong,uwv-no-riskpolis&uren=32&loon=16&start=2027-02-01&loonwaarde=50&wml=14.71")

# (name, endpoint that must exist, URL, whether the page needs a logged-in editor)
PAGES = [
    ("home", "public.home", "/", False),
    ("home-en", "public.home", "/en/", False),
    ("list", "public.instruments", "/instrumenten", False),
    ("list-filtered", "public.instruments", "/instrumenten?municipality=GM0513&kind=jobcoaching,proefplaatsing&q=coach",
     False),
    ("list-no-results", "public.instruments", "/instrumenten?q=xyzzyplugh", False),
    ("list-chips", "public.instruments", "/instrumenten?q=jobcoaching+50-plus&vergelijk=uwv-proefplaatsing", False),
    ("detail", "public.instrument", "/instrumenten/uwv-no-riskpolis", False),
    ("detail-example", "public.instrument", "/instrumenten/waddinxveen-proefplaatsing", False),
    ("detail-dated", "public.instrument", "/instrumenten/lkv-oudere-werknemer?peildatum=2024-06-01", False),
    ("detail-ended", "public.instrument", "/instrumenten/uwv-generieke-werkgeversvoorziening", False),
    ("regions", "public.regions", "/regios", False),
    ("region", "public.region", "/regios/midden-holland", False),
    ("municipalities", "public.municipalities", "/gemeenten", False),
    ("gemeente", "public.municipality", "/gemeenten/gouda", False),
    ("gemeente-en", "public.municipality", "/en/gemeenten/gouda", False),
    ("kinds", "public.kinds", "/soorten", False),
    ("choose-municipality", "public.choose_municipality", "/gemeente-kiezen?gemeente=ge", False),
    ("error-404", "public.instrument", "/instrumenten/bestaat-niet", False),
    ("error-404-en", "public.home", "/en/bestaat-niet", False),
    ("wizard-step1", "wizard.start", "/werkgever", False),
    ("wizard-step1-not-found", "wizard.start", "/werkgever?gemeente=Atlantis", False),
    ("wizard-step1-ambiguous", "wizard.start", "/werkgever?gemeente=ge", False),
    ("wizard-step2", "wizard.start", "/werkgever?gemeente=GM0513", False),
    ("wizard-result", "wizard.start", WIZARD_RESULT, False),
    ("wizard-result-en", "wizard.start", "/en" + WIZARD_RESULT, False),
    ("wizard-residence-typo", "wizard.start", "/werkgever?gemeente=GM0513&woont=Zoetermeeer&uitkering=ww", False),
    ("wizard-summary", "wizard.summary_page", SUMMARY, False),
    ("wizard-summary-errors", "wizard.summary_page", SUMMARY.replace("uren=32", "uren=61"), False),
    ("harmonisation", "harmonisation.national", "/harmonisatie", False),
    ("harmonisation-region", "harmonisation.region", "/regios/midden-holland/harmonisatie", False),
    ("comparison", "harmonisation.compare_instruments",
     "/vergelijken?instrumenten=uwv-proefplaatsing,gouda-werkervaringsplaats,waddinxveen-proefplaatsing", False),
    ("comparison-one", "harmonisation.compare_instruments", "/vergelijken?instrumenten=uwv-proefplaatsing", False),
    ("comparison-estimate", "harmonisation.compare_instruments", COMPARE_ESTIMATE, False),
    ("comparison-estimate-en-without-loonwaarde", "harmonisation.compare_instruments",
     "/en" + COMPARE_ESTIMATE.replace("start=2027-02-01", "start=2026-01-01") + "&zonderloonwaarde=ja", False),
    ("comparison-estimate-errors", "harmonisation.compare_instruments",
     COMPARE_ESTIMATE.replace("uren=32", "uren=0").replace("loon=16", "loon=-1"), False),
    ("comparison-gemeenten", "harmonisation.compare_municipalities", "/vergelijken/gemeenten?a=GM0513&b=GM0627", False),
    ("comparison-gemeente-uwv", "harmonisation.compare_municipality_uwv", "/vergelijken/gemeente-uwv?gemeente=GM0513",
     False),
    ("comparison-regions", "harmonisation.compare_regions", "/vergelijken/regios?a=AM20&b=AM11", False),
    ("coverage", "coverage.coverage", "/dekking", False),
    ("coverage-en", "coverage.coverage", "/en/dekking", False),
    ("gemeente-unknown", "public.municipality", "/gemeenten/amsterdam", False),
    ("comparison-gemeente-unknown", "harmonisation.compare_municipalities", "/vergelijken/gemeenten?a=GM0513&b=GM0363",
     False),
    ("login", "auth.login", "/inloggen", False),
    ("manage-dashboard", "manage.dashboard", "/beheer/", True),
    ("edit-form", "manage.edit_instrument", "/beheer/instrumenten/gouda-loonkostensubsidie/bewerken", True),
    ("manage-content-check", "manage.content_check", "/beheer/inhoudscontrole", True),
    ("manage-links", "manage.links", "/beheer/links", True),
    ("manage-coverage", "manage.coverage", "/beheer/dekking", True),
]


@pytest.mark.parametrize("name,endpoint,url,needs_login", PAGES, ids=[p[0] for p in PAGES])
def test_no_wcag_violations(axe_page, live_app, name, endpoint, url, needs_login):
    require_route(live_app, endpoint, name)
    if needs_login and not axe_page.logged_in:
        require_route(live_app, "auth.login", "login, needed for " + name)
        login(axe_page)
        axe_page.logged_in = True
    elif not needs_login and axe_page.logged_in:
        axe_page.context.clear_cookies()
        axe_page.logged_in = False
    response = axe_page.goto(url)
    assert response is not None and response.status < 500, (url, response and response.status)
    screenshot(axe_page, name)
    violations = run_axe(axe_page, name)
    assert not violations, f"{url}: WCAG 2.1 AA violations\n{describe(violations)}"


@pytest.mark.parametrize("url", ["/", "/werkgever?gemeente=GM0513", WIZARD_RESULT, "/gemeenten/gouda", SUMMARY,
                                 COMPARE_ESTIMATE,
                                 "/instrumenten/lkv-oudere-werknemer?peildatum=2024-06-01", "/dekking"])
def test_phone_layout_has_no_horizontal_scrolling(phone_page, url):
    phone_page.goto(url)
    overflow = phone_page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    screenshot(phone_page, "phone" + url)
    assert overflow <= 1, f"{url} is {overflow}px wider than a 360px phone screen"
