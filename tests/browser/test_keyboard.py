"""Keyboard-only walkthroughs (Tab, Enter, Space and typing; no mouse): skip link, search, filter, compare and the wizard.
Every stop of the Tab key must show a visible focus indicator and be scrolled into view."""
import re

import pytest

from conftest import focused, require_route, screenshot, tab_to

pytestmark = pytest.mark.browser


def test_skip_link_is_first_visible_and_moves_focus_to_the_content(page):
    page.goto("/instrumenten")
    page.keyboard.press("Tab")
    first = focused(page)
    assert "skip-link" in first["cls"], first
    assert first["indicator"] and first["inViewport"] and first["width"] > 10, first
    screenshot(page, "keyboard-skip-link", full_page=False)
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")
    assert focused(page)["id"] == "main"
    # the next Tab continues inside the main content, past the header navigation
    page.keyboard.press("Tab")
    inside = page.evaluate("() => !!document.activeElement.closest('main')")
    assert inside, focused(page)


def test_focus_is_visible_on_every_stop_of_the_home_page(page):
    page.goto("/")
    seen = 0
    for _ in range(30):
        page.keyboard.press("Tab")
        current = focused(page)
        if current["tag"] == "body":
            break
        assert current["indicator"], f"no visible focus indicator: {current}"
        seen += 1
    assert seen >= 10


def test_search_with_the_keyboard(page):
    page.goto("/")
    tab_to(page, lambda f: f["id"] == "q", description="the search field")
    page.keyboard.type("proefplaatsing")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/instrumenten\?q=proefplaatsing"))
    assert page.locator("main article.card").count() > 0
    result = tab_to(page, lambda f: f["tag"] == "a" and (f["href"] or "").startswith("/instrumenten/"),
                    description="the first result")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(re.escape(result["href"]) + "$"))
    assert page.locator("h1").inner_text() == result["text"]


def test_filter_with_the_keyboard(page):
    page.goto("/instrumenten")
    box = tab_to(page, lambda f: f["type"] == "checkbox" and f["name"] == "kind" and f["value"] == "jobcoaching",
                 description="the kind filter 'jobcoaching'")
    page.keyboard.press("Space")
    assert page.evaluate("() => document.activeElement.checked")
    if "kind=jobcoaching" not in page.url:  # without live results: apply the filters with the button
        try:
            page.wait_for_url(re.compile(r"kind=jobcoaching"), timeout=1500)
        except Exception:
            tab_to(page, lambda f: f["tag"] == "button" and f["type"] == "submit", description="the apply button")
            page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"kind=jobcoaching"))
    page.wait_for_load_state()
    kinds = page.locator("main article.card .card-meta span:first-child").all_inner_texts()
    assert kinds and all(k.strip() == "Jobcoaching" for k in kinds), kinds
    assert box["indicator"]


def test_compare_with_the_keyboard(page, live_app):
    require_route(live_app, "harmonisation.compare_instruments", "comparison")
    page.goto("/instrumenten?kind=proefplaatsing")
    tab_to(page, lambda f: "compare-link" in (f["cls"] or ""), description="a 'Vergelijk' link")
    page.keyboard.press("Enter")
    # on the list it is added in place; the basket bar links to the comparison
    page.wait_for_selector(".basket-bar")
    tab_to(page, lambda f: f["tag"] == "a" and f["text"] == "Vergelijk ze", description="the basket's 'Vergelijk ze'")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/vergelijken\?instrumenten="))
    tab_to(page, lambda f: f["id"] == "add", description="the 'add an instrument' field")
    page.keyboard.type("jobcoaching")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"toevoegen=jobcoaching"))
    tab_to(page, lambda f: f["tag"] == "a" and re.match(r"/vergelijken\?instrumenten=[^&]+(,|%2C)", f["href"] or ""),
           description="a search match to add")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/vergelijken\?instrumenten=[^&]+(,|%2C)[^&]+$"))
    assert page.locator("table.compare-table").count() == 1
    screenshot(page, "keyboard-comparison")


def test_wizard_with_the_keyboard(page):
    page.goto("/werkgever")
    tab_to(page, lambda f: f["id"] == "wizard-gemeente", description="the gemeente field")
    page.keyboard.type("Gouda")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/werkgever\?gemeente=GM0513$"))
    assert page.locator("h1").inner_text() == "Wie wilt u aannemen?"
    tab_to(page, lambda f: f["id"] == "doelgroep-arbeidsbeperking", description="target group 'arbeidsbeperking'")
    page.keyboard.press("Space")
    tab_to(page, lambda f: f["id"] == "uitkering-wajong", description="scheme 'Wajong'")
    page.keyboard.press("Space")
    tab_to(page, lambda f: f["tag"] == "button" and f["type"] == "submit", description="the submit button")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"doelgroep=arbeidsbeperking&uitkering=wajong"))
    assert page.locator("h1").inner_text().startswith("Steun bij het aannemen van personeel in Gouda")
    # open "how to apply" of the first instrument with the keyboard
    tab_to(page, lambda f: f["tag"] == "summary" and f["text"].startswith("Hoe vraagt u het aan?"), description="'Hoe vraagt u het aan?'")
    page.keyboard.press("Enter")
    page.locator("details.how-to-apply[open]").wait_for()
    assert page.locator("details.how-to-apply[open]").count() == 1
    # jump to a benefit group with the in-page links
    page.goto(page.url)
    tab_to(page, lambda f: (f["href"] or "").startswith("#groep-"), description="a link to a benefit group")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"#groep-\w+$"))
    assert page.evaluate("() => document.activeElement.id.startsWith('groep-')"), focused(page)
