"""The embeddable guide in a real browser (issue 15 §4): a host page on a second local origin (another port) frames the
embedded pages; axe (WCAG 2.1 AA) runs inside the iframe; the height message arrives and sizes the iframe through
static/js/embed-host.js; a host page on an origin the region does not list is refused by the browser
(frame-ancestors). At 390 px and at desktop width."""
import threading
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from conftest import describe, run_axe, screenshot

pytestmark = pytest.mark.browser

PAGES = [
    ("region", "/embed/regios/midden-holland"),
    ("gemeente", "/embed/gemeenten/gouda"),
    ("gemeente-en", "/en/embed/gemeenten/gouda"),
    ("wizard", "/embed/werkgever?regio=midden-holland"),
    ("wizard-result", "/embed/werkgever?regio=midden-holland&gemeente=GM0513&doelgroep=arbeidsbeperking&uitkering=&leeftijd="),
]
VIEWPORTS = {"390": {"width": 390, "height": 844}, "1280": {"width": 1280, "height": 900}}
# every page at 390 px, the region page and the wizard's result at desktop width too (CI time)
CASES = [(name, path, "390") for name, path in PAGES] + [(n, p, "1280") for n, p in PAGES if n in ("region", "wizard-result")]
IDS = [f"{name}-{size}" for name, _, size in CASES]


def _host_server(live_server: str):
    """A website on its own origin whose page /?src=<embed path> shows that page in an iframe with the snippet."""

    class Host(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            src = parse_qs(urlsplit(self.path).query).get("src", ["/embed/regios/midden-holland"])[0]
            body = (f'<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>Gastpagina</title></head>'
                    f'<body><main><h1>Website van een gemeente</h1>'
                    f'<iframe src="{escape(live_server + src)}" title="Instrumentengids" width="100%" height="300" '
                    f'data-instrumentengids></iframe>'
                    f'<script src="{live_server}/static/js/embed-host.js" async></script></main></body></html>').encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Host)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


@pytest.fixture(scope="module")
def hosts(live_app, live_server):
    """Two host websites: the first is listed by Midden-Holland's coordinator, the second is not."""
    from catalogue.models import Region

    listed, listed_url = _host_server(live_server)
    other, other_url = _host_server(live_server)
    db = live_app.extensions["catalogue_db"]
    with db.session() as session:
        region = session.scalar(select(Region).where(Region.code == "AM20"))
        region.embed_origins, region.embed_colour = [listed_url], "#e17000"
        session.commit()
    yield listed_url, other_url
    with db.session() as session:
        region = session.scalar(select(Region).where(Region.code == "AM20"))
        region.embed_origins, region.embed_colour = [], None
        session.commit()
    listed.shutdown()
    other.shutdown()


def _context(browser, viewport, **options):
    context = browser.new_context(viewport=viewport, locale="nl-NL", device_scale_factor=1, **options)
    context.set_default_timeout(10_000)
    return context


def _embedded_frame(page, path):
    frame = page.locator("iframe[data-instrumentengids]").element_handle().content_frame()
    assert frame is not None and frame is not page.main_frame and frame.url.endswith(path.split("?")[0]) \
        or path.split("?")[0] in frame.url, frame.url
    return frame


@pytest.mark.parametrize("name,path,size", CASES, ids=IDS)
def test_framed_by_a_listed_origin_sized_to_its_content(browser, hosts, name, path, size):
    listed, _ = hosts
    viewport = VIEWPORTS[size]
    context = _context(browser, viewport)
    page = context.new_page()
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.goto(f"{listed}/?src={path}")
    page.wait_for_function("() => document.querySelector('iframe').dataset.instrumentengidsHeight", timeout=10_000)
    frame = _embedded_frame(page, path)
    for _ in range(50):  # the last message follows the last layout change (fonts, styles, scripts)
        reported = int(page.locator("iframe").get_attribute("data-instrumentengids-height"))
        content = frame.evaluate("() => Math.ceil(document.documentElement.getBoundingClientRect().height)")
        if abs(reported - content) <= 2:
            break
        page.wait_for_timeout(100)
    box = page.locator("iframe").bounding_box()
    assert reported > 300 and abs(reported - content) <= 2, (reported, content)
    assert abs(box["height"] - max(150, reported)) <= 2, (box["height"], reported)
    assert frame.locator("h1").count() == 1 and frame.locator(".main-nav").count() == 0
    assert frame.evaluate("() => document.documentElement.scrollWidth") <= viewport["width"]
    link = frame.locator("main a[target=_blank]").first
    assert link.get_attribute("rel") == "noopener"
    assert "(opent in nieuw tabblad)" in link.inner_text() or "(opens in a new tab)" in link.inner_text()
    screenshot(page, f"embed-{name}-{size}")
    context.close()
    assert not problems, problems


