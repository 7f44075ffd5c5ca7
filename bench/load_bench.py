"""Throughput and latency under concurrent load: our app (gunicorn, 2 workers) against Datasette on the same rows.

    .venv/bin/python bench/load_bench.py [--instruments 20000] [--seconds 5] [--connections 10,50] [--reuse]
    .venv/bin/python bench/load_bench.py --growth            # also 100,000 instruments: latency, memory, build ratios
    .venv/bin/python bench/load_bench.py --edits --reuse [--instruments 20000,100000] [--rounds 6]   # the edit stream
    .venv/bin/python bench/load_bench.py --writer-priority 5,19,idle --reuse --instruments 100000   # as root

One client for both servers: asyncio, N keep-alive HTTP/1.1 connections, each sending its next request as soon as the
previous answer is read, for a fixed time per scenario. It prints requests/s, p50/p95/p99 per scenario and connection
count, and the ratios against Datasette (baseline). Scenarios:
  JSON search        ours /api/v1/instruments?q=…   Datasette bench_instrument.json?_search=… (+ the same facets)
  JSON search, uncached   the same words, each with one of the 342 gemeenten (4,104 URLs, more than the page cache
                     keeps: nearly every request is computed), Datasette with the same location condition
  HTML list          ours /instrumenten?q=…          Datasette /bench/bench_instrument?_search=…
  instrument page    ours /instrumenten/<slug>       Datasette /bench/bench_instrument/<id>
  region harmonisation page   ours /regios/<slug>/harmonisatie (no Datasette equivalent)
  cached page (304)  ours /instrumenten/<slug> with If-None-Match, as a reverse proxy revalidates
  --writer-priority: only the cached JSON search with one edit per second, the index writer (the only process that
                     writes the index) at each listed priority in turn, changed between windows inside one run, each
                     round one window per condition in rotating order against that round's quiet window, at 10
                     connections and open-loop; one edit per window is probed (seconds until a search finds it under
                     that load). Every scenario also prints the CPU time the host gave other guests (steal).
  JSON search while one edit per second is committed (p95 should not move); `--edits` runs only this comparison,
                     cached and uncached URLs, in windows of --seconds (default 5 with --edits) that alternate
                     quiet/edits, edits/quiet, ... (--rounds of each, default 6): a shared machine's load drifts by
                     more over a minute than the edits cost, and alternating gives both conditions the same drift.
                     It prints p50/p95/p99 pooled per condition and their ratios, each edit window's p95 against the
                     quiet windows beside it (median and range), the noise (the odd against the even quiet windows),
                     an exact permutation test (how often swapping quiet/edits inside any set of rounds gives a pooled
                     p95 ratio at least the observed one: small p, the edits cost latency; large p, this run cannot
                     tell them from the machine's drift), and the seconds from committing an edit until the JSON
                     search finds it (first answer, every worker). Twice: at 10 connections that each send the next
                     request as soon as one is answered (the machine saturated: whatever CPU an edit costs shows as
                     latency), and with requests arriving open-loop (Poisson) at --paced (default 0.5) times that
                     throughput, timed from their arrival
Edit-stream baseline (`EDITS_BASELINE`, main before the edit-stream2 branch: idle machine, 100,000 instruments, 10
connections): cached JSON search p95 11.7 ms without edits, 139.7 ms with one edit/s (11.95x: every edit invalidated every
cached answer); uncached p95 718 -> 973 ms (1.36x); an edit visible 0.14-1.67 s after commit. `--edits` prints the
p95 ratios against it too (a shared machine: compare the CPU per request and the load average as well).
Targets (issue 17): cached public pages >= 300 req/s, JSON search >= 3 x Datasette's throughput, region harmonisation
p95 <= 150 ms at 10 connections, worker memory <= 400 MB at 100,000. The machine is shared: the load average is printed
per scenario, and the CPU time per request of our workers (utime + stime of the gunicorn workers over the scenario,
divided by the requests answered), which the load does not inflate. Every path is requested a few times before a
scenario (each worker renders it once per change-log position); the harmonisation page is also timed cold, on the first
request after an edit.
Synthetic data only, in bench/out/ (see synthetic.py).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from search_bench import FACET_ARRAYS, FACET_SCALARS, denormalise, free_port, pct, wait_for  # noqa: E402

WORDS = ["jobcoach", "proefplaatsing", "loonkostensubsidie", "subsidie", "scholing", "werkplek", "begeleiding",
         "statushouder", "Gouda", "nazorg", "werkgever begeleiding", "premie"]


async def _request(reader, writer, host, path, extra) -> tuple[bytes, bool]:
    """One GET on a keep-alive connection, its answer read whole: (status line, whether the server closes)."""
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: keep-alive\r\n{extra}\r\n".encode())
    await writer.drain()
    status_line = await reader.readline()
    length, chunked, close = 0, False, False
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "transfer-encoding" and "chunked" in value:
            chunked = True
        elif name == "connection" and "close" in value.lower():
            close = True
    if chunked:
        while True:
            size = int((await reader.readline()).strip() or b"0", 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status_line, close


def _failed(status_line: bytes) -> bool:
    return not status_line.split()[1:2] or status_line.split()[1] not in (b"200", b"304")


async def _worker(host, port, paths, headers, until, latencies, errors, arrivals: asyncio.Queue | None = None):
    """Closed loop (`arrivals` None): the next request as soon as one is answered, until `until`. Open loop: takes
    the next arrival time when free and times the request from it, so a request that waited for a free connection
    or a busy server counts its wait (no coordinated omission)."""
    reader, writer = await asyncio.open_connection(host, port)
    extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    try:
        while True:
            if arrivals is None:
                started = time.perf_counter()
                if started >= until:
                    return
            else:
                try:
                    started = arrivals.get_nowait()
                except asyncio.QueueEmpty:
                    return
                if started > time.perf_counter():
                    await asyncio.sleep(started - time.perf_counter())
            status_line, close = await _request(reader, writer, host, random.choice(paths), extra)
            latencies.append(time.perf_counter() - started)
            if _failed(status_line):
                errors.append(status_line)
            if close:
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
    finally:
        writer.close()


def summary(latencies: list[float], errors: int, seconds: float) -> dict:
    """Requests, requests/s, p50/p95/p99 (ms), errors and seconds of a run (or of several pooled)."""
    return {"requests": len(latencies), "rps": len(latencies) / seconds, "p50_ms": pct(latencies, 0.5) * 1000,
            "p95_ms": pct(latencies, 0.95) * 1000, "p99_ms": pct(latencies, 0.99) * 1000, "errors": errors,
            "seconds": seconds}


async def _paced(port, paths, rate, seconds, connections=32):
    """Open-loop load: requests arrive at `rate` per second (Poisson), whether or not earlier ones are answered, as
    visitors do; at a rate the server keeps up with, the latency is the service time plus what queueing there is."""
    arrivals: asyncio.Queue = asyncio.Queue()
    started = time.perf_counter()
    at = started
    while at < started + seconds:
        at += random.expovariate(rate)
        arrivals.put_nowait(at)
    latencies: list[float] = []
    errors: list = []
    await asyncio.gather(*(_worker("127.0.0.1", port, paths, {}, None, latencies, errors, arrivals)
                           for _ in range(connections)))
    return {**summary(latencies, len(errors), time.perf_counter() - started), "latencies": latencies}


async def _load(port, paths, connections, seconds, headers):
    latencies: list[float] = []
    errors: list = []
    until = time.perf_counter() + seconds
    started = time.perf_counter()
    await asyncio.gather(*(_worker("127.0.0.1", port, paths, headers, until, latencies, errors)
                           for _ in range(connections)))
    return {**summary(latencies, len(errors), time.perf_counter() - started), "latencies": latencies}


def load(port, paths, connections, seconds, headers=None):
    return asyncio.run(_load(port, paths, connections, seconds, headers or {}))


def etag(port, path) -> str:
    import urllib.request

    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=60) as response:
        return response.headers["ETag"]


def rss_mb(pid: int) -> float:
    """Resident memory of the largest gunicorn worker (children of pid), in MB."""
    return max((sum(part.values()) for part in worker_memory(pid)), default=0.0)


def worker_memory(pid: int) -> list[dict[str, float]]:
    """Per worker: RssAnon (its own memory) and RssFile (mapped files, mostly the index: page cache shared by the
    workers and reclaimable), in MB."""
    out = []
    for child in Path("/proc").iterdir():
        try:
            stat = (child / "stat").read_text().rsplit(")", 1)[1].split()
            if child.name.isdigit() and int(stat[1]) == pid:
                fields = {line.split(":")[0]: int(line.split()[1]) / 1024 for line in (child / "status").read_text().splitlines()
                          if line.startswith(("RssAnon", "RssFile"))}
                out.append(fields)
        except (OSError, IndexError, ValueError):
            continue
    return out


def worker_cpu(pid: int, writer: bool | None = None) -> float:
    """CPU seconds (user + system) used so far by the server's processes (children of pid): all of them, or (writer
    True/False) only the index writer (`catalogue index follow`) / all but it."""
    total = 0
    for child in Path("/proc").iterdir():
        try:
            stat = (child / "stat").read_text().rsplit(")", 1)[1].split()
            if child.name.isdigit() and int(stat[1]) == pid:
                if writer is not None and (b"index\x00follow" in (child / "cmdline").read_bytes()) != writer:
                    continue
                total += int(stat[11]) + int(stat[12])
        except (OSError, IndexError, ValueError):
            continue
    return total / os.sysconf("SC_CLK_TCK")


def merger_cpu(pid: int) -> float:
    """CPU seconds used so far by the index writer's merger process (catalogue/search/merging.py: a child of the
    writer, at idle priority; not in worker_cpu, which counts the server's children only)."""
    stats = {}
    for child in Path("/proc").iterdir():
        if child.name.isdigit():
            try:
                stats[int(child.name)] = ((child / "stat").read_text().rsplit(")", 1)[1].split(),
                                          (child / "cmdline").read_bytes())
            except (OSError, IndexError):
                continue
    total = 0
    for stat, cmdline in stats.values():
        parent = stats.get(int(stat[1]))
        if b"catalogue.search.merging" in cmdline and parent is not None and int(parent[0][1]) == pid:
            total += int(stat[11]) + int(stat[12])
    return total / os.sysconf("SC_CLK_TCK")


