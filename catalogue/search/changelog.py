"""The change log (table index_change): the triggers that write it and the queries that read it. No Flask.

Triggers write one row per changed row of the tables the index and facet table are made of, inside the changing
transaction: committed changes are always logged, rolled-back ones never, and SQL run beside the application (a
migration, a fix in psql, a bulk load) is caught like an edit in the app. On PostgreSQL every logged change also sends
`NOTIFY index_change` (delivered at commit), which wakes the followers at once.

Ids are the followers' cursors. On PostgreSQL a transaction can commit after a later one (ids are taken at insert
time), so a follower remembers the ids it has not seen below its cursor ("holes") and asks for them again for
HOLE_SECONDS before treating them as rolled back; on SQLite writers are serialised and ids are in commit order.

`install_triggers` is idempotent; `catalogue init` runs it after the migrations, so a later migration that rebuilds a
table (SQLite batch mode drops and recreates it, and its triggers with it) cannot silently switch the log off.
"""
from __future__ import annotations

import functools
from datetime import datetime, timedelta, timezone

from sqlalchemy import bindparam, delete, func, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from ..models import IndexChange, Instrument, Provider, instrument_municipality, instrument_region, instrument_term

CHANNEL = "index_change"
HOLE_SECONDS = 120.0
HOLE_WINDOW = 1000  # ids skipped further below a new entry than this are not waited for
RETENTION = timedelta(days=7)

# table -> (entity written to the log, the column holding its id, operations)
TRACKED = {
    "instrument": ("instrument", "id", ("INSERT", "UPDATE", "DELETE")),
    "instrument_term": ("instrument", "instrument_id", ("INSERT", "UPDATE", "DELETE")),
    "instrument_region": ("instrument", "instrument_id", ("INSERT", "UPDATE", "DELETE")),
    "instrument_municipality": ("instrument", "instrument_id", ("INSERT", "UPDATE", "DELETE")),
    "parameter_value": ("instrument", "instrument_id", ("INSERT", "UPDATE", "DELETE")),  # dated amounts (pages, caches)
    "provider": ("provider", "id", ("UPDATE",)),
    "instrument_kind": ("kind", "id", ("UPDATE",)),
    "taxonomy_term": ("term", "id", ("UPDATE",)),
    "region": ("region", "id", ("UPDATE",)),
    "municipality": ("municipality", "id", ("UPDATE",)),
}

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION index_change_log() RETURNS trigger AS $$
DECLARE
    row_id integer;
BEGIN
    IF TG_OP = 'DELETE' THEN
        row_id := (to_jsonb(OLD) ->> TG_ARGV[1])::integer;
    ELSE
        row_id := (to_jsonb(NEW) ->> TG_ARGV[1])::integer;
    END IF;
    INSERT INTO index_change (entity, entity_id, op, changed_at)
        VALUES (TG_ARGV[0], row_id, lower(TG_OP), clock_timestamp());
    PERFORM pg_notify('index_change', '');
    RETURN NULL;
END
$$ LANGUAGE plpgsql
"""


def _trigger_name(table: str, op: str | None = None) -> str:
    return f"{table}_index_change" + (f"_{op.lower()}" if op else "")


def install_triggers(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text(_PG_FUNCTION))
        for table, (entity, column, ops) in TRACKED.items():
            name = _trigger_name(table)
            conn.execute(text(f"DROP TRIGGER IF EXISTS {name} ON {table}"))
            when = " WHEN (to_jsonb(OLD) IS DISTINCT FROM to_jsonb(NEW))" if ops == ("UPDATE",) else ""
            conn.execute(text(
                f"CREATE TRIGGER {name} AFTER {' OR '.join(ops)} ON {table} FOR EACH ROW{when} "
                f"EXECUTE FUNCTION index_change_log('{entity}', '{column}')"))
        return
    for table, (entity, column, ops) in TRACKED.items():
        for op in ops:
            ref = "OLD" if op == "DELETE" else "NEW"
            conn.execute(text(
                f"CREATE TRIGGER IF NOT EXISTS {_trigger_name(table, op)} AFTER {op} ON {table} BEGIN "
                f"INSERT INTO index_change (entity, entity_id, op, changed_at) "
                f"VALUES ('{entity}', {ref}.{column}, '{op.lower()}', strftime('%Y-%m-%d %H:%M:%f', 'now')); END"))


def drop_triggers(conn: Connection) -> None:
    for table, (_, _, ops) in TRACKED.items():
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"DROP TRIGGER IF EXISTS {_trigger_name(table)} ON {table}"))
        else:
            for op in ops:
                conn.execute(text(f"DROP TRIGGER IF EXISTS {_trigger_name(table, op)}"))
    if conn.dialect.name == "postgresql":
        conn.execute(text("DROP FUNCTION IF EXISTS index_change_log()"))


def head(session: Session) -> int:
    """The newest id in the log (0 when empty)."""
    return session.scalar(select(func.coalesce(func.max(IndexChange.id), 0))) or 0


def changed_at(session: Session, entry_id: int) -> datetime | None:
    return session.scalar(select(IndexChange.changed_at).where(IndexChange.id == entry_id)) if entry_id else None


def oldest(session: Session) -> int | None:
    return session.scalar(select(func.min(IndexChange.id)))


def read(session: Session, after: int, holes: set[int] | frozenset = frozenset(), limit: int = 5000) \
        -> list[tuple[int, str, int | None, datetime | None]]:
    """Entries after the cursor (and any of the holes that have appeared since), oldest first. Two queries: as one
    (`id > cursor OR id IN holes`) SQLite scanned the whole log (23 ms at 500,000 entries, every round while a hole
    was waited for)."""
    entries = [tuple(r) for r in session.execute(_read_statement("after"), {"after": after, "limit": limit})]
    if holes:
        found = [tuple(r) for r in session.execute(_read_statement("holes"), {"holes": sorted(holes), "after": after})]
        if found:
            entries = sorted(found + entries, key=lambda entry: entry[0])
    return entries


@functools.lru_cache(maxsize=2)
def _read_statement(which: str):
    """`read`'s queries, made once (every follower runs them several times a second: building one cost ~0.07 ms)."""
    columns = select(IndexChange.id, IndexChange.entity, IndexChange.entity_id, IndexChange.changed_at)
    if which == "holes":
        return columns.where(IndexChange.id.in_(bindparam("holes", expanding=True)),
                             IndexChange.id <= bindparam("after"))
    return columns.where(IndexChange.id > bindparam("after")).order_by(IndexChange.id).limit(bindparam("limit"))


