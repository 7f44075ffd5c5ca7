"""Index build time on the synthetic catalogues of bench/load_bench.py (bench/out/load-N.sqlite; built when missing).

    .venv/bin/python bench/build_bench.py [--instruments 20000,100000] [--baseline]

Builds the index of each catalogue into bench/out/index-N exactly as a node does (follower.rebuild_index: one process,
the change-log position stored with it, so bench/load_bench.py --reuse serves it), and prints wall-clock seconds, CPU
seconds (not inflated by other processes on this shared machine) and the load average, and the growth ratio.
--baseline also times the old path on the first size, into a scratch directory: whoosh's own writer (tuple posting
pool spilled to run files, field lengths read per posting) with the plain analyzer chains and TEXT fields, which is
what the build did before (45.8 s CPU at 20,000). Targets (issue 17): <= 30 s at 20,000 and <= 150 s at 100,000.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
TARGETS = {20_000: 30.0, 100_000: 150.0}


def database(instruments: int) -> Path:
    path = OUT / f"load-{instruments}.sqlite"
    if not path.exists():
        from search_bench import denormalise
        from synthetic import build

        figures = build(f"sqlite:///{path}", instruments)
        denormalise(path)
        print(f"synthetic catalogue: {instruments} instruments in {figures['seconds']:.1f} s ({path})")
    return path


def cpu_seconds() -> float:
    import resource

    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def ours(instruments: int) -> dict:
    from catalogue.db import Database
    from catalogue.search.engine import SearchEngine
    from catalogue.search.follower import rebuild_index

    db = Database(f"sqlite:///{database(instruments)}")
    engine = SearchEngine(OUT / f"index-{instruments}")
    with db.session_factory() as session:
        figures = rebuild_index(engine, session)
    db.engine.dispose()
    return {"seconds": figures["seconds"], "cpu_seconds": figures["cpu_seconds"], "documents": figures["documents"],
            "load_average": os.getloadavg()[0]}


def baseline(instruments: int) -> dict:
    """The old path: whoosh's writer, analyzer chains and TEXT fields, documents read the same way."""
    from whoosh import index as whoosh_index

    from catalogue.db import Database
    from catalogue.search.index import SCHEMA, documents_from_sql
    from catalogue.search.onepass import whoosh_equivalent

    target = OUT / f"baseline-index-{instruments}"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    db = Database(f"sqlite:///{database(instruments)}")
    started, cpu = time.perf_counter(), cpu_seconds()
    ix = whoosh_index.create_in(str(target), whoosh_equivalent(SCHEMA))
    writer = ix.writer(limitmb=256)
    count = 0
    with db.session_factory() as session:
        for doc in documents_from_sql(session):
            writer.add_document(**doc)
            count += 1
    writer.commit(optimize=True)
    ix.close()
    figures = {"seconds": time.perf_counter() - started, "cpu_seconds": cpu_seconds() - cpu, "documents": count,
               "load_average": os.getloadavg()[0]}
    shutil.rmtree(target, ignore_errors=True)
    db.engine.dispose()
    return figures


def line(label: str, f: dict) -> str:
    return (f"{label:44} {f['documents']:>7} documents  {f['seconds']:7.1f} s wall  {f['cpu_seconds']:7.1f} s CPU  "
            f"(load average {f['load_average']:.1f} on {os.cpu_count()} cores)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instruments", default="20000,100000")
    parser.add_argument("--baseline", action="store_true", help="also time the old path on the first size")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    sizes = [int(n) for n in args.instruments.split(",")]
    results = {}
    for n in sizes:
        results[n] = ours(n)
        target = TARGETS.get(n)
        verdict = "" if target is None else (f"  target <= {target:.0f} s: wall {'met' if results[n]['seconds'] <= target else 'NOT met'}"
                                             f", CPU {'met' if results[n]['cpu_seconds'] <= target else 'NOT met'}")
        print(line(f"index build, {n} instruments", results[n]) + verdict, flush=True)
    if args.baseline:
        old = baseline(sizes[0])
        print(line(f"baseline (old path), {sizes[0]} instruments", old), flush=True)
        new = results[sizes[0]]
        print(f"old path / ours at {sizes[0]}: wall {old['seconds'] / new['seconds']:.1f}x, "
              f"CPU {old['cpu_seconds'] / new['cpu_seconds']:.1f}x")
    if len(sizes) > 1:
        a, b = results[sizes[0]], results[sizes[-1]]
        print(f"growth {sizes[0]} -> {sizes[-1]}: wall {b['seconds'] / a['seconds']:.1f}x, "
              f"CPU {b['cpu_seconds'] / a['cpu_seconds']:.1f}x (documents {b['documents'] / a['documents']:.1f}x)")


if __name__ == "__main__":
    main()
