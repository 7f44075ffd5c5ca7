"""The facet table: every public instrument with its facet values and location, as bitsets, in memory.

An instrument's ordinal is its position in `ids`. Each facet value has a Python int whose bit i is set when instrument i
has that value; a selection within a facet is the OR of its values, facets combine with AND, and the count of a value is
`(base & other facets' selections & value).bit_count()`. At 20,000 instruments one bitset is 2.5 kB and an AND plus a
popcount take microseconds, so all ten facets' counts cost well under a millisecond.

Memory (issue 17 §4, ≤ 400 MB per worker at 100,000 instruments): the per-instrument columns are arrays (`ids`,
`updated`, the orders and ranks: 4-8 bytes an instrument instead of a Python int or float object each), the id -> ordinal
map is a bisection over the sorted ids of the build (`Positions`) instead of a dict of 100,000 int pairs, and
`build_table` reads the catalogue a batch of ids at a time (`iter_rows`), so the build's temporary rows never exceed one
batch: the worker's heap keeps about the table's size instead of the peak of a full load (which Python's allocator
does not give back).

The table is built once from SQL (`build_table`) and then kept current per changed instrument (`FacetTable.changed`,
fed by the change-log follower): ordinals are never reused for another instrument, so an instrument that leaves the
public set only loses its bits (`all` is the mask of live ordinals) and one that comes back gets its old ordinal again.
`changed` returns a new table (copy on write) so searches running meanwhile keep a consistent one. The next day is
derived the same way (`on_day`, for the few instruments whose publication or validity window starts or ends in between:
`day_changes`), not built again: at 100,000 a build took seconds and a second table's memory at midnight.
"""
from __future__ import annotations

import bisect
import copy
import heapq
from array import array
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Iterator

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..facets import FACETS
from ..models import (
    Instrument,
    InstrumentKind,
    Municipality,
    Provider,
    Region,
    TaxonomyTerm,
    instrument_municipality,
    instrument_region,
    instrument_term,
)
from .bitsets import from_positions, positions


SPARSE = 2000  # members of a page's set below which the page is found by sorting them, not by walking the order


class Positions:
    """Instrument id -> ordinal. The ordinals of a build are its ids in ascending order, found by bisection in the
    (shared, append-only) `ids` array; instruments added later get the next ordinals, kept in a small dict."""

    def __init__(self, ids: array):
        self._ids = ids
        self._built = len(ids)
        self._later: dict[int, int] = {}

    def get(self, iid: int, default=None):
        i = bisect.bisect_left(self._ids, iid, 0, self._built)
        if i < self._built and self._ids[i] == iid:
            return i
        return self._later.get(iid, default)

    def __getitem__(self, iid: int) -> int:
        o = self.get(iid)
        if o is None:
            raise KeyError(iid)
        return o

    def __setitem__(self, iid: int, o: int) -> None:
        """A new instrument's ordinal (the caller appended it to `ids`)."""
        self._later[iid] = o

    def __contains__(self, iid: int) -> bool:
        return self.get(iid) is not None

    def __len__(self) -> int:
        return self._built + len(self._later)