@pytest.mark.parametrize("name,path,size", CASES, ids=IDS)
def test_no_wcag_violations_inside_the_iframe(browser, hosts, name, path, size):
    listed, _ = hosts
    context = _context(browser, VIEWPORTS[size], bypass_csp=True)  # only so axe can be injected into the frame
    page = context.new_page()
    page.goto(f"{listed}/?src={path}")
    page.wait_for_function("() => document.querySelector('iframe').dataset.instrumentengidsHeight", timeout=10_000)
    frame = _embedded_frame(page, path)
    violations = run_axe(frame, f"embed-{name}-{size}")
    context.close()
    assert not violations, describe(violations)


def test_an_origin_the_region_does_not_list_is_refused(browser, hosts):
    listed, other = hosts
    context = _context(browser, {"width": 1280, "height": 900})
    page = context.new_page()
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "frame-ancestors" in m.text else None)
    for host, path in ((other, "/embed/regios/midden-holland"), (other, "/embed/werkgever?regio=midden-holland"),
                       (listed, "/embed/regios/flevoland")):  # the listed host, another region's page
        refused.clear()
        page.goto(f"{host}/?src={path}")
        page.wait_for_timeout(1500)
        frame = page.locator("iframe").element_handle().content_frame()
        # Chromium shows its own error page in the frame instead of the guide's
        assert frame.url.startswith("chrome-error://") and frame.locator(".embed-header").count() == 0, (host, path)
        assert page.locator("iframe").get_attribute("data-instrumentengids-height") is None, (host, path)
        assert refused and "frame-ancestors" in refused[0], (host, path, refused)
    context.close()


def _coordinator_cookie(live_app) -> dict:
    """A logged-in session of a Midden-Holland coordinator (second factor given), as the login would set it: the
    password and code forms themselves are tested in test_accounts_pages.py."""
    from catalogue.accounts.sessions import clock
    from catalogue.auth import add_membership, create_user, organisation_for_provider
    from catalogue.models import User
    from catalogue.web.accounts import SECOND_FACTOR, SEEN

    db = live_app.extensions["catalogue_db"]
    with db.session() as session:
        user = session.scalar(select(User).where(User.email == "coordinator@midden-holland.example.org"))
        if user is None:
            user = create_user(session, "coordinator@midden-holland.example.org", "Coördinator", "correct horse battery")
            add_membership(session, user, organisation_for_provider(session, "regio-midden-holland"), "coordinator")
            session.commit()
        user_id = user.get_id()
    serializer = live_app.session_interface.get_signing_serializer(live_app)
    value = serializer.dumps({"_user_id": user_id, "_fresh": True, SECOND_FACTOR: True, SEEN: clock(), "_permanent": True})
    return {"name": live_app.config["SESSION_COOKIE_NAME"], "value": value, "domain": "127.0.0.1", "path": "/"}


@pytest.mark.parametrize("size", ["390", "1280"])
def test_settings_page_and_snippet_are_accessible(browser, live_app, live_server, hosts, size):
    context = _context(browser, VIEWPORTS[size], bypass_csp=True, base_url=live_server)
    context.add_cookies([_coordinator_cookie(live_app)])
    page = context.new_page()
    for name, url in (("settings", "/beheer/regios/midden-holland/insluiten"), ("region-snippet", "/regios/midden-holland")):
        page.goto(url)
        assert page.locator("textarea.code").count() >= 1, url
        assert page.evaluate("() => document.documentElement.scrollWidth") <= VIEWPORTS[size]["width"], url
        violations = run_axe(page, f"embed-{name}-{size}")
        assert not violations, describe(violations)
    page.goto("/beheer/regios/midden-holland/insluiten")
    page.locator("#f-embed_origins").fill("https://www.gouda.nl/werkgevers")
    page.locator("form.stacked-form button[type=submit]").click()
    assert page.locator("#error-summary").is_visible() and "zonder pad" in page.locator("#error-summary").inner_text()
    assert page.locator("#f-embed_origins").input_value() == "https://www.gouda.nl/werkgevers"  # kept
    violations = run_axe(page, f"embed-settings-error-{size}")
    context.close()
    assert not violations, describe(violations)
