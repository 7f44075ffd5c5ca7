"""Two real app nodes on one PostgreSQL (.ci/node: separate gunicorn processes, index directories and instance
directories): what is done through or beside node A shows in node B's search and facet counts within 2 s; node B killed
with SIGKILL while following catches up after a restart with nothing missed or duplicated; both nodes then answer 200
queries identically. Runs on the PostgreSQL run of `make test` (.ci/with-postgres)."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from catalogue.auth import create_api_token, create_user
from catalogue.db import Database
from catalogue.models import Instrument, Provider
from catalogue.queries import public_condition

ROOT = Path(__file__).resolve().parent.parent
VISIBLE_WITHIN = 2.0  # the target on a machine that is not overloaded


def _allowed(within: float) -> float:
    """The target, stretched only when the machine runs more than one process per core (load average over the core
    count: then every process, the follower's too, waits its turn). The seconds measured are printed either way."""
    return within * max(1.0, os.getloadavg()[0] / (os.cpu_count() or 1))

pytestmark = pytest.mark.skipif(not (os.environ.get("CATALOGUE_TEST_DATABASE_URL") or "").startswith("postgresql"),
                                reason="two nodes need a shared PostgreSQL (.ci/with-postgres)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Node:
    def __init__(self, name: str, url: str, instance: Path):
        self.name, self.url, self.instance = name, url, instance
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        env = dict(os.environ, CATALOGUE_DATABASE_URL=self.url, WORKERS="2", CATALOGUE_SEARCH_OPTIMIZE_AFTER="4")
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        self.log = open(self.instance.with_suffix(".log"), "ab")
        self.process = subprocess.Popen([str(ROOT / ".ci" / "node"), str(self.port), str(self.instance)], env=env,
                                        stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if self.get("/readyz", expect=None)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"node {self.name} not ready; see {self.log.name}")

    def kill(self) -> None:
        """SIGKILL to the node's process group (gunicorn master and workers), as when a machine dies."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        if getattr(self, "log", None):
            self.log.close()

    def get(self, path: str, expect: int | None = 200):
        with_status = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}")
        try:
            with urllib.request.urlopen(with_status, timeout=10) as response:
                status, body = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, body = exc.code, exc.read()
        if expect is not None:
            assert status == expect, (path, status, body[:300])
        return status, json.loads(body) if body[:1] in (b"{", b"[") else body

    def call(self, method: str, path: str, token: str, payload: dict | None = None):
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", method=method,
                                         data=json.dumps(payload or {}).encode(),
                                         headers={"Authorization": f"Bearer {token}",
                                                  "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read() or b"{}")

    def search(self, **params) -> dict:
        query = urllib.parse.urlencode({"per_page": 100, **params})
        return self.get(f"/api/v1/instruments?{query}")[1]


def until(condition, what: str, within: float = VISIBLE_WITHIN, steady: int = 6) -> float:
    """Seconds until `condition()` held on `steady` requests in a row (so both of the node's workers have it)."""
    started = time.monotonic()
    streak = 0
    first_ok = None
    while time.monotonic() - started < _allowed(within) + 5:
        if condition():
            first_ok = first_ok or time.monotonic()
            streak += 1
            if streak >= steady:
                took = first_ok - started
                allowed = _allowed(within)
                print(f"{what}: visible on node B after {took:.2f} s (allowed {allowed:.2f} s)")
                assert took <= allowed, f"{what}: took {took:.2f} s (allowed {allowed:.2f} s at this load)"
                return took
        else:
            streak, first_ok = 0, None
        time.sleep(0.03)
    raise AssertionError(f"{what}: not visible on node B after {within + 5:.0f} s")


def slugs(body) -> list[str]:
    return [i["slug"] for i in body["items"]]


def kind_count(body, kind: str) -> int:
    return {v["code"]: v["count"] for v in body["facets"]["kind"]}.get(kind, 0)


@pytest.fixture(scope="module")
def cluster(templates, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("nodes")
    with templates.copy("seeded", tmp) as url:  # a PostgreSQL database of its own, a copy of the seeded template
        db = Database(url)
        with db.session() as session:
            user = create_user(session, "nodes@example.org", "Two nodes", "a-long-password-here", is_admin=True)
            token = create_api_token(session, user, "nodes")
        a, b = Node("A", url, tmp / "a"), Node("B", url, tmp / "b")
        try:
            a.start()
            b.start()
            yield a, b, db, token
        finally:
            a.stop()
            b.stop()
            db.engine.dispose()


def test_changes_through_and_beside_node_a_reach_node_b_within_two_seconds(cluster):
    a, b, db, token = cluster
    slug = "uwv-proefplaatsing"
    before = kind_count(b.search(facets="kind"), "proefplaatsing")
    took = {}

    item = a.call("GET", f"/api/v1/instruments/{slug}/internal", token)
    item = a.call("PATCH", f"/api/v1/instruments/{slug}", token, {"name": "Proefplaatsing tweenodewoord",
                                                                    "version": item["version"]})
    took["edit"] = until(lambda: slugs(b.search(q="tweenodewoord")) == [slug], "an edit")

    item = a.call("POST", f"/api/v1/instruments/{slug}/unpublish", token, {"version": item["version"]})
    took["unpublish"] = until(lambda: (lambda r: slugs(r) == [] and kind_count(b.search(facets="kind"), "proefplaatsing")
                                       == before - 1)(b.search(q="tweenodewoord")), "an unpublish")
    item = a.call("POST", f"/api/v1/instruments/{slug}/publish", token, {"version": item["version"]})
    took["publish"] = until(lambda: slugs(b.search(q="tweenodewoord")) == [slug]
                            and kind_count(b.search(facets="kind"), "proefplaatsing") == before, "a publish")

    with db.session() as session:  # beside the app: a rename of the provider and a raw SQL fix
        session.execute(text("UPDATE provider SET name = 'UWV Tweenodeaanbieder' WHERE slug = 'uwv'"))
        uwv_public = session.scalar(select(func.count()).select_from(Instrument).join(Provider)
                                    .where(Provider.slug == "uwv", public_condition(__import__("datetime").date.today())))
    took["provider rename"] = until(lambda: b.search(q="tweenodeaanbieder", lifecycle="current,upcoming,ended")["total"] == uwv_public, "a provider rename")
    with db.session() as session:
        session.execute(text("UPDATE instrument SET name = 'Rauwe tweenodenaam' WHERE slug = :s"), {"s": slug})
    took["raw SQL update"] = until(lambda: slugs(b.search(q="tweenodenaam")) == [slug], "a raw SQL update")

    item = a.call("GET", f"/api/v1/instruments/{slug}/internal", token)
    request = urllib.request.Request(f"http://127.0.0.1:{a.port}/api/v1/instruments/{slug}?version={item['version']}",
                                     method="DELETE", headers={"Authorization": f"Bearer {token}"})
    urllib.request.urlopen(request, timeout=10).close()
    took["delete"] = until(lambda: slugs(b.search(q="tweenodenaam")) == []
                           and kind_count(b.search(facets="kind"), "proefplaatsing") == before - 1, "a delete")
    print("visible on node B after (s):", {k: round(v, 2) for k, v in took.items()})


def test_node_b_killed_while_following_catches_up_without_gaps_or_duplicates(cluster):
    a, b, db, token = cluster
    with db.session() as session:
        targets = session.execute(select(Instrument.id, Instrument.slug).where(public_condition(
            __import__("datetime").date.today())).order_by(Instrument.id).limit(40)).all()
    words = {iid: "zq" + chr(97 + n // 26) + chr(97 + n % 26) + "woordq" for n, (iid, _) in enumerate(targets)}
    done = threading.Event()

    def writer():
        for iid, _ in targets:
            with db.session() as session:
                session.execute(text("UPDATE instrument SET summary = summary || ' ' || :w WHERE id = :i"),
                                {"w": words[iid], "i": iid})
            time.sleep(0.03)
        done.set()

    thread = threading.Thread(target=writer)
    thread.start()
    time.sleep(0.4)  # node B is following the stream
    b.kill()
    thread.join()
    assert done.is_set()
    b.start()
    for iid, slug in targets:
        until(lambda: slugs(b.search(q=words[iid], lifecycle="current,upcoming,ended")) == [slug],
              f"update of {slug} after the restart", within=5, steady=2)
    browse_a, browse_b = a.search(per_page=1), b.search(per_page=1)
    assert browse_a["total"] == browse_b["total"]  # nothing duplicated, nothing lost
    assert browse_a["facets"] == browse_b["facets"]


def test_both_nodes_answer_200_queries_identically(cluster):
    a, b, db, _ = cluster
    with db.session() as session:
        names = session.scalars(select(Instrument.name).where(public_condition(__import__("datetime").date.today()))
                                .order_by(Instrument.id)).all()
    words = []
    for name in names:
        for word in name.lower().split():
            if len(word) > 3 and word.isalpha() and word not in words:
                words.append(word)
    queries = [{"q": w} for w in words[:120]]
    queries += [{"q": w, "kind": "proefplaatsing"} for w in words[120:140]]
    queries += [{"q": w[:3] + "*"} for w in words[:20]]
    queries += [{"municipality": code} for code in ("GM0513", "GM0034", "GM0363", "GM0014", "GM0344")]
    queries += [{"region": code, "sort": "name"} for code in ("AM20", "AM11", "AM35", "AM01", "AM02")]
    queries += [{"kind": k} for k in ("jobcoaching", "proefplaatsing", "loonkostensubsidie", "scholing", "no-riskpolis")]
    queries += [{"q": "lks"}, {"q": "proefplaatsing wajong"}, {"q": "jobcoch"}, {"q": '"met behoud van uitkering"'},
                {"q": "lks OR lkv"}, {"q": "werk -gouda"}, {"provider_type": "uwv"}, {"reach": "landelijk"}]
    while len(queries) < 200:
        queries.append({"q": words[len(queries) % len(words)], "sort": "recent"})
    for node in (a, b):  # after 4 quiet seconds each node merges its index (ranking statistics without deletions)
        deadline = time.monotonic() + 30
        while node.get("/readyz?detail=index", expect=None)[1]["checks"].get("index_deleted_documents", 1):
            assert time.monotonic() < deadline, f"node {node.name} did not merge its index"
            time.sleep(0.2)
    differing = []
    for params in queries[:200]:
        ra, rb = a.search(**params), b.search(**params)
        if (ra["total"], slugs(ra), ra["facets"]) != (rb["total"], slugs(rb), rb["facets"]):
            differing.append((params, ra["total"], rb["total"], slugs(ra)[:6], slugs(rb)[:6], ra["facets"] == rb["facets"]))
    assert not differing, differing[:3]