@dataclass
class FacetTable:
    today: date
    ids: array  # ordinal -> instrument id ('q')
    position: Positions
    size: int
    all: int
    values: dict[str, dict[str, int]]  # facet key -> value code -> bitset
    known: dict[str, list[tuple[str, str, str | None]]]  # facet key -> (code, name, name_en) in display order
    landelijk: int
    regionaal_in: dict[int, int]  # region id -> regional instruments there
    lokaal_in: dict[int, int]  # municipality id -> local instruments there
    municipalities: dict[str, tuple[int, int]]  # GM code -> (id, region id)
    regions: dict[str, int]  # AM code -> id
    region_municipalities: dict[int, list[int]]
    providers: dict[str, int]  # provider slug -> bitset
    by_name: array  # ordinals sorted by name ('i')
    by_recent: array  # ordinals sorted by last change, newest first
    names: list[str] = field(default_factory=list)
    updated: array = field(default_factory=lambda: array("d"))  # ordinal -> last change (timestamp)
    by_short: array = field(default_factory=lambda: array("i"))  # ordinals by (name length, name): relevance tie-break
    short_rank: array = field(default_factory=lambda: array("q"))  # ordinal -> sort key in by_short (see _ranks)
    # the instruments whose public membership, facet values or location the change that made this table changed (a
    # renamed or re-dated one whose bitsets stayed is not in it); empty for a built table (its load resets the
    # journal)
    moved: frozenset = frozenset()

    # -- location -----------------------------------------------------------------------------------------------------

    def available_in(self, municipality_ids: list[int], region_ids: list[int]) -> int:
        """landelijk + regional instruments of these regions + local instruments of these gemeenten."""
        bits = self.landelijk
        for rid in region_ids:
            bits |= self.regionaal_in.get(rid, 0)
        for mid in municipality_ids:
            bits |= self.lokaal_in.get(mid, 0)
        return bits

    def location_bits(self, municipality_codes: list[str], region_codes: list[str]) -> int:
        bits = self.all
        if municipality_codes:
            found = [self.municipalities[c] for c in municipality_codes if c in self.municipalities]
            bits &= self.available_in([m for m, _ in found], [r for _, r in found])
        if region_codes:
            rids = [self.regions[c] for c in region_codes if c in self.regions]
            mids = [m for r in rids for m in self.region_municipalities.get(r, [])]
            bits &= self.available_in(mids, rids)
        return bits

    def provider_bits(self, slugs: list[str]) -> int:
        bits = 0
        for slug in slugs:
            bits |= self.providers.get(slug, 0)
        return bits

    # -- facets -------------------------------------------------------------------------------------------------------

    def selection(self, key: str, selected: list[str]) -> int:
        """OR of the selected values of one facet (unknown values select nothing)."""
        values = self.values[key]
        bits = 0
        for code in selected:
            bits |= values.get(code, 0)
        return bits

    def counts(self, base: int, selections: dict[str, int]) -> dict[str, dict[str, int]]:
        """For each facet: value -> number of instruments in base & every other facet's selection & value."""
        out = {}
        for key, values in self.values.items():
            scope = base
            for other, mask in selections.items():
                if other != key:
                    scope &= mask
            out[key] = {code: (scope & bits).bit_count() for code, bits in values.items()} if scope else \
                {code: 0 for code in values}
        return out

    # -- ordering -----------------------------------------------------------------------------------------------------

    def page(self, bits: int, order: str, offset: int, limit: int) -> list[int]:
        """Instrument ids of one page of `bits`, by name or most recently changed."""
        ordinals = self.by_recent if order == "recent" else self.by_name
        if bits == self.all:
            return [self.ids[o] for o in ordinals[offset:offset + limit]]
        count = bits.bit_count()
        if count <= offset:
            return []  # (a search that found nothing walked all 100,000 ordinals for it)
        if count <= SPARSE:  # a few members: sorted by the order's key instead of walking the whole order
            key = self._recent_key if order == "recent" else self._name_key
            members = heapq.nsmallest(offset + limit, positions(bits, self.size), key=key)
            return [self.ids[o] for o in members[offset:]]
        raw = bits.to_bytes((self.size + 7) // 8 or 1, "little")
        out: list[int] = []
        skipped = 0
        for o in ordinals:
            if raw[o >> 3] >> (o & 7) & 1:
                if skipped < offset:
                    skipped += 1
                    continue
                out.append(self.ids[o])
                if len(out) >= limit:
                    break
        return out

    def members(self, bits: int) -> list[int]:
        raw = bits.to_bytes((self.size + 7) // 8 or 1, "little")
        return [o for o in range(self.size) if raw[o >> 3] >> (o & 7) & 1]

    # -- incremental changes ------------------------------------------------------------------------------------------

    def changed(self, rows: dict[int, "InstrumentRow | None"], known=None) -> "FacetTable":
        """A new table with these instruments replaced (row) or removed (None: no longer public)."""
        t = copy.copy(self)
        t.names = list(self.names)
        t.updated = array("d", self.updated)
        ordinals = []
        for iid in rows:
            o = self.position.get(iid)
            if o is None:
                if rows[iid] is None:
                    continue
                o = len(t.ids)  # ids/position are append-only and shared: an ordinal always means one instrument
                t.ids.append(iid)
                t.position[iid] = o
                t.names.append("")
                t.updated.append(0.0)
            ordinals.append(o)
        t.size = len(t.ids)
        clear = from_positions(ordinals, t.size)
        keep = ~clear
        add: dict[tuple, list[int]] = defaultdict(list)
        alive = []
        now: dict[int, set] = {}  # ordinal -> the bitsets it is in now
        for iid, row in rows.items():
            if row is None:
                continue
            o = t.position[iid]
            alive.append(o)
            t.names[o] = row.name
            t.updated[o] = row.updated
            now[o] = set(row.keys())
            for key in now[o]:
                add[key].append(o)

        was: dict[int, set] = defaultdict(set)  # ordinal -> the bitsets it was in

        def update(bits: int, key) -> int:
            if bits & clear:
                for o in positions(bits & clear, t.size):
                    was[o].add(key)
                bits &= keep
            extra = add.get(key)
            return bits | from_positions(extra, t.size) if extra else bits

        t.values = {}
        for fkey, values in self.values.items():
            codes = (known or {}).get(fkey)
            names = [c for c, _, _ in codes] if codes else list(values)
            t.values[fkey] = {code: update(values.get(code, 0), ("v", fkey, code)) for code in names}
        t.providers = {slug: update(bits, ("p", slug, None)) for slug, bits in self.providers.items()}
        for kind, slug, _ in add:
            if kind == "p" and slug not in t.providers:
                t.providers[slug] = update(0, ("p", slug, None))
        t.landelijk = update(self.landelijk, ("l", None, None))
        t.regionaal_in = _updated_map(self.regionaal_in, "r", update, add)
        t.lokaal_in = _updated_map(self.lokaal_in, "m", update, add)
        t.all = (self.all & keep) | from_positions(alive, t.size)
        if known is not None:
            t.known = known
        t.moved = frozenset(t.ids[o] for o in ordinals
                            if was.get(o, set()) != now.get(o, set()) or self.all >> o & 1 != t.all >> o & 1)
        gone = set(ordinals)
        if len(alive) > 500:  # a bulk change: sort once
            t._sort([o for o in self.by_name if o not in gone] + alive)
        else:
            t.by_name = _without(self.by_name, gone, self._name_key, len(self.names))
            t.by_recent = _without(self.by_recent, gone, self._recent_key, len(self.names))
            t.by_short = _without(self.by_short, gone, self._short_key, len(self.names))
            for o in alive:
                bisect.insort(t.by_name, o, key=t._name_key)
                bisect.insort(t.by_recent, o, key=t._recent_key)
                bisect.insort(t.by_short, o, key=t._short_key)
            t.short_rank = _reranked(self.short_rank, t.by_short, alive, t._short_key, t.size)
        return t

    def on_day(self, today: date, rows: dict[int, "InstrumentRow | None"], known=None) -> "FacetTable":
        """This table for another day: `rows` are `day_changes`' instruments as they are on that day (None: not public
        then). Derived like an edit, so it shares the ordinals (and the docnum map is updated, not rebuilt)."""
        t = self.changed(rows, known=known)
        t.today = today
        return t

    def _sort(self, live) -> None:
        self.by_name = array("i", sorted(live, key=self._name_key))
        self.by_recent = array("i", sorted(live, key=self._recent_key))
        self.by_short = array("i", sorted(live, key=self._short_key))
        self.short_rank = _ranks(self.by_short, self.size)

    def _name_key(self, o: int):
        return self.names[o].lower(), self.ids[o]

    def _recent_key(self, o: int):
        return -self.updated[o], self.names[o], self.ids[o]

    def _short_key(self, o: int):
        return len(self.names[o]), self.names[o].lower(), self.ids[o]


def _updated_map(old: dict[int, int], tag: str, update, add) -> dict[int, int]:
    out = {key: update(bits, (tag, key, None)) for key, bits in old.items()}
    for kind, key, _ in add:
        if kind == tag and key not in out:
            out[key] = update(0, (tag, key, None))
    return out


def _without(order: array, gone: set[int], key, known: int) -> array:
    """A copy of a sorted order without these ordinals, each found by bisection on its old key (not a walk over all
    100,000: ~7 ms an order at an edit); ordinals from `known` on are new. A walk when one is not where its key says
    (never expected)."""
    out = array("i", order)
    for o in gone:
        if o >= known:
            continue  # new since: not in the old order
        i = bisect.bisect_left(out, key(o), key=key)
        if i < len(out) and out[i] == o:
            del out[i]
        elif o in out:
            return array("i", (x for x in order if x not in gone))
    return out


RANK_STEP = 1 << 16  # between neighbouring sort keys of a fresh numbering: room for 16 insertions at one place
RANK_END = 1 << 62  # after every sort key (an instrument that is not in the order)


def _ranks(order, size: int) -> array:
    """Ordinal -> sort key: increasing along `order`, RANK_STEP apart (only the order of the keys means something)."""
    rank = array("q", bytes(8 * size))
    for n, o in enumerate(order):
        rank[o] = n * RANK_STEP
    return rank


def _reranked(rank: array, order: array, inserted: list[int], key, size: int) -> array:
    """`rank` after `inserted` took their (new) places in `order` (and others left it): one instrument gets a key
    between its neighbours' and the others keep theirs (numbering 100,000 anew cost ~20 ms an edit); several at once,
    or no room left between two keys, number everything anew."""
    if len(inserted) > 1:
        return _ranks(order, size)
    out = array("q", rank)
    if len(out) < size:
        out.extend(array("q", bytes(8 * (size - len(out)))))
    if not inserted:  # only removals: the others keep their order
        return out
    [o] = inserted
    i = bisect.bisect_left(order, key(o), key=key)
    if i >= len(order) or order[i] != o:  # not where its key says (never expected)
        return _ranks(order, size)
    before = out[order[i - 1]] if i > 0 else None
    after = out[order[i + 1]] if i + 1 < len(order) else None
    if before is None and after is None:
        value = 0
    elif before is None:
        value = after - RANK_STEP
    elif after is None:
        value = before + RANK_STEP
    elif after - before >= 2:
        value = (before + after) // 2
    else:
        return _ranks(order, size)
    out[o] = value
    return out


@dataclass
class InstrumentRow:
    """What the facet table holds of one public instrument."""
    name: str
    updated: float
    provider: str
    reach: str
    values: list[tuple[str, str]]  # (facet key, value code)
    regions: list[int]  # region ids where a regional instrument is available
    municipalities: list[int]  # gemeente ids where a local instrument is available

    def keys(self):
        """The table's bitsets this instrument is in: ("v", facet, code), ("p", provider slug), ("l",) landelijk,
        ("r", region id) regional there, ("m", gemeente id) local there."""
        for key, code in self.values:
            yield ("v", key, code)
        yield ("p", self.provider, None)
        if self.reach == "landelijk":
            yield ("l", None, None)
        for rid in self.regions:
            yield ("r", rid, None)
        for mid in self.municipalities:
            yield ("m", mid, None)


def lifecycle_of(valid_from, valid_until, today: date) -> str:
    if valid_until is not None and valid_until < today:
        return "ended"
    if valid_from is not None and valid_from > today:
        return "upcoming"
    return "current"


def load_rows(session: Session, today: date, public_condition, ids) -> dict[int, InstrumentRow]:
    """The public instruments of `ids` as rows, in id order; a few bulk queries per 2,000 ids."""
    wanted = sorted(set(ids))
    out: dict[int, InstrumentRow] = {}
    for i in range(0, len(wanted), 2000):
        chunk = wanted[i:i + 2000]
        out.update(_rows(session, today, public_condition, lambda column: column.in_(chunk)))
    return out


def iter_rows(session: Session, today: date, public_condition, batch: int = 5000) -> Iterator[dict[int, InstrumentRow]]:
    """Every public instrument as rows, in id order, one range of `batch` ids at a time (the last range open-ended:
    an instrument added meanwhile is in it or in the change log the follower replays)."""
    ids = session.scalars(select(Instrument.id).where(public_condition(today)).order_by(Instrument.id)).all()
    for i in range(0, len(ids), batch):
        lo = ids[i]
        hi = ids[i + batch - 1] if i + batch < len(ids) else None
        yield _rows(session, today, public_condition,
                    lambda column: column.between(lo, hi) if hi is not None else column >= lo)
    del ids


def _rows(session: Session, today: date, public_condition, restrict) -> dict[int, InstrumentRow]:
    """The public instruments whose id satisfies `restrict(column)`, as rows in id order."""
    stmt = (
        select(Instrument.id, Instrument.name, Instrument.updated_at, InstrumentKind.code, Provider.type, Provider.slug,
               Instrument.reach, Instrument.leerwerktraject, Instrument.valid_from, Instrument.valid_until)
        .join(InstrumentKind, InstrumentKind.id == Instrument.kind_id)
        .join(Provider, Provider.id == Instrument.provider_id)
        .where(public_condition(today), restrict(Instrument.id))
        .order_by(Instrument.id)
    )
    term_facets = {f.taxonomy: f.key for f in FACETS if f.taxonomy and f.key not in ("provider_type", "reach")}
    part: dict[int, InstrumentRow] = {}
    for iid, name, updated, kind, ptype, pslug, reach, leerwerk, valid_from, valid_until in session.execute(stmt):
        part[iid] = InstrumentRow(
            name=name, updated=updated.timestamp() if updated else 0.0, provider=pslug, reach=reach,
            values=[("kind", kind), ("provider_type", ptype), ("reach", reach),
                    ("leerwerktraject", "ja" if leerwerk else "nee"),
                    ("lifecycle", lifecycle_of(valid_from, valid_until, today))],
            regions=[], municipalities=[])
    if not part:
        return part
    for iid, taxonomy, code in session.execute(
            select(instrument_term.c.instrument_id, TaxonomyTerm.taxonomy, TaxonomyTerm.code)
            .join(TaxonomyTerm, TaxonomyTerm.id == instrument_term.c.term_id)
            .where(TaxonomyTerm.taxonomy.in_(list(term_facets)), restrict(instrument_term.c.instrument_id))):
        row = part.get(iid)
        if row is not None:
            row.values.append((term_facets[taxonomy], code))
    for iid, rid in session.execute(select(instrument_region.c.instrument_id, instrument_region.c.region_id)
                                    .where(restrict(instrument_region.c.instrument_id))):
        row = part.get(iid)
        if row is not None and row.reach == "regionaal":
            row.regions.append(rid)
    for iid, mid in session.execute(select(instrument_municipality.c.instrument_id,
                                           instrument_municipality.c.municipality_id)
                                    .where(restrict(instrument_municipality.c.instrument_id))):
        row = part.get(iid)
        if row is not None and row.reach == "lokaal":
            row.municipalities.append(mid)
    return part


def day_changes(session: Session, before: date, after: date) -> set[int]:
    """The instruments that can be public on one of these days and not on the other, or in another lifecycle: those
    with a publication or validity date between them (both included; a superset, `load_rows` decides)."""
    lo, hi = min(before, after), max(before, after)
    dates = (Instrument.publish_from, Instrument.publish_to, Instrument.valid_from, Instrument.valid_until)
    return set(session.scalars(select(Instrument.id).where(or_(*(column.between(lo, hi) for column in dates)))))


def known_values(session: Session) -> dict:
    return {f.key: f.known_values(session) for f in FACETS}


def build_table(session: Session, today: date, public_condition, batch: int = 5000) -> FacetTable:
    """The table of every public instrument, read a batch at a time: per bitset only the ordinals are gathered (an
    array each), and the bitsets are made once at the end."""
    known = known_values(session)
    municipalities = {code: (mid, rid) for code, mid, rid in session.execute(
        select(Municipality.code, Municipality.id, Municipality.region_id))}
    region_municipalities: dict[int, list[int]] = defaultdict(list)
    for mid, rid in municipalities.values():
        region_municipalities[rid].append(mid)
    ids, names, updated = array("q"), [], array("d")
    members: dict[tuple, array] = {}
    for part in iter_rows(session, today, public_condition, batch):
        for iid, row in part.items():
            o = len(ids)
            ids.append(iid)
            names.append(row.name)
            updated.append(row.updated)
            for key in row.keys():
                ordinals = members.get(key)
                if ordinals is None:
                    ordinals = members[key] = array("i")
                ordinals.append(o)
    size = len(ids)

    def bits(key) -> int:
        return from_positions(members.get(key, ()), size)

    table = FacetTable(
        today=today, ids=ids, position=Positions(ids), size=size, all=(1 << size) - 1,
        values={f.key: {code: bits(("v", f.key, code)) for code, _, _ in known[f.key]} for f in FACETS}, known=known,
        landelijk=bits(("l", None, None)),
        regionaal_in={key[1]: bits(key) for key in members if key[0] == "r"},
        lokaal_in={key[1]: bits(key) for key in members if key[0] == "m"},
        municipalities=municipalities, regions=dict(session.execute(select(Region.code, Region.id)).all()),
        region_municipalities=dict(region_municipalities),
        providers={key[1]: bits(key) for key in members if key[0] == "p"},
        by_name=array("i"), by_recent=array("i"), names=names, updated=updated)
    del members
    table._sort(range(size))
    return table
