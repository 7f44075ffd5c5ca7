"""Issue 18 on a phone (390 px) and on a desktop: the page never scrolls sideways (wide tables scroll inside their box),
the wizard shows its results before the filters, the navigation is a compact menu, search from the list form ranks by
relevance, snippets stand inside their card. Screenshots of every page at 390 and 1280 px in test-artifacts/."""
import pytest

from conftest import EDITOR_EMAIL, EDITOR_PASSWORD, _new_page, screenshot
from test_accessibility import PAGES, WIZARD_RESULT

pytestmark = pytest.mark.browser

PUBLIC = [(name, url) for name, _, url, needs_login in PAGES if not needs_login] + [
    ("national-table-en", "/en/harmonisatie"),
    ("list-query", "/instrumenten?q=lks"),
    ("error-404-en", "/en/bestaat-niet"),
]


@pytest.fixture(scope="module")
def phone(browser, live_server):
    context, page = _new_page(browser, live_server, viewport={"width": 390, "height": 844}, device_scale_factor=1)
    yield page
    context.close()


@pytest.fixture(scope="module")
def desktop(browser, live_server):
    context, page = _new_page(browser, live_server, viewport={"width": 1280, "height": 900})
    yield page
    context.close()


def page_width(page) -> int:
    return page.evaluate("() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")


@pytest.mark.parametrize("name,url", PUBLIC, ids=[p[0] for p in PUBLIC])
def test_no_horizontal_page_scroll_on_a_phone(phone, name, url):
    phone.goto(url)
    width = page_width(phone)
    screenshot(phone, f"phone-390-{name}")
    assert width <= 390, f"{url}: the page is {width} px wide in a 390 px viewport"


@pytest.mark.parametrize("name,url", [p for p in PUBLIC if p[0].startswith(("harmonisation", "comparison", "list"))],
                         ids=[p[0] for p in PUBLIC if p[0].startswith(("harmonisation", "comparison", "list"))])
def test_no_horizontal_page_scroll_on_a_desktop(desktop, name, url):
    desktop.goto(url)
    screenshot(desktop, f"desktop-1280-{name}")
    assert page_width(desktop) <= 1280


def test_the_region_matrix_scrolls_inside_with_its_first_column_in_view(desktop):
    desktop.goto("/regios/midden-holland/harmonisatie")
    box = desktop.locator(".table-scroll").first
    assert box.evaluate("el => el.scrollWidth > el.clientWidth"), "the matrix should be wider than its box here"
    first = desktop.locator(".matrix tbody th").first
    before = first.bounding_box()["x"]
    box.evaluate("el => { el.scrollLeft = 400; }")
    assert abs(first.bounding_box()["x"] - before) < 2, "the kind column scrolled away"


def test_wizard_results_come_before_the_filters_on_a_phone(phone):
    phone.goto(WIZARD_RESULT)
    first_result = phone.locator("#wizard-results .card").first.bounding_box()
    summary = phone.locator(".filters-disclosure > summary")
    assert "Filters (3)" in summary.inner_text()
    assert not phone.locator(".filters-disclosure").evaluate("el => el.open")
    visible = [c for c in phone.locator(".wizard-refine input[type=checkbox]").all() if c.is_visible()]
    assert not visible or min(c.bounding_box()["y"] for c in visible) > first_result["y"]
    assert first_result["y"] < 1800  # steps, the summary, the WSP contact and the group links come first; was ~3,000
    summary.click()
    assert phone.locator(".wizard-refine input[type=checkbox]").first.is_visible()


def test_wizard_filters_are_open_beside_the_results_on_a_desktop(desktop):
    desktop.goto(WIZARD_RESULT)
    assert desktop.locator(".wizard-refine input[type=checkbox]").first.is_visible()


def test_compact_menu_on_a_phone_works_without_javascript(browser, live_server):
    context, page = _new_page(browser, live_server, viewport={"width": 390, "height": 844}, java_script_enabled=False)
    try:
        page.goto("/")
        nav = page.locator(".main-nav")
        assert not page.locator(".nav a").first.is_visible()
        assert nav.bounding_box()["height"] < 60
        page.locator(".nav-menu > summary").click()
        assert page.locator(".nav a", has_text="Instrumenten").is_visible()
    finally:
        context.close()


def test_search_typed_into_the_list_form_is_ranked_by_relevance(page):
    page.goto("/instrumenten")
    page.locator("#f-q").fill("proefplaatsing uwv")
    page.locator("#f-q").press("Enter")
    page.wait_for_function("() => location.search.includes('q=proefplaatsing')")
    page.wait_for_selector("#results .card-title a[href='/instrumenten/uwv-proefplaatsing']")
    assert "sort=name" not in page.url
    first = page.locator("#results .card-title a").first.get_attribute("href")
    assert first == "/instrumenten/uwv-proefplaatsing"


def test_snippets_are_inside_their_card(page):
    page.goto("/instrumenten?q=werkplek")
    snippets = page.locator(".snippet")
    assert snippets.count() > 0
    assert page.locator(".card .snippet").count() == snippets.count()


def test_search_box_suggestions_are_an_accessible_combobox(page):
    page.goto("/instrumenten")
    field = page.locator("#f-q")
    page.evaluate("() => { window.typedInto = document.getElementById('f-q'); }")
    field.press_sequentially("jobc", delay=30)
    page.wait_for_selector("#f-q-suggestions [role=option]")
    assert field.get_attribute("role") == "combobox" and field.get_attribute("aria-expanded") == "true"
    # the results update as you type (the field lies inside them): the suggestions must survive that swap
    page.wait_for_url("**q=jobc**")
    page.wait_for_load_state("networkidle")
    page.wait_for_selector("#f-q-suggestions [role=option]")
    assert page.evaluate("() => document.getElementById('f-q') === window.typedInto")  # kept, not replaced
    assert field.get_attribute("aria-expanded") == "true"
    field.press("ArrowDown")
    active = field.get_attribute("aria-activedescendant")
    assert active and page.locator(f"#{active}").get_attribute("aria-selected") == "true"
    field.press("Escape")
    assert field.get_attribute("aria-expanded") == "false"


def test_vergelijk_on_a_card_adds_without_leaving_the_list(page):
    page.goto("/instrumenten?q=jobcoach")
    page.locator("#results .compare-link").first.click()
    page.wait_for_selector(".basket-bar")
    assert "/instrumenten" in page.url and "vergelijk=" in page.url
    assert "1 instrument in uw vergelijking" in page.locator(".basket-bar").inner_text()
    page.locator("#results .compare-link", has_text="met 1 ander instrument").first.click()
    page.wait_for_function("() => document.querySelector('.basket-bar').textContent.includes('2 instrumenten')")
    page.locator(".basket-bar a").click()
    page.wait_for_url("**/vergelijken?instrumenten=*")
    assert page.locator(".compare-table").count() == 1
