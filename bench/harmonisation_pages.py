"""One child run of `bench/harmonisation_bench.py --pages` (not run by itself): the national overview and a region page
through the web app (Flask test client, page cache off, the follower inside requests, background computation off so a
cold page computes in the request as on main), on one code tree and one synthetic catalogue. Prints one JSON line.

    python bench/harmonisation_pages.py CODE_ROOT DATABASE INDEX_DIR REPEAT

Measures per request the wall-clock and CPU time (the process is single-threaded here) and the process's RSS:
- cold: nothing computed yet (main: the result cache emptied; this branch: no snapshot, so the whole catalogue is read);
- cold matrix (region page): the catalogue's inputs in memory, the matrix not (this branch only; on main = cold);
- warm: the same page again at the same change-log position;
- after one edit: a gemeente's instrument in the region changed and followed, then the page; also after an edit of a
  national provider's (UWV) instrument, which touches every region;
- as served (this branch): the national overview with the computation in the background, asked every 0.5 s: how long
  each 202 took and when the 200 came.
The edits are undone at the end (the catalogue and its index stay in step: both are followed).
"""
from __future__ import annotations

import gc
import json
import os
import sys
import tempfile
import time

code_root, database, index_dir, repeat = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
sys.path.insert(0, code_root)
os.environ["CATALOGUE_INSTANCE_DIR"] = tempfile.mkdtemp(prefix="harmonisation-bench-")

from sqlalchemy import func, select  # noqa: E402

import catalogue  # noqa: E402
from catalogue import create_app  # noqa: E402
from catalogue.models import Instrument, Municipality, Provider, Region, instrument_municipality  # noqa: E402

assert catalogue.__file__.startswith(code_root), catalogue.__file__


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


app = create_app({"DATABASE_URL": f"sqlite:///{database}", "SECRET_KEY": "bench", "INDEX_DIR": index_dir,
                  "SEARCH_FOLLOW": "request", "PAGE_CACHE": False, "HARMONISATION_BACKGROUND": False})
client = app.test_client()
db = app.extensions["catalogue_db"]
out: dict = {"load_start": os.getloadavg()[0]}


def clear(matrices_only: bool = False) -> None:
    from catalogue.web.http_cache import position_cache

    position_cache.clear()
    live = app.extensions.get("harmonisation_live")
    if live is not None:
        if matrices_only:
            for snapshot in live._snapshots.values():
                snapshot._matrices.clear()
        else:
            live.clear()
    gc.collect()


def timed(path: str) -> tuple[float, float]:
    started, cpu = time.perf_counter(), time.process_time()
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    response.close()
    return (time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000


def series(name: str, path: str, n: int, before=None) -> None:
    wall, cpu = [], []
    for _ in range(n):
        if before is not None:
            before()
        w, c = timed(path)
        wall.append(w)
        cpu.append(c)
    out[name] = {"wall": wall, "cpu": cpu, "rss": rss_mb()}


def sync() -> None:
    assert client.get("/api/v1/kinds").status_code == 200  # the follower applies the edit (search's part, not timed)


with db.session() as session:
    out["instruments"] = session.scalar(select(func.count()).select_from(Instrument))
    sizes = session.execute(select(Municipality.region_id, func.count()).group_by(Municipality.region_id)).all()
    region_id = max(sizes, key=lambda r: r[1])[0]
    region = session.get(Region, region_id)
    slug, out["region"] = region.slug, f"{region.code} ({max(s for _, s in sizes)} gemeenten)"
    local_id = session.scalar(select(Instrument.id).join(instrument_municipality).join(
        Municipality, Municipality.id == instrument_municipality.c.municipality_id).where(
        Municipality.region_id == region_id, Instrument.reach == "lokaal", Instrument.status == "published")
        .order_by(Instrument.id).limit(1))
    uwv_id = session.scalar(select(Instrument.id).join(Provider).where(Provider.type == "uwv",
                                                                       Instrument.status == "published")
                            .order_by(Instrument.id).limit(1))
    originals = {iid: session.get(Instrument, iid).decision_period_weeks for iid in (local_id, uwv_id)}

flip = {"n": 0}


def edit(iid: int):
    def run() -> None:
        with db.session() as session:
            item = session.get(Instrument, iid)
            flip["n"] += 1
            item.decision_period_weeks = (originals[iid] or 4) + (flip["n"] % 2) + 1
            session.commit()
        sync()
    return run


NATIONAL, REGION = "/harmonisatie", f"/regios/{slug}/harmonisatie"
sync()  # the follower's first round (facet table) before anything is timed
out["rss_start"] = rss_mb()
series("national_cold", NATIONAL, max(2, repeat // 5), before=clear)
series("national_warm", NATIONAL, repeat)
series("national_edit", NATIONAL, max(3, repeat // 3), before=edit(local_id))
series("national_edit_uwv", NATIONAL, max(2, repeat // 5), before=edit(uwv_id))
series("region_cold", REGION, max(2, repeat // 5), before=clear)
if app.extensions.get("harmonisation_live") is not None:
    series("region_cold_matrix", REGION, max(2, repeat // 5), before=lambda: clear(matrices_only=True))
series("region_warm", REGION, repeat)
series("region_edit", REGION, max(3, repeat // 3), before=edit(local_id))
series("region_edit_uwv", REGION, max(2, repeat // 5), before=edit(uwv_id))
if app.extensions.get("harmonisation_live") is not None:  # as served: computed in the background, 202 meanwhile
    from catalogue.harmonisation.live import LiveHarmonisation

    app.extensions["harmonisation_live"] = LiveHarmonisation(db.session_factory, background=True)
    gc.collect()
    answers, started = [], time.perf_counter()
    while True:
        t, c = time.perf_counter(), time.process_time()
        response = client.get(NATIONAL)
        answers.append(((time.perf_counter() - t) * 1000, response.status_code))
        response.close()
        if response.status_code != 202 or time.perf_counter() - started > 120:
            break
        time.sleep(0.5)
    out["background"] = {"until_200_s": time.perf_counter() - started, "answers": answers}
out["rss_end"] = rss_mb()
clear()
out["rss_cleared"] = rss_mb()  # after dropping every computed result: what the heap keeps (fragmentation)
with db.session() as session:
    for iid, value in originals.items():
        session.get(Instrument, iid).decision_period_weeks = value
    session.commit()
sync()
out["load_end"] = os.getloadavg()[0]
print(json.dumps(out))
