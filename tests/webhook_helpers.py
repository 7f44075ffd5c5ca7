"""Helpers for the webhook and change-feed tests: a scratch database whose commits are real (workers use their own
connections), a consumer HTTP server on 127.0.0.1, and a minimal catalogue to change."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from catalogue.models import Instrument, InstrumentKind, Organisation, Provider


def small_catalogue(session, n: int = 10) -> list[int]:
    """One kind, one national provider, n published landelijk instruments; returns their ids."""
    kind = InstrumentKind(code="proefplaatsing", name="Proefplaatsing", sort_order=1)
    provider = Provider(slug="uwv", name="UWV", type="uwv")
    session.add_all([kind, provider, Organisation(slug="uwv", name="UWV", type="landelijk")])
    session.flush()
    items = [Instrument(slug=f"proef-{i}", name=f"Proefplaatsing {i}", kind_id=kind.id, provider_id=provider.id,
                        reach="landelijk", summary="Voorbeeld voor de tests.", status="published", example=True)
             for i in range(n)]
    session.add_all(items)
    session.flush()
    return [i.id for i in items]


class Receiver:
    """A consumer on 127.0.0.1: records every request; `plan` decides the answers (a list of statuses used in turn,
    then 200), `redirect_to` makes it answer 302."""

    def __init__(self):
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        self.plan: list[int] = []
        self.fail_always = False
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body,
                                              "json": json.loads(body)})
                    status = 500 if receiver.fail_always else (receiver.plan.pop(0) if receiver.plan else 200)
                self.send_response(status)
                if status in (301, 302, 307, 308):
                    self.send_header("Location", f"http://127.0.0.1:{receiver.port}/elsewhere")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        # a short poll interval: shutdown() waits for it (the default 0.5 s cost half a second per test)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def close(self):
        self.server.shutdown()
        self.server.server_close()
