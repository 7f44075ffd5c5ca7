"""Real-browser tests: the app on a seeded SQLite database, served by werkzeug in a thread on 127.0.0.1, driven by
Playwright with Debian's Chromium (/usr/bin/chromium; `.ci/ensure-browser` installs it with apt when missing — Playwright's
own browser download is not used).

They run with the SQLite test run (`make test`, `make test-browser`) and skip on the PostgreSQL run, to keep CI time down.
They skip with a reason when Chromium or Playwright is not available.

Artifacts (git-ignored) under test-artifacts/: screenshots/*.png of every page type, axe/*.json with the full axe-core
result of every page checked.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CATALOGUE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(os.environ.get("CATALOGUE_TEST_ARTIFACTS", ROOT / "test-artifacts"))
AXE_SOURCE_FILE = Path(__file__).parent / "vendor" / "axe.min.js"  # axe-core 4.14.1 from npm, MPL-2.0
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

EDITOR_EMAIL = "redacteur@gouda.example.org"
EDITOR_PASSWORD = "correct horse battery staple"
EDITOR_PROVIDER = "gemeente-gouda"


def _skip_reason() -> str | None:
    if os.environ.get("CATALOGUE_TEST_DATABASE_URL"):
        return "browser tests run on SQLite only (CATALOGUE_TEST_DATABASE_URL is set)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install -e '.[test]')"
    if not os.access(CHROMIUM, os.X_OK):
        subprocess.run([str(ROOT / ".ci" / "ensure-browser")], check=False)
    if not os.access(CHROMIUM, os.X_OK):
        return f"{CHROMIUM} is missing and could not be installed (.ci/ensure-browser: apt-get install chromium, as root)"
    return None


@pytest.fixture(scope="session")
def browser_available():
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)


# ---------------------------------------------------------------------------------------------------------------------
# The app


@pytest.fixture(scope="session")
def live_app(browser_available, templates, tmp_path_factory):
    """The app on its own seeded SQLite database (separate from the other tests' database: these tests commit), a copy
    of the session's seeded template (tests/db_templates.py)."""
    from catalogue import create_app
    from catalogue.auth import add_membership, configure_hasher, create_user, organisation_for_provider
    from catalogue.db import Database

    folder = tmp_path_factory.mktemp("browser")
    with templates.copy("seeded", folder) as url:
        db = Database(url)
        configure_hasher(time_cost=1, memory_cost=8, parallelism=1)
        with db.session() as session:
            user = create_user(session, EDITOR_EMAIL, "Redacteur Gouda", EDITOR_PASSWORD)
            add_membership(session, user, organisation_for_provider(session, EDITOR_PROVIDER), "editor")
            session.commit()
        db.engine.dispose()
        app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "browser-tests",
                          "INDEX_DIR": str(folder / "index"), "SECURE_COOKIES": False})
        from catalogue.search.follower import rebuild_index

        with app.extensions["catalogue_db"].session() as session:  # no request builds the index
            rebuild_index(app.extensions["catalogue_search"], session)
        yield app