def steal_seconds() -> float:
    """CPU seconds this (virtual) machine's cores have waited for the host so far (/proc/stat `steal`): time taken by
    other guests on a shared host, which shows as latency no code here causes."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()
    return int(fields[8]) / os.sysconf("SC_CLK_TCK") if len(fields) > 8 else 0.0


def warm(port: int, paths: list[str], rounds: int = 4) -> None:
    """Each path a few times on fresh connections, so that both workers have rendered it at this position."""
    import urllib.request

    for _ in range(rounds):
        for path in paths:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=120).read()
            except OSError:
                pass


def measured(pid: int | None, port: int, paths, connections: int, seconds: float, headers=None,
             keep_latencies: bool = False, rate: float | None = None) -> dict:
    """load() (or, with `rate`, requests arriving at that rate) plus the load average and, for our server, the
    workers' CPU time per request."""
    cpu = (worker_cpu(pid), worker_cpu(pid, writer=True), merger_cpu(pid)) if pid else None
    stolen = steal_seconds()
    started = time.monotonic()
    result = asyncio.run(_paced(port, paths, rate, seconds)) if rate else load(port, paths, connections, seconds,
                                                                                   headers)
    if not keep_latencies:
        del result["latencies"]
    result["load_average"] = os.getloadavg()[0]
    result["steal_ms_per_s"] = (steal_seconds() - stolen) * 1000 / (time.monotonic() - started)
    if pid:
        result["cpu_ms_per_request"] = (worker_cpu(pid) - cpu[0]) * 1000 / max(result["requests"], 1)
        # the index writer's share (a process of its own under `catalogue serve`), per second of the scenario
        result["writer_cpu_ms_per_s"] = (worker_cpu(pid, writer=True) - cpu[1]) * 1000 / (time.monotonic() - started)
        result["merger_cpu_ms_per_s"] = (merger_cpu(pid) - cpu[2]) * 1000 / (time.monotonic() - started)
    return result


