"""Keeping the monthly tallies the dashboards read: added to when events are written, rebuilt from the events on
demand, pruned with them."""
from __future__ import annotations

from collections import Counter

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ..models import GapTally, SearchEvent, SearchTally


def outcome(result_count: int, ended_count: int) -> str:
    if result_count > 0:
        return "found"
    return "ended" if ended_count > 0 else "zero"


def _upsert(session: Session, model, keys: tuple[str, ...], counts: Counter) -> None:
    if not counts:
        return
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    rows = [dict(zip(keys, key), n=n) for key, n in sorted(counts.items())]
    stmt = insert(model).values(rows)
    session.execute(stmt.on_conflict_do_update(index_elements=list(keys), set_={"n": model.n + stmt.excluded.n}))


def add(session: Session, events: list[dict]) -> None:
    queries: Counter = Counter()
    gaps: Counter = Counter()
    for e in events:
        region = e.get("region_code") or ""
        queries[(e["month"], region, e["query"], outcome(e["result_count"], e["ended_count"]))] += 1
        if e["result_count"] == 0 and e.get("municipality_code") and (e["kinds"] or e["target_groups"]):
            gaps[(e["month"], region, e["municipality_code"], e["kinds"], e["target_groups"])] += 1
    for start in range(0, max(len(queries), len(gaps)), 500):  # bounded statement size
        _upsert(session, SearchTally, ("month", "region_code", "query", "outcome"),
                Counter(dict(list(queries.items())[start:start + 500])))
        _upsert(session, GapTally, ("month", "region_code", "municipality_code", "kinds", "target_groups"),
                Counter(dict(list(gaps.items())[start:start + 500])))


def rebuild(session: Session) -> None:
    """Tallies from the events (after a bulk load, or if they were ever lost)."""
    session.execute(delete(SearchTally))
    session.execute(delete(GapTally))
    batch = 50_000
    columns = (SearchEvent.month, SearchEvent.region_code, SearchEvent.query, SearchEvent.result_count,
               SearchEvent.ended_count, SearchEvent.municipality_code, SearchEvent.kinds, SearchEvent.target_groups)
    last_id = 0
    while True:
        rows = session.execute(select(SearchEvent.id, *columns).where(SearchEvent.id > last_id)
                               .order_by(SearchEvent.id).limit(batch)).all()
        if not rows:
            break
        last_id = rows[-1][0]
        add(session, [dict(zip(("month", "region_code", "query", "result_count", "ended_count", "municipality_code",
                                "kinds", "target_groups"), r[1:])) for r in rows])
    session.commit()


def prune(session: Session, first_month: str) -> None:
    session.execute(delete(SearchTally).where(SearchTally.month < first_month))
    session.execute(delete(GapTally).where(GapTally.month < first_month))