def advance(cursor: int, holes: dict[int, float], entries, now: float) -> int:
    """A follower's cursor after `entries` (read after `cursor` or among `holes`, oldest first). `holes` (id -> when
    first missed) is updated in place: holes waited for longer than HOLE_SECONDS are dropped (rolled back), each entry
    read leaves them, and the ids skipped below a new entry (at most HOLE_WINDOW back) join them."""
    for hole, since in list(holes.items()):
        if now - since > HOLE_SECONDS:
            del holes[hole]
    for entry in entries:
        entry_id = entry[0]
        holes.pop(entry_id, None)
        if entry_id > cursor:
            for missing in range(max(cursor + 1, entry_id - HOLE_WINDOW), entry_id):
                holes[missing] = now
            cursor = entry_id
    return cursor


def recent_holes(session: Session, cursor: int, window: int = HOLE_WINDOW) -> set[int]:
    """Ids below the cursor that are not (yet) in the log: transactions still running when the cursor was taken."""
    present = set(session.scalars(select(IndexChange.id).where(IndexChange.id > cursor - window,
                                                               IndexChange.id <= cursor)))
    first = max(1, cursor - window + 1)
    return {i for i in range(first, cursor + 1) if i not in present} if present else set()


def is_gap(session: Session, cursor: int) -> bool:
    """True when the log cannot bring a follower at `cursor` up to date, so it must rebuild: entries after the cursor
    have been pruned, or the cursor is past the log's head (the database was restored from an older backup, and new
    ids will repeat ones the follower has already passed)."""
    first, last = oldest(session), head(session)
    return (first is not None and cursor < first - 1 and cursor < last) or cursor > last


def prune(session: Session, retention: timedelta = RETENTION) -> int:
    """Deletes entries older than the retention, always keeping the newest (so ids keep rising on every database)."""
    newest = head(session)
    cutoff = datetime.now(timezone.utc) - retention
    if session.get_bind().dialect.name == "sqlite":
        cutoff = cutoff.replace(tzinfo=None)
    result = session.execute(delete(IndexChange).where(IndexChange.changed_at < cutoff, IndexChange.id < newest))
    return result.rowcount or 0


def affected_instruments(session: Session, entries) -> tuple[set[int], bool]:
    """The instrument ids that the entries touch, and whether names of kinds or terms (the facets' labels) changed."""
    ids: set[int] = set()
    related: dict[str, set[int]] = {}
    for _, entity, entity_id, _ in entries:
        if entity_id is None:
            continue
        if entity == "instrument":
            ids.add(entity_id)
        else:
            related.setdefault(entity, set()).add(entity_id)
    if related.get("provider"):
        ids |= set(session.scalars(select(Instrument.id).where(Instrument.provider_id.in_(related["provider"]))))
    if related.get("kind"):
        ids |= set(session.scalars(select(Instrument.id).where(Instrument.kind_id.in_(related["kind"]))))
    if related.get("term"):
        ids |= set(session.scalars(select(instrument_term.c.instrument_id)
                                   .where(instrument_term.c.term_id.in_(related["term"]))))
    if related.get("region"):
        rids = related["region"]
        ids |= set(session.scalars(select(instrument_region.c.instrument_id).where(instrument_region.c.region_id.in_(rids))))
        ids |= set(session.scalars(select(Instrument.id).join(Provider).where(Provider.region_id.in_(rids))))
    if related.get("municipality"):
        mids = related["municipality"]
        ids |= set(session.scalars(select(instrument_municipality.c.instrument_id)
                                   .where(instrument_municipality.c.municipality_id.in_(mids))))
        ids |= set(session.scalars(select(Instrument.id).join(Provider).where(Provider.municipality_id.in_(mids))))
    return ids, bool(related)