@pytest.fixture(scope="session")
def live_server(live_app):
    """Base URL of the app served by werkzeug in a background thread."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def has_route(app, endpoint: str) -> bool:
    return endpoint in {rule.endpoint for rule in app.url_map.iter_rules()}


def require_route(app, endpoint: str, what: str) -> None:
    if not has_route(app, endpoint):
        pytest.skip(f"route {endpoint} ({what}) does not exist yet")


# ---------------------------------------------------------------------------------------------------------------------
# The browser


@pytest.fixture(scope="session")
def playwright_instance(browser_available):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_instance):
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()


class PageProblems:
    """JavaScript errors and Content-Security-Policy violations seen on a page."""

    def __init__(self, page):
        self.errors: list[str] = []
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.on("console", self._console)

    def _console(self, message):
        if message.type == "error" and ("Content Security Policy" in message.text or "Refused to" in message.text
                                        or "Uncaught" in message.text):
            self.errors.append(f"console: {message.text}")


def _new_page(browser, live_server, **options):
    options.setdefault("viewport", {"width": 1280, "height": 900})
    context = browser.new_context(base_url=live_server, locale="nl-NL", **options)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.problems = PageProblems(page)
    return context, page


@pytest.fixture()
def page(browser, live_server):
    """A fresh browser page (JavaScript on, the site's CSP enforced). Fails the test on JS errors or CSP violations."""
    context, page = _new_page(browser, live_server)
    yield page
    problems = list(page.problems.errors)
    context.close()
    assert not problems, f"JavaScript errors or CSP violations: {problems}"


@pytest.fixture()
def page_without_js(browser, live_server):
    context, page = _new_page(browser, live_server, java_script_enabled=False)
    yield page
    context.close()


@pytest.fixture()
def phone_page(browser, live_server):
    context, page = _new_page(browser, live_server, viewport={"width": 360, "height": 740}, is_mobile=True,
                              has_touch=True, device_scale_factor=1)
    yield page
    context.close()


@pytest.fixture(scope="session")
def axe_page(browser, live_server):
    """One page for all axe-core runs (quicker than a context per page). The CSP is bypassed only so the axe script
    can be injected; the other fixtures keep it enforced."""
    context, page = _new_page(browser, live_server, bypass_csp=True)
    page.logged_in = False
    yield page
    context.close()


def _give_password(page, email: str, password: str) -> None:
    page.goto("/inloggen")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.locator("form:has(input[name=password]) button[type=submit]").click()
    page.wait_for_load_state()


def login(page, email: str = EDITOR_EMAIL, password: str = EDITOR_PASSWORD) -> None:
    _give_password(page, email, password)
    assert "/inloggen" not in page.url, "login failed"


def login_enrolling(page, email: str, password: str) -> None:
    """Logs in an admin or coordinator who has no second factor yet: the password, then the enrolment with a code
    from the secret shown on the page."""
    import pyotp

    _give_password(page, email, password)
    secret = page.locator("code.secret").first.inner_text().replace(" ", "")
    page.locator("#f-code").fill(pyotp.TOTP(secret).now())
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()


# ---------------------------------------------------------------------------------------------------------------------
# Artifacts and axe


def artifact_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")


def screenshot(page, name: str, full_page: bool = True) -> Path:
    path = ARTIFACTS / "screenshots" / f"{artifact_name(name)}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=full_page)
    return path


_AXE_SOURCE: str | None = None


def run_axe(page, name: str) -> list[dict]:
    """Runs axe-core on the current page. Returns the WCAG 2.1 A/AA violations (rule, impact, elements); writes the
    full result (including best-practice findings) to test-artifacts/axe/<name>.json."""
    global _AXE_SOURCE
    if _AXE_SOURCE is None:
        _AXE_SOURCE = AXE_SOURCE_FILE.read_text(encoding="utf-8")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(content=_AXE_SOURCE)
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            const simple = v => ({id: v.id, impact: v.impact, tags: v.tags, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html.slice(0, 300),
                                          summary: n.failureSummary}))});
            return {url: location.href, violations: r.violations.map(simple)};
        }"""
    )
    path = ARTIFACTS / "axe" / f"{artifact_name(name)}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    return [v for v in result["violations"] if set(v["tags"]) & set(WCAG_TAGS)]


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"][:8]:
            lines.append(f"    {node['target']}  {node['html'][:140]}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------------------------
# Keyboard


def focused(page) -> dict:
    """What has focus: tag, id, name, value, type, classes, text, href, and whether a focus indicator is visible."""
    return page.evaluate(
        """() => {
            const e = document.activeElement;
            if (!e || e === document.body) return {tag: 'body'};
            const s = getComputedStyle(e);
            const r = e.getBoundingClientRect();
            const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
            const shadow = s.boxShadow && s.boxShadow !== 'none';
            return {tag: e.tagName.toLowerCase(), id: e.id, name: e.getAttribute('name'), value: e.value,
                    type: e.getAttribute('type'), cls: e.className, text: (e.innerText || '').trim().slice(0, 80),
                    href: e.getAttribute('href'), indicator: outline || shadow,
                    inViewport: r.bottom > 0 && r.right > 0 && r.top < innerHeight && r.left < innerWidth,
                    width: r.width, height: r.height};
        }"""
    )


def tab_to(page, predicate, limit: int = 250, description: str = "element") -> dict:
    """Presses Tab until predicate(focused(page)) holds; checks a visible focus indicator on every stop."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        current = focused(page)
        if current["tag"] == "body":
            continue
        assert current["indicator"], f"no visible focus indicator on {current}"
        assert current["inViewport"], f"focused element is not scrolled into view: {current}"
        if predicate(current):
            return current
    raise AssertionError(f"{description} not reached with {limit} presses of Tab")
