"""Benchmarks the public change feed: reading 10,000 changes (issue 15: target <= 1 s).

    .venv/bin/python bench/changes_bench.py [--changes 10000] [--page 1000] [--rebuild] [--updates]

Builds its own synthetic database (bench/synthetic.py, `bench/out/changes.sqlite`, never the real one) with enough
instruments, records the feed (every public instrument's first appearance: a full public representation per entry),
then reads the first N changes as a consumer would, page by page with the cursor:
- through the domain module (catalogue.changes.read),
- through the app (GET /api/v1/changes?since=…&limit=…, Flask test client: routing, the query, building the answer;
  the client takes the cursor from each answer), and
- the same with the client decoding every entry as JSON (what a mirroring consumer does next; client-side work).
Printed: seconds, changes per second, and the ratio measured/target (below 1.0 meets the target). Also how long
recording the changes took, and with --updates recording N updates (one SQL UPDATE touching N instruments), for
information: the recorder runs in the background worker and has no target.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

from sqlalchemy import func, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from catalogue.changes import catch_up, read  # noqa: E402
from catalogue.db import Database  # noqa: E402
from catalogue.models import Instrument, PublicChange  # noqa: E402

import synthetic  # noqa: E402

TARGET_SECONDS = 1.0
DATABASE = ROOT / "bench" / "out" / "changes.sqlite"


def _synthetic(db) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(Instrument).where(Instrument.slug.like("synth-%"))) or 0


def read_domain(db, n: int, page: int) -> tuple[float, int]:
    started, cursor, count = time.perf_counter(), 0, 0
    with db.session() as s:
        while count < n:
            items, cursor, more = read(s, cursor, min(page, n - count))
            count += len(items)
            if not more:
                break
    return time.perf_counter() - started, count


def read_http(client, n: int, page: int, decode_all: bool) -> tuple[float, int]:
    """Pages through the app. The cursor to continue with is read from the end of each answer; with `decode_all` the
    client also decodes every entry (what a consumer that mirrors the catalogue does next)."""
    started, cursor, count = time.perf_counter(), "", 0
    while count < n:
        query = {"limit": min(page, n - count), **({"since": cursor} if cursor else {})}
        data = client.get("/api/v1/changes", query_string=query).get_data()
        if decode_all:
            body = json.loads(data)
            count += len(body["items"])
            cursor, more = body["next"], body["more"]
        else:
            tail = json.loads(b"{" + data[data.rindex(b'],"next":') + 2:])
            count += data.count(b'{"cursor":')
            cursor, more = tail["next"], tail["more"]
        if not more:
            break
    return time.perf_counter() - started, count


def row(label: str, seconds: list[float], count: int) -> str:
    best, median = min(seconds), statistics.median(seconds)
    return (f"  {label:<34} {count:>6} changes  median {median:6.3f} s  best {best:6.3f} s  "
            f"{count / median:>9,.0f}/s  ratio to target {median / TARGET_SECONDS:5.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--changes", type=int, default=10_000)
    parser.add_argument("--page", type=int, default=1000, help="limit per request (the API allows 1..1000)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--updates", action="store_true", help="also time recording N updates (minutes; information)")
    args = parser.parse_args()
    DATABASE.parent.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{DATABASE}"
    db = Database(url)
    needed = int(args.changes * 1.1)  # about 3 % are drafts and never appear
    if args.rebuild or not DATABASE.exists() or _synthetic(db) < needed:
        db.engine.dispose()
        figures = synthetic.build(url, needed)
        print(f"synthetic catalogue: {figures['instruments']} instruments ({figures['seconds']:.1f} s)")
        db = Database(url)
    with db.session() as s:
        recorded = s.scalar(select(func.count()).select_from(PublicChange)) or 0
    if recorded < args.changes:
        started = time.perf_counter()
        with db.session(write=True) as s:
            recorded += catch_up(s)
        print(f"recorded {recorded} changes (first appearance of every public instrument) in "
              f"{time.perf_counter() - started:.1f} s")
    os.environ.setdefault("CATALOGUE_INSTANCE_DIR", str(DATABASE.parent / "changes-instance"))
    from catalogue import create_app

    # the search follower in requests (no background thread building an index in this process: the feed does not
    # search, and the thread would compete for the interpreter lock)
    app = create_app({"DATABASE_URL": url, "INDEX_DIR": str(DATABASE.parent / "changes-index"), "TESTING": False,
                      "SEARCH_FOLLOW": "request", "SECRET_KEY": "bench"})
    client = app.test_client()
    read_domain(db, args.changes, args.page)  # warm up
    read_http(client, args.changes, args.page, False)
    domain = [read_domain(db, args.changes, args.page) for _ in range(args.repeat)]
    http = [read_http(client, args.changes, args.page, False) for _ in range(args.repeat)]
    decoded = [read_http(client, args.changes, args.page, True) for _ in range(args.repeat)]
    print(f"change feed, {args.changes} changes in pages of {args.page} (target <= {TARGET_SECONDS:.1f} s; "
          f"SQLite, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}):")
    print(row("catalogue.changes.read", [s for s, _ in domain], domain[0][1]))
    print(row("GET /api/v1/changes (app)", [s for s, _ in http], http[0][1]))
    print(row("  + client decodes every entry", [s for s, _ in decoded], decoded[0][1]))
    if not args.updates:
        db.engine.dispose()
        return
    # for information: recording N updates
    with db.session(write=True) as s:
        s.execute(text("UPDATE instrument SET summary = summary || ' (bijgewerkt)' WHERE id IN "
                       "(SELECT id FROM instrument WHERE slug LIKE 'synth-%' ORDER BY id LIMIT :n)"),
                  {"n": args.changes})
    started = time.perf_counter()
    with db.session(write=True) as s:
        updated = catch_up(s)
    print(f"  recording {updated} updates (recorder, one round per 500 log entries): "
          f"{time.perf_counter() - started:.1f} s (background worker; not a target)")
    db.engine.dispose()


if __name__ == "__main__":
    main()
