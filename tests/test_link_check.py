"""`catalogue links check` against a local HTTP server (never the internet): 200, 404, redirect, timeout; results in the
database; broken links per organisation under /beheer/links."""
from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from accounts import login, people  # noqa: F401  (fixture)
from catalogue.cli import main
from catalogue.link_check import broken_links, check_links, link_uses, visit
from catalogue.models import Instrument, LinkCheck
from helpers import make_instrument


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        path = self.path.split("?")[0]
        if path == "/ok":
            self._answer(200)
        elif path == "/moved":
            self.send_response(301)
            self.send_header("Location", "/ok")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif path == "/loop":
            self.send_response(302)
            self.send_header("Location", "/loop")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif path == "/slow":
            time.sleep(1.5)
            self._answer(200)
        elif path == "/error":
            self._answer(500)
        else:
            self._answer(404)

    def _answer(self, status):
        body = b"<html>hallo</html>"
        self.send_response(status)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the checker gave up (timeout)
            pass

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_visit_outcomes(server):
    ok = visit(f"{server}/ok", timeout=2)
    assert ok.ok and ok.status == 200 and ok.redirects == []
    missing = visit(f"{server}/missing", timeout=2)
    assert not missing.ok and missing.status == 404
    moved = visit(f"{server}/moved", timeout=2)
    assert moved.ok and moved.status == 200 and moved.final_url == f"{server}/ok"
    assert moved.redirects == [[301, f"{server}/ok"]]
    slow = visit(f"{server}/slow", timeout=0.3)
    assert not slow.ok and slow.error == "timeout"
    loop = visit(f"{server}/loop", timeout=2)
    assert not loop.ok and loop.redirects and loop.error
    assert visit(f"{server}/error", timeout=2).status == 500
    refused = visit("http://127.0.0.1:9/nothing", timeout=1)  # the discard port: nobody listens
    assert not refused.ok and refused.error.startswith("geen verbinding")


def test_check_links_records_status_and_redirects_with_bounded_concurrency(session, server):
    urls = [f"{server}/ok", f"{server}/missing", f"{server}/moved", f"{server}/slow", f"{server}/slow?2", f"{server}/slow?3"]
    started = time.monotonic()
    report = check_links(session, concurrency=3, timeout=0.3, urls=urls)
    elapsed = time.monotonic() - started
    assert elapsed < 3  # three timeouts of 0.3 s ran side by side, not 1.5 s each in a row
    assert {v.url for v in report.broken} == {f"{server}/missing", f"{server}/slow", f"{server}/slow?2", f"{server}/slow?3"}
    rows = {r.url: r for r in session.scalars(select(LinkCheck).where(LinkCheck.url.in_(urls)))}
    assert rows[f"{server}/ok"].ok and rows[f"{server}/ok"].status == 200
    assert rows[f"{server}/missing"].status == 404 and not rows[f"{server}/missing"].ok
    assert rows[f"{server}/moved"].redirects == [[301, f"{server}/ok"]] and rows[f"{server}/moved"].final_url.endswith("/ok")
    assert rows[f"{server}/slow"].error == "timeout" and rows[f"{server}/slow"].status is None
    check_links(session, urls=[f"{server}/ok", f"{server}/slow"], timeout=3)  # a second visit updates the same rows
    again = {r.url: r for r in session.scalars(select(LinkCheck).where(LinkCheck.url.in_(urls)))}
    assert len(again) == len(urls) and again[f"{server}/slow"].ok and again[f"{server}/slow"].error is None


def test_broken_links_per_organisation_and_page(client, session, server, people):  # noqa: F811
    make_instrument(session, "links-gouda", provider="gemeente-gouda", reach="lokaal", municipalities=["GM0513"],
                    source_url=f"{server}/ok", regulation_url=f"{server}/missing",
                    links=[{"title": "Verhuisd", "url": f"{server}/moved"}])
    make_instrument(session, "links-almere", provider="gemeente-almere", reach="lokaal", municipalities=["GM0034"],
                    source_url=f"{server}/gone-almere")
    gouda_ids = {session.scalar(select(Instrument.provider_id).where(Instrument.slug == "links-gouda"))}
    uses = link_uses(session, gouda_ids)
    assert {u.field for u in uses[f"{server}/missing"]} == {"regulation_url"}
    # visit only the local server's URLs (the seeded instruments of Gouda link to the real web: never in tests)
    local = [url for url in link_uses(session) if url.startswith(server)]
    check_links(session, urls=local, timeout=2)
    session.commit()
    groups = broken_links(session, gouda_ids)
    assert list(groups) == ["Gemeente Gouda"]
    assert [b.url for b in groups["Gemeente Gouda"]] == [f"{server}/missing"]

    login(client, people["editor"])  # editor of Gouda
    html = client.get("/beheer/links").get_data(as_text=True)
    assert f"{server}/missing" in html and "HTTP 404" in html and "Testinstrument links-gouda" in html
    assert f"{server}/moved" not in html and "gone-almere" not in html
    login(client, people["other_editor"])  # editor of Almere
    html = client.get("/beheer/links").get_data(as_text=True)
    assert "gone-almere" in html and f"{server}/missing" not in html
    login(client, people["account_manager"])
    assert client.get("/beheer/links").status_code == 403


def test_cli_links_check(app, database, server):
    from catalogue.models import Provider

    with database.session() as s:
        s.add(Provider(slug="links-cli-bureau", name="Linkbureau", type="landelijk"))
        s.flush()
        make_instrument(s, "links-cli", provider="links-cli-bureau", source_url=f"{server}/missing",
                        links=[{"title": "ok", "url": f"{server}/moved"}])
    try:
        runner = app.test_cli_runner()
        result = runner.invoke(main, ["links", "check", "--provider", "links-cli-bureau", "--timeout", "2",
                                      "--concurrency", "2"])
        assert result.exit_code != 0
        assert f"KAPOT 404 {server}/missing" in result.output and f"door  200 {server}/moved" in result.output
        assert "2 adressen bezocht" in result.output
        with database.session() as s:
            assert s.scalar(select(LinkCheck).where(LinkCheck.url == f"{server}/missing")).status == 404
    finally:
        with database.session() as s:
            s.delete(s.scalar(select(Instrument).where(Instrument.slug == "links-cli")))
            s.flush()
            s.delete(s.scalar(select(Provider).where(Provider.slug == "links-cli-bureau")))
            for row in s.scalars(select(LinkCheck).where(LinkCheck.url.like(f"{server}%"))):
                s.delete(row)
