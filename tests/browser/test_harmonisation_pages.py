"""The harmonisation page while it is computed in the background (catalogue/harmonisation/live.py): WCAG 2.1 AA at
390 px and on a desktop, no horizontal scrolling on a phone, the result put in place by itself with JavaScript and
reached through the link without."""
from __future__ import annotations

import threading

import pytest

from catalogue.harmonisation.live import LiveHarmonisation
from conftest import describe, run_axe, screenshot

pytestmark = pytest.mark.browser


class HeldLive(LiveHarmonisation):
    """Computes in the background, but only once the test lets it (so the page stays "being computed" meanwhile)."""

    def __init__(self, session_factory):
        super().__init__(session_factory, background=True)
        self.go = threading.Event()

    def _build(self, day, progress):
        self.go.wait(30)
        super()._build(day, progress)


@pytest.fixture()
def held(live_app):
    before = live_app.extensions.get("harmonisation_live")
    live = live_app.extensions["harmonisation_live"] = HeldLive(live_app.extensions["catalogue_db"].session_factory)
    yield live
    live.go.set()
    for thread, _ in list(live._builds.values()):
        thread.join(timeout=30)
    if before is None:
        live_app.extensions.pop("harmonisation_live", None)
    else:
        live_app.extensions["harmonisation_live"] = before


@pytest.mark.parametrize("width", [390, 1280])
def test_the_computing_page_has_no_wcag_violations(axe_page, held, width):
    axe_page.set_viewport_size({"width": width, "height": 900})
    try:
        response = axe_page.goto("/regios/midden-holland/harmonisatie")
        assert response.status == 202
        assert axe_page.locator("progress#computing-progress").count() == 1
        screenshot(axe_page, f"harmonisation-computing-{width}")
        violations = run_axe(axe_page, f"harmonisation-computing-{width}")
        assert not violations, describe(violations)
        if width == 390:
            overflow = axe_page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, f"{overflow}px wider than the screen"
    finally:
        axe_page.set_viewport_size({"width": 1280, "height": 900})


def test_with_javascript_the_result_replaces_the_computing_page(page, held):
    response = page.goto("/harmonisatie")
    assert response.status == 202 and page.locator("#harmonisation-computing").count() == 1
    held.go.set()
    page.locator("#h-table").wait_for(timeout=15_000)  # htmx asked again and put the finished page in place
    assert page.locator("#harmonisation-computing").count() == 0


def test_without_javascript_the_link_reaches_the_result(page_without_js, held):
    response = page_without_js.goto("/en/harmonisatie")
    assert response.status == 202
    assert "being computed" in page_without_js.content()
    held.go.set()
    for thread, _ in list(held._builds.values()):
        thread.join(timeout=30)
    page_without_js.get_by_role("link", name="stand bijwerken").or_(
        page_without_js.get_by_role("link", name="update the progress")).first.click()
    page_without_js.wait_for_load_state()
    assert page_without_js.locator("#h-table").count() == 1