def prepare(instruments: int, reuse: bool) -> tuple[Path, float]:
    db_path = OUT / f"load-{instruments}.sqlite"
    if not (reuse and db_path.exists()):
        from synthetic import build

        db_path.unlink(missing_ok=True)
        figures = build(f"sqlite:///{db_path}", instruments)
        print(f"synthetic catalogue: {instruments} instruments in {figures['seconds']:.1f} s ({db_path})")
        denormalise(db_path)
    os.environ["CATALOGUE_DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ["CATALOGUE_INDEX_DIR"] = str(OUT / f"index-{instruments}")
    os.environ.setdefault("CATALOGUE_SECRET_KEY", "bench")
    os.environ["CATALOGUE_LOG_FORMAT"] = "text"
    from catalogue import create_app
    from catalogue.search.follower import rebuild_index

    app = create_app()
    engine = app.extensions["catalogue_search"]
    if reuse and engine.store.read_state() is not None:
        print("index: reused (no build figure this run)")
        return db_path, float("nan")
    with app.extensions["catalogue_db"].session() as session:
        figures = rebuild_index(engine, session)
    print(f"index build: {figures['documents']} documents in {figures['seconds']:.1f} s, {figures['cpu_seconds']:.1f} s CPU "
          f"(target <= 30 s at 20k, <= 150 s at 100k; before: 64-73 s, 58-62 s CPU at 20k)", flush=True)
    return db_path, figures["seconds"]


def start_servers(db_path: Path, with_datasette: bool):
    bin_dir = Path(sys.executable).parent
    ours_port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PROMETHEUS_MULTIPROC_DIR": str(OUT / "metrics")}
    (OUT / "metrics").mkdir(exist_ok=True)
    ours = subprocess.Popen([str(bin_dir / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{ours_port}",
                             "--config", "python:catalogue.gunicorn_conf", "--log-level", "warning",
                             "catalogue.wsgi:app"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=open(OUT / "load-ours.log", "w"))
    processes = [ours]
    ds_port = None
    if with_datasette:
        ds_port = free_port()
        processes.append(subprocess.Popen(
            [str(bin_dir / "datasette"), "serve", str(db_path), "--host", "127.0.0.1", "--port", str(ds_port),
             "--setting", "facet_time_limit_ms", "10000", "--setting", "sql_time_limit_ms", "20000",
             "--setting", "default_facet_size", "40"], cwd=ROOT, stdout=subprocess.DEVNULL,
            stderr=open(OUT / "load-datasette.log", "w")))
    wait_for(f"http://127.0.0.1:{ours_port}/readyz", timeout=300)
    # every worker loaded its facet table: /readyz is answered by whichever worker accepts, so ask until 20 in a row
    # say ready (a worker still loading answers searches from SQL, which is not what is measured here)
    import urllib.request

    streak, deadline = 0, time.monotonic() + 300
    while streak < 20 and time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{ours_port}/readyz", timeout=30) as response:
                streak = streak + 1 if response.status == 200 else 0
        except OSError:
            streak = 0
            time.sleep(0.2)
    if ds_port:
        wait_for(f"http://127.0.0.1:{ds_port}/-/versions.json", timeout=120)
    return ours, ours_port, ds_port, processes


def stop(processes) -> None:
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def located(word: str, municipality: str, region: str) -> list[tuple[str, str]]:
    """Datasette's parameters for our `q=word&municipality=…`: national, the gemeente's region, or the gemeente."""
    where = f"(reach='landelijk' OR region_code='{region}' OR municipality_code='{municipality}')"
    return [("_search", word), ("_size", "20"), ("lifecycle__in", "current,upcoming"), ("_where", where)]


def scenarios(db_path: Path):
    import sqlite3

    conn = sqlite3.connect(db_path)
    slugs = [r[0] for r in conn.execute("SELECT slug FROM bench_instrument ORDER BY id LIMIT 200")]
    ids = [r[0] for r in conn.execute("SELECT id FROM bench_instrument ORDER BY id LIMIT 200")]
    regions = [r[0] for r in conn.execute("SELECT slug FROM region ORDER BY code")]
    places = conn.execute("SELECT m.code, r.code FROM municipality m JOIN region r ON r.id = m.region_id "
                          "ORDER BY m.code").fetchall()
    conn.close()
    facets = [("_facet", f) for f in FACET_SCALARS] + [("_facet_array", f) for f in FACET_ARRAYS]
    return [
        ("JSON search", [f"/api/v1/instruments?{urllib.parse.urlencode({'q': w})}" for w in WORDS],
         [f"/bench/bench_instrument.json?{urllib.parse.urlencode([('_search', w), ('_size', '20'), ('lifecycle__in', 'current,upcoming')] + facets)}"
          for w in WORDS]),
        ("JSON search, uncached",
         [f"/api/v1/instruments?{urllib.parse.urlencode({'q': w, 'municipality': m})}" for w in WORDS for m, _ in places],
         [f"/bench/bench_instrument.json?{urllib.parse.urlencode(located(w, m, r) + facets)}"
          for w in WORDS for m, r in places]),
        ("HTML list", [f"/instrumenten?{urllib.parse.urlencode({'q': w})}" for w in WORDS],
         [f"/bench/bench_instrument?{urllib.parse.urlencode([('_search', w), ('lifecycle__in', 'current,upcoming')] + facets)}"
          for w in WORDS]),
        ("instrument page", [f"/instrumenten/{s}" for s in slugs], [f"/bench/bench_instrument/{i}" for i in ids]),
        ("region harmonisation page", [f"/regios/{r}/harmonisatie" for r in regions[:8]], None),
    ], slugs


def cold_harmonisation(port: int, db_path: Path, path: str, slug: str) -> dict:
    """The harmonisation page on the first request after an edit (the matrix is recomputed and the page rendered
    again), after the follower has applied the edit (the ETag changes)."""
    import sqlite3
    import urllib.request

    def fetch():
        started = time.perf_counter()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=120) as response:
            response.read()
            return time.perf_counter() - started, response.headers["ETag"]

    _, before = fetch()
    conn = sqlite3.connect(db_path, timeout=30)
    conn.execute("UPDATE instrument SET name = name || ' ', version = version + 1 WHERE slug = ?", (slug,))
    conn.commit()
    conn.close()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        time.sleep(0.05)
        took, tag = fetch()
        if tag != before:
            return {"ms": took * 1000, "load_average": os.getloadavg()[0]}
    return {"ms": None, "load_average": os.getloadavg()[0]}


class EditStream:
    """One committed edit per second (a synthetic instrument renamed through SQL, logged by the change-log triggers and
    followed by both workers) while the block runs. With `probe_port`, the `probe`-th edit of the block renames to a
    word no instrument has, and a thread searches that word every 25 ms until an answer finds it: `visible_s`, the
    seconds from its commit (None: not within 10 s), measured under whatever load the block runs."""

    def __init__(self, db_path: Path, slugs: list[str], start: int = 0, probe_port: int | None = None,
                 probe: int = 2):
        self.db_path, self.slugs, self.done, self.start = db_path, slugs, [], start
        self.probe_port, self.probe, self.visible_s = probe_port, probe, None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._edit)
        self._prober: threading.Thread | None = None

    def _edit(self):
        import sqlite3
        import string

        conn = sqlite3.connect(self.db_path, timeout=30)
        n = self.start
        while not self._stop.wait(1.0):
            n += 1
            word = None
            if self.probe_port and len(self.done) == self.probe:
                word = "zicht" + "".join(random.choice(string.ascii_lowercase) for _ in range(8))
            conn.execute("UPDATE instrument SET name = ?, version = version + 1 WHERE slug = ?",
                         (f"[SYNTHETISCH] bewerking {n}" + (f" {word}" if word else ""),
                          self.slugs[n % len(self.slugs)]))
            conn.commit()
            if word:
                self._prober = threading.Thread(target=self._probe, args=(word, time.perf_counter()))
                self._prober.start()
            self.done.append(n)
        conn.close()

    def _probe(self, word: str, committed: float) -> None:
        while time.perf_counter() - committed < 10:
            if search_total(self.probe_port, word):
                self.visible_s = time.perf_counter() - committed
                return
            time.sleep(0.025)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        if self._prober is not None:
            self._prober.join()


EDITS_BASELINE = {  # see the docstring; p95 in ms
    100_000: {"JSON search @10": 11.7, "JSON search, 1 edit/s @10": 139.7, "JSON search, uncached @10": 718.0,
              "JSON search, uncached, 1 edit/s @10": 973.0, "visible_s": (0.14, 1.67)},
}


def search_total(port: int, word: str) -> int:
    import urllib.request

    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/instruments?q={word}", timeout=60) as response:
        return json.loads(response.read())["total"]


def settle(port: int, timeout: float = 60.0) -> None:
    """Waits until both workers have caught up with the last scenario's edits (12 searches in a row answer within
    0.3 s, then 2 s for the followers), so the visibility probes are not timed behind another scenario's backlog."""
    deadline = time.monotonic() + timeout
    row = 0
    while row < 12 and time.monotonic() < deadline:
        started = time.perf_counter()
        search_total(port, "proefplaatsing")
        row = row + 1 if time.perf_counter() - started < 0.3 else 0
        if not row:
            time.sleep(0.2)
    time.sleep(2.0)


def edit_visibility(port: int, db_path: Path, slug: str, rounds: int = 5, streak: int = 12) -> dict:
    """Seconds from committing an edit (an instrument renamed to a word no other instrument has) until the JSON search
    finds it: the first answer that does, and `streak` answers in a row on fresh connections (both workers). The
    probes search a word that is not in the index until the edit lands, so each worker first runs such a search once
    untimed (its spelling-correction bitsets are cold the first time)."""
    import sqlite3
    import string

    first, everywhere = [], []
    for _ in range(6):  # a word nobody has costs a cold "Bedoelde u ...?" search the first time per worker: not timed
        search_total(port, "zicht" + "".join(random.choice(string.ascii_lowercase) for _ in range(8)))
    for n in range(rounds):
        word = "zicht" + "".join(random.choice(string.ascii_lowercase) for _ in range(8))
        assert search_total(port, word) == 0
        conn = sqlite3.connect(db_path, timeout=30)
        conn.execute("UPDATE instrument SET name = ?, version = version + 1 WHERE slug = ?",
                     (f"[SYNTHETISCH] {word}", slug))
        conn.commit()
        conn.close()
        committed = time.perf_counter()
        seen_first, row = None, 0
        while row < streak and time.perf_counter() - committed < 30:
            if search_total(port, word):
                seen_first = seen_first or time.perf_counter() - committed
                row += 1
            else:
                row = 0
                time.sleep(0.01)
        first.append(seen_first)
        everywhere.append(time.perf_counter() - committed if row >= streak else None)
        time.sleep(0.5)
    return {"first_s": first, "all_workers_s": everywhere}


def interleaved(pid: int, port: int, paths, db_path: Path, slugs: list[str], rounds: int, window: float,
                cached: bool, rate: float | None = None) -> dict:
    """Windows of `window` seconds without and with one edit per second, alternating quiet/edits, edits/quiet, ...
    (`rounds` of each). A shared machine's load drifts over a minute by more than the edits cost; alternating short
    windows gives both conditions the same drift, and each edit window is compared with the quiet windows beside it.
    After an edit window the last edit is followed and (cached URLs) every page rendered again at the new position
    before the next window starts, so a quiet window does not pay for the edits before it."""
    windows: list[tuple[str, dict]] = []
    for n in range(rounds):
        for condition in (("quiet", "edits") if n % 2 == 0 else ("edits", "quiet")):
            if condition == "edits":
                with EditStream(db_path, slugs, start=len(windows) * 10) as edits:
                    result = measured(pid, port, paths, 10, window, keep_latencies=True, rate=rate)
                result["edits"] = len(edits.done)
                time.sleep(1.5)  # the last edit followed
                if cached:
                    warm(port, paths, rounds=2)
                load(port, paths, 10, 0.5)
            else:
                result = measured(pid, port, paths, 10, window, keep_latencies=True, rate=rate)
            windows.append((condition, result))
    return pooled(windows)


def pooled(windows: list[tuple[str, dict]]) -> dict:
    """Per condition: p50/p95/p99 over all its windows' latencies, requests/s, CPU per request and the writer's CPU per
    second; per edit window the ratio of its p95 to the mean p95 of the quiet windows next to it (paired: the same
    drift); the noise: pooled p95 of the odd against the even quiet windows."""
    out: dict = {}
    for condition in ("quiet", "edits"):
        mine = [r for c, r in windows if c == condition]
        latencies = [x for r in mine for x in r["latencies"]]
        requests, seconds = len(latencies), sum(r["seconds"] for r in mine)
        out[condition] = {
            **summary(latencies, sum(r["errors"] for r in mine), seconds),
            "cpu_ms_per_request": sum(r["cpu_ms_per_request"] * r["requests"] for r in mine) / max(requests, 1),
            "writer_cpu_ms_per_s": sum(r["writer_cpu_ms_per_s"] * r["seconds"] for r in mine) / seconds,
            "merger_cpu_ms_per_s": sum(r.get("merger_cpu_ms_per_s", 0.0) * r["seconds"] for r in mine) / seconds,
            "steal_ms_per_s": sum(r.get("steal_ms_per_s", 0.0) * r["seconds"] for r in mine) / seconds,
            "load_average": sum(r["load_average"] for r in mine) / len(mine),
            "window_p95_ms": [r["p95_ms"] for r in mine], "edits": sum(r.get("edits", 0) for r in mine)}
    paired = []
    for i, (condition, result) in enumerate(windows):
        if condition == "edits":
            beside = [r["p95_ms"] for c, r in windows[max(i - 1, 0):i + 2] if c == "quiet"]
            paired.append(result["p95_ms"] / (sum(beside) / len(beside)))
    out["paired_p95_ratios"] = paired
    quiet = [r for c, r in windows if c == "quiet"]
    halves = [pct([x for r in quiet[k::2] for x in r["latencies"]], 0.95) for k in (0, 1)]
    out["quiet_halves_p95_ms"] = [h * 1000 for h in halves]
    out["permutation"] = permutation_test(windows)
    return out


def permutation_test(windows: list[tuple[str, dict]]) -> dict:
    """Could the pooled p95 ratio edits/quiet be noise? If the edits changed nothing, which window of a round had them
    would not matter: swapping the two labels inside any set of rounds would give ratios like the one observed. Every
    one of the 2^rounds assignments (exact, not sampled) is computed; `p` is the share of them with a ratio at least the
    observed one (the observed assignment included, so p >= 1 / 2^rounds). A small p says the edits cost latency; a
    large one that this run cannot tell them from the machine's own drift."""
    rounds = [windows[k:k + 2] for k in range(0, len(windows) - 1, 2)]
    sides = [{c: r["latencies"] for c, r in pair} for pair in rounds]

    def ratio(mask: int) -> float:
        edits, quiet = [], []
        for n, side in enumerate(sides):
            a, b = (side["quiet"], side["edits"]) if mask >> n & 1 else (side["edits"], side["quiet"])
            edits += a
            quiet += b
        return pct(edits, 0.95) / max(pct(quiet, 0.95), 1e-12)

    ratios = [ratio(mask) for mask in range(2 ** len(sides))]
    observed = ratios[0]
    return {"rounds": len(sides), "observed": observed, "p": sum(r >= observed for r in ratios) / len(ratios),
            "null_median": pct(ratios, 0.5), "null_95": pct(ratios, 0.95)}


def run_edits(instruments: int, seconds: float, reuse: bool, rounds: int = 6, paced: float = 0.5) -> dict:
    """The edit-stream comparison alone (issue 17 3): JSON search p50/p95/p99 without and with one edit per second,
    for the cached URLs (12 words: an edit makes each worker compute again the answers it may have changed) and the
    uncached ones (4,104 URLs, nearly every request computed), in alternating windows (interleaved), and how long an
    edit takes to become visible. Each twice: at 10 connections that send their next request as soon as the last is
    answered (the machine saturated: every CPU millisecond an edit costs shows as latency), and with requests
    arriving at `paced` times the throughput measured at 10 connections (a service with headroom)."""
    db_path, _ = prepare(instruments, reuse)
    ours, port, _, processes = start_servers(db_path, with_datasette=False)
    results: dict = {"instruments": instruments, "rounds": rounds, "window_s": seconds, "paced": paced,
                     "scenarios": {}}
    try:
        cases, slugs = scenarios(db_path)
        for name, paths, _ in cases[:2]:
            cached = "uncached" not in name
            if cached:
                warm(port, paths)
            load(port, paths, 10, 1.0)  # settle
            results["scenarios"][f"{name} @10"] = saturated = interleaved(ours.pid, port, paths, db_path, slugs,
                                                                          rounds, seconds, cached)
            if paced:
                rate = paced * saturated["quiet"]["rps"]
                results["scenarios"][f"{name} @{rate:.0f}/s"] = interleaved(ours.pid, port, paths, db_path, slugs,
                                                                           rounds, seconds, cached, rate=rate)
        settle(port)
        results["visibility"] = edit_visibility(port, db_path, slugs[-1])
        results["worker_memory"] = worker_memory(ours.pid)
    finally:
        stop(processes)
    return results


def writer_pid(pid: int) -> int | None:
    """The index writer (`catalogue index follow`) among the server's children."""
    for child in Path("/proc").iterdir():
        try:
            if child.name.isdigit() and int((child / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid \
                    and b"index\x00follow" in (child / "cmdline").read_bytes():
                return int(child.name)
        except (OSError, IndexError, ValueError):
            continue
    return None


def set_priority(pid: int, priority: str) -> None:
    """Every thread of `pid` at `priority`: "idle" (SCHED_IDLE) or a niceness (SCHED_OTHER). Linux keeps the
    priority per thread; raising it again needs CAP_SYS_NICE (this bench runs as root)."""
    for task in Path(f"/proc/{pid}/task").iterdir():
        tid = int(task.name)
        try:
            if priority == "idle":
                os.sched_setscheduler(tid, os.SCHED_IDLE, os.sched_param(0))
            else:
                os.sched_setscheduler(tid, os.SCHED_OTHER, os.sched_param(0))
                os.setpriority(os.PRIO_PROCESS, tid, int(priority))
        except ProcessLookupError:
            continue  # a thread that ended meanwhile


def run_priorities(instruments: int, seconds: float, reuse: bool, rounds: int, paced: float,
                   priorities: list[str]) -> dict:
    """The cached JSON search with and without one edit per second, the index writer at each of `priorities` in turn
    (issue 17: does a lower priority for the writer keep the edits out of the search p95, and are edits still visible
    within 1 s when the machine is saturated?). Per round one window of each condition, the order rotating round by
    round (quiet, writer at the first priority, at the second, ...), at 10 connections and with requests arriving at
    `paced` times the quiet throughput. In every edit window one edit is probed: the seconds until a search finds it,
    under that window's load."""
    db_path, _ = prepare(instruments, reuse)
    ours, port, _, processes = start_servers(db_path, with_datasette=False)
    writer = writer_pid(ours.pid)
    if writer is None:
        raise SystemExit("no index writer among the server's processes")
    conditions = ["quiet"] + [f"writer {p}" for p in priorities]
    results: dict = {"instruments": instruments, "rounds": rounds, "window_s": seconds, "paced": paced,
                     "priorities": priorities, "scenarios": {}}
    try:
        cases, slugs = scenarios(db_path)
        paths = cases[0][1]
        for _ in range(6):  # each worker's first search for a word nobody has is cold: not in a probe
            search_total(port, "zicht" + "".join(random.choice("abcdefghij") for _ in range(8)))
        warm(port, paths)
        load(port, paths, 10, 1.0)
        rate = None
        for label in ("@10", "paced"):
            windows: list[tuple[str, dict]] = []
            for n in range(rounds):
                order = conditions[n % len(conditions):] + conditions[:n % len(conditions)]
                for condition in order:
                    if condition == "quiet":
                        result = measured(ours.pid, port, paths, 10, seconds, keep_latencies=True, rate=rate)
                    else:
                        set_priority(writer, condition.split(" ", 1)[1])
                        with EditStream(db_path, slugs, start=len(windows) * 10, probe_port=port) as edits:
                            result = measured(ours.pid, port, paths, 10, seconds, keep_latencies=True, rate=rate)
                        result["edits"], result["visible_s"] = len(edits.done), edits.visible_s
                        time.sleep(1.5)  # the last edit followed
                        warm(port, paths, rounds=2)
                        load(port, paths, 10, 0.5)
                    result["round"] = n
                    windows.append((condition, result))
            if rate is None:
                quiet = [r for c, r in windows if c == "quiet"]
                rate = paced * sum(r["requests"] for r in quiet) / sum(r["seconds"] for r in quiet)
            results["scenarios"][f"JSON search {label if label == '@10' else f'@{rate:.0f}/s'}"] = \
                by_condition(windows, conditions)
    finally:
        set_priority(writer, "5")
        stop(processes)
    return results


def by_condition(windows: list[tuple[str, dict]], conditions: list[str]) -> dict:
    """Per condition: p50/p95/p99 over its windows' latencies, requests/s, the workers', writer's and merger's CPU, the
    probed visibilities, and per round the ratio of its p95 to that round's quiet window."""
    out: dict = {}
    quiet_p95 = {r["round"]: r["p95_ms"] for c, r in windows if c == "quiet"}
    for condition in conditions:
        mine = [r for c, r in windows if c == condition]
        latencies = [x for r in mine for x in r["latencies"]]
        seconds = sum(r["seconds"] for r in mine)
        out[condition] = {
            **summary(latencies, sum(r["errors"] for r in mine), seconds),
            "cpu_ms_per_request": sum(r["cpu_ms_per_request"] * r["requests"] for r in mine) / max(len(latencies), 1),
            "writer_cpu_ms_per_s": sum(r["writer_cpu_ms_per_s"] * r["seconds"] for r in mine) / seconds,
            "merger_cpu_ms_per_s": sum(r["merger_cpu_ms_per_s"] * r["seconds"] for r in mine) / seconds,
            "steal_ms_per_s": sum(r["steal_ms_per_s"] * r["seconds"] for r in mine) / seconds,
            "paired_p95_ratios": [r["p95_ms"] / quiet_p95[r["round"]] for r in mine],
            "visible_s": [r.get("visible_s") for r in mine] if condition != "quiet" else None}
    return out


def report_priorities(results: dict) -> None:
    print(f"\n{results['instruments']} instruments, cached JSON search, one edit per second with the index writer at "
          f"{' / '.join(results['priorities'])} against none: {results['rounds']} rounds of one {results['window_s']:.0f}"
          f" s window per condition (order rotating; baseline: each round's quiet window)")
    print(f"{'scenario, condition':34} {'req/s':>7} {'p50':>7} {'p95':>7} {'p99':>7} {'cpu/req':>8} {'writer':>7} "
          f"{'merger':>7} {'steal':>6}   p95/quiet per round (median, range)   visible after (s)   (steal: CPU ms per s "
          "the host gave other guests)")
    shown = lambda values: ", ".join("-" if v is None else f"{v:.2f}" for v in values)  # noqa: E731
    for name, entry in results["scenarios"].items():
        for condition, o in entry.items():
            paired = sorted(o["paired_p95_ratios"])
            extra = "" if condition == "quiet" else (
                f"   {pct(paired, 0.5):.2f}x ({paired[0]:.2f}-{paired[-1]:.2f})   {shown(o['visible_s'])}")
            print(f"{name + ', ' + condition:34} {o['rps']:>7.0f} {o['p50_ms']:>6.1f}m {o['p95_ms']:>6.1f}m "
                  f"{o['p99_ms']:>6.1f}m {o['cpu_ms_per_request']:>6.2f}ms {o['writer_cpu_ms_per_s']:>5.0f}ms "
                  f"{o['merger_cpu_ms_per_s']:>5.0f}ms {o['steal_ms_per_s']:>4.0f}ms{extra}" + (f"  errors {o['errors']}" if o["errors"] else ""))


def memory_text(results: dict) -> str:
    """Each worker's anonymous and file-backed memory, in MB."""
    return ", ".join(f"anon {m.get('RssAnon', 0):.0f} + file {m.get('RssFile', 0):.0f}"
                     for m in results.get("worker_memory", []))


def report_edits(results: dict) -> None:
    print(f"\n{results['instruments']} instruments, one edit per second against none: {results['rounds']} windows of "
          f"{results['window_s']:.0f} s each, alternating (baseline: the quiet windows); load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (shared machine)")
    print(f"{'scenario':44} {'req/s':>7} {'p50':>7} {'p95':>7} {'p99':>7} {'cpu/req':>8} {'writer':>7} {'merger':>7} "
          f"{'load':>5} {'steal':>6}   ratio p50/p95/p99   (cpu/req: every server process but the merger; writer: the "
          "index writer's CPU ms per s; merger: its merger's, at idle priority; steal: CPU ms per s the host gave other "
          "guests)")
    baseline = EDITS_BASELINE.get(results["instruments"], {})
    for name, entry in results["scenarios"].items():
        quiet, edits = entry["quiet"], entry["edits"]
        base, _, at = name.partition(" @")
        for label, o in ((name, quiet), (f"{base}, 1 edit/s @{at}", edits)):
            ratio = "  " + " / ".join(f"{o[k] / max(quiet[k], 1e-9):.2f}x" for k in ("p50_ms", "p95_ms", "p99_ms")) \
                if o is edits else ""
            print(f"{label:44} {o['rps']:>7.0f} {o['p50_ms']:>6.1f}m {o['p95_ms']:>6.1f}m {o['p99_ms']:>6.1f}m "
                  f"{o['cpu_ms_per_request']:>6.1f}ms {o['writer_cpu_ms_per_s']:>5.0f}ms "
                  f"{o.get('merger_cpu_ms_per_s', 0.0):>5.0f}ms {o['load_average']:>5.1f} "
                  f"{o.get('steal_ms_per_s', 0.0):>4.0f}ms{ratio}"
                  + (f"  errors {o['errors']}" if o["errors"] else ""))
        paired = sorted(entry["paired_p95_ratios"])
        halves = entry["quiet_halves_p95_ms"]
        old = ""
        if f"{base}, 1 edit/s @10" in baseline and at == "10":
            old = (f"; baseline (main before edit-stream2, idle machine) {baseline[f'{base} @10']:.1f} -> "
                   f"{baseline[f'{base}, 1 edit/s @10']:.1f} ms, "
                   f"{baseline[f'{base}, 1 edit/s @10'] / baseline[f'{base} @10']:.2f}x")
        print(f"  p95 with / without edits: {edits['p95_ms'] / max(quiet['p95_ms'], 1e-9):.2f}x pooled; per edit "
              f"window against the quiet windows beside it: median {pct(paired, 0.5):.2f}x (range {paired[0]:.2f}-"
              f"{paired[-1]:.2f}); noise: the odd and the even quiet windows differ "
              f"{max(halves) / max(min(halves), 1e-9):.2f}x{old}")
        test = entry.get("permutation")
        if test:
            print(f"  permutation test (quiet/edits swapped inside any of the {test['rounds']} rounds, all "
                  f"{2 ** test['rounds']} ways): {test['observed']:.2f}x or more in p = {test['p']:.3f} of them "
                  f"(their median {test['null_median']:.2f}x, 95th percentile {test['null_95']:.2f}x)")
    vis = results["visibility"]
    shown = lambda values: ", ".join("-" if v is None else f"{v:.2f}" for v in values)  # noqa: E731
    print(f"edit visible in JSON search after (s): first answer {shown(vis['first_s'])}; in every worker "
          f"{shown(vis['all_workers_s'])} (target <= 1 s at 100,000)")
    print(f"memory per worker (MB): {memory_text(results)}")


def run(instruments: int, seconds: float, connections: list[int], reuse: bool, with_datasette: bool = True) -> dict:
    db_path, build_seconds = prepare(instruments, reuse)
    ours, port, ds_port, processes = start_servers(db_path, with_datasette)
    results: dict = {"instruments": instruments, "index_build_seconds": build_seconds, "scenarios": {}}
    try:
        cases, slugs = scenarios(db_path)
        for name, ours_paths, ds_paths in cases:
            if "uncached" not in name:
                warm(port, ours_paths)  # every worker renders each page once at this position
            for n in connections:
                entry = {"ours": measured(ours.pid, port, ours_paths, n, seconds)}
                if ds_paths and ds_port:
                    load(ds_port, ds_paths, 2, 1.0)
                    entry["datasette"] = measured(None, ds_port, ds_paths, n, seconds)
                    entry["ratio_rps"] = entry["ours"]["rps"] / max(entry["datasette"]["rps"], 1e-9)
                results["scenarios"][f"{name} @{n}"] = entry
        # search latency while one edit per second is committed (each one followed incrementally by both workers)
        with EditStream(db_path, slugs) as edits:
            results["scenarios"]["JSON search, 1 edit/s @10"] = {
                "ours": measured(ours.pid, port, cases[0][1], 10, max(seconds, 6))}
        results["edits_during_search"] = len(edits.done)
        tags = {f"/instrumenten/{s}": etag(port, f"/instrumenten/{s}") for s in slugs[:1]}
        path, tag = next(iter(tags.items()))
        for n in connections:
            results["scenarios"][f"cached page (304) @{n}"] = {"ours": measured(ours.pid, port, [path], n, seconds,
                                                                                  {"If-None-Match": tag})}
        results["harmonisation_cold"] = cold_harmonisation(port, db_path, cases[-1][1][0], slugs[0])
        results["worker_rss_mb"] = rss_mb(ours.pid)
        results["worker_memory"] = worker_memory(ours.pid)
    finally:
        stop(processes)
    return results


def report(results: dict) -> None:
    print(f"\n{results['instruments']} instruments; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
          f"(shared machine); largest worker RSS {results['worker_rss_mb']:.0f} MB ("
          + memory_text(results) + " MB per worker; file = the mapped index, shared)")
    print(f"{'scenario':34} {'ours req/s':>10} {'p50':>7} {'p95':>7} {'p99':>7} {'cpu/req':>8} {'load':>5} "
          f"{'ds req/s':>9} {'ds p99':>7} {'ratio':>6}")
    for name, entry in results["scenarios"].items():
        o, d = entry["ours"], entry.get("datasette")
        print(f"{name:34} {o['rps']:>10.0f} {o['p50_ms']:>6.0f}m {o['p95_ms']:>6.0f}m {o['p99_ms']:>6.0f}m "
              f"{o['cpu_ms_per_request']:>6.1f}ms {o['load_average']:>5.1f} "
              + (f"{d['rps']:>9.1f} {d['p99_ms']:>6.0f}m {entry['ratio_rps']:>5.1f}x" if d else f"{'-':>9} {'-':>7} {'-':>6}")
              + (f"  errors {o['errors']}" if o["errors"] else ""))
    cold = results.get("harmonisation_cold") or {}
    if cold.get("ms") is not None:
        print(f"region harmonisation page, first request after an edit (matrix recomputed, page rendered): "
              f"{cold['ms']:.0f} ms (load average {cold['load_average']:.1f})")
    print("targets: JSON search >= 3 x Datasette req/s at 10 and 50 connections; region harmonisation p95 <= 150 ms @10; "
          "cached pages (304) >= 300 req/s; worker RSS <= 400 MB at 100,000")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instruments", type=lambda v: [int(n) for n in v.split(",")], default=[20_000],
                        help="how many (with --edits a comma-separated list, e.g. 20000,100000)")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", default="10,50")
    parser.add_argument("--reuse", action="store_true", help="reuse bench/out/load-N.sqlite if it exists")
    parser.add_argument("--growth", action="store_true", help="also measure 100,000 instruments and print the ratios")
    parser.add_argument("--growth-from", metavar="JSON",
                        help="take the small run from this earlier output (bench/out/load_bench.json) instead of "
                             "running it again; implies --growth")
    parser.add_argument("--rounds", type=int, default=6,
                        help="with --edits: how many windows of --seconds each condition gets (alternating)")
    parser.add_argument("--paced", type=float, default=0.5,
                        help="with --edits: also with requests arriving at this fraction of the throughput measured "
                             "at 10 connections (0: not)")
    parser.add_argument("--edits", action="store_true",
                        help="only the edit-stream comparison: JSON search with and without one edit per second, and "
                             "how long an edit takes to become visible (bench/out/load_edits-N.json)")
    parser.add_argument("--writer-priority", metavar="LIST",
                        help="only the cached JSON search with one edit per second, the index writer at each of these "
                             "priorities in turn (a niceness or 'idle', e.g. 5,idle), against none "
                             "(bench/out/load_priorities-N.json); changes the writer's priority while it runs: as root")
    args = parser.parse_args()
    if args.rounds < 2:
        parser.error("--rounds must be at least 2 (the noise compares the odd quiet windows with the even ones)")
    OUT.mkdir(parents=True, exist_ok=True)
    if args.writer_priority:
        for count in args.instruments:
            results = run_priorities(count, args.seconds, args.reuse, args.rounds, args.paced,
                                     args.writer_priority.split(","))
            report_priorities(results)
            (OUT / f"load_priorities-{count}.json").write_text(json.dumps(results, indent=2))
        return
    if args.edits:
        for count in args.instruments:  # e.g. --instruments 20000,100000: each, one after the other
            results = run_edits(count, args.seconds, args.reuse, args.rounds, args.paced)
            report_edits(results)
            (OUT / f"load_edits-{count}.json").write_text(json.dumps(results, indent=2))
        return
    args.instruments = args.instruments[0]
    connections = [int(c) for c in args.connections.split(",")]
    if args.growth_from:
        first = json.loads(Path(args.growth_from).read_text())["first"]
        args.growth = True
        print(f"small run taken from {args.growth_from} ({first['instruments']} instruments)")
    else:
        first = run(args.instruments, args.seconds, connections, args.reuse)
    report(first)
    out = {"first": first}
    if args.growth:
        big = run(100_000, args.seconds, [10], args.reuse, with_datasette=False)
        report(big)
        out["growth"] = big
        builds = (f"{big['index_build_seconds'] / first['index_build_seconds']:.1f}x"
                  if big["index_build_seconds"] == big["index_build_seconds"] and first["index_build_seconds"] > 0
                  else "reused (bench/build_bench.py times it)")
        print(f"\ngrowth {first['instruments']} -> {big['instruments']}: index build {builds}, worker RSS "
              f"{big['worker_rss_mb'] / max(first['worker_rss_mb'], 1):.1f}x ({big['worker_rss_mb']:.0f} MB, target <= 400)")
        for name, entry in big["scenarios"].items():
            small = first["scenarios"].get(name)
            if small:
                print(f"  {name:32} p95 {small['ours']['p95_ms']:.0f} -> {entry['ours']['p95_ms']:.0f} ms "
                      f"({entry['ours']['p95_ms'] / max(small['ours']['p95_ms'], 1e-9):.1f}x)")
    (OUT / "load_bench.json").write_text(json.dumps(out, indent=2))
    print(f"written to {OUT / 'load_bench.json'}")


if __name__ == "__main__":
    main()
