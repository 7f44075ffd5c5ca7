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
`changed` returns a new table (copy on write) so searches running meanwhile keep a consistent one; it makes only the
bitsets anew whose membership changes (`keys_of` holds which bitsets each instrument is in, so nothing tests a
thousand bitsets for one bit), and shares the rest, and the names' chunks it did not change (`columns.Column`): at
100,000 an edit costs a reading worker ~0.8 ms here instead of 3.4 (time that worker's requests wait for, under the
GIL). The next day is derived the same way (`on_day`, for the few instruments whose publication or validity window
starts or ends in between: `day_changes`), not built again: at 100,000 a build took seconds and a second table's
memory at midnight.
"""
from __future__ import annotations

import bisect
import copy
import heapq
from array import array
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..facets import FACETS
from ..models import Municipality, Region
from .bitsets import from_positions, positions
from .columns import MASK, SHIFT, Column
from .rows import InstrumentRow, iter_rows, known_values


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
    names: Column = field(default_factory=Column)  # ordinal -> name ("" for an ordinal that was never public)
    updated: array = field(default_factory=lambda: array("d"))  # ordinal -> last change (timestamp)
    by_short: array = field(default_factory=lambda: array("i"))  # ordinals by (name length, name): relevance tie-break
    short_rank: array = field(default_factory=lambda: array("q"))  # ordinal -> sort key in by_short (see _ranks)
    # the instruments whose public membership, facet values or location the change that made this table changed (a
    # renamed or re-dated one whose bitsets stayed is not in it); empty for a built table (its load resets the
    # journal)
    moved: frozenset = frozenset()
    # ordinal -> the bitsets the instrument is in (InstrumentRow.keys, encoded by `codes`; b"" when not public): what
    # `changed` takes out of the bitsets without testing each of them for the instrument's bit
    keys_of: Column = field(default_factory=Column)
    codes: "KeyCodes" = field(default_factory=lambda: KeyCodes())

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
        """A new table with these instruments replaced (row) or removed (None: no longer public). Only the bitsets
        whose membership changes are made anew (`keys_of` says which an instrument was in); the others are shared."""
        t = copy.copy(self)
        ordinals = []
        for iid in rows:
            o = self.position.get(iid)
            if o is None:
                if rows[iid] is None:
                    continue
                o = len(t.ids)  # ids/position are append-only and shared: an ordinal always means one instrument
                t.ids.append(iid)
                t.position[iid] = o
            ordinals.append(o)
        t.size = len(t.ids)
        codes = self.codes
        was = {o: codes.decode(self.keys_of[o]) if o < self.size else set() for o in ordinals}
        now: dict[int, set] = {}  # ordinal -> the bitsets it is in now (public ones only)
        names, keys = {}, {}
        t.updated = array("d", self.updated)
        t.updated.extend(array("d", bytes(8 * (t.size - len(self.updated)))))
        for iid, row in rows.items():
            if row is not None:
                o = t.position[iid]
                now[o] = set(row.keys())
                names[o] = row.name
                t.updated[o] = row.updated
        for o in ordinals:
            keys[o] = codes.encode(now[o]) if o in now else b""
        t.names = self.names.changed(names, t.size, "")
        t.keys_of = self.keys_of.changed(keys, t.size, b"")
        enter: dict[tuple, list[int]] = defaultdict(list)
        leave: dict[tuple, list[int]] = defaultdict(list)
        for o in ordinals:
            after = now.get(o, set())
            for key in after - was[o]:
                enter[key].append(o)
            for key in was[o] - after:
                leave[key].append(o)

        def update(bits: int, key) -> int:
            gone, extra = leave.get(key), enter.get(key)
            if gone:
                bits &= ~from_positions(gone, t.size)
            return bits | from_positions(extra, t.size) if extra else bits

        touched = set(enter) | set(leave)
        t.values = {}
        for fkey, values in self.values.items():
            codes_of = (known or {}).get(fkey)
            wanted = [c for c, _, _ in codes_of] if codes_of else list(values)
            t.values[fkey] = {code: update(values.get(code, 0), key) if (key := ("v", fkey, code)) in touched
                              else values.get(code, 0) for code in wanted}
        t.providers = _updated_map(self.providers, "p", update, touched)
        t.landelijk = update(self.landelijk, ("l", None, None))
        t.regionaal_in = _updated_map(self.regionaal_in, "r", update, touched)
        t.lokaal_in = _updated_map(self.lokaal_in, "m", update, touched)
        alive = list(now)
        t.all = (self.all & ~from_positions(ordinals, t.size)) | from_positions(alive, t.size)
        if known is not None:
            t.known = known
        # (a key the old table no longer had a bitset for, a value dropped from `known`, counts as a change: moved
        # only makes a cached answer be computed again)
        t.moved = frozenset(t.ids[o] for o in ordinals if was[o] != now.get(o, set()))
        gone = set(ordinals)
        if len(alive) > 500:  # a bulk change: sort once
            t._sort([o for o in self.by_name if o not in gone] + alive)
        else:
            t.by_name = _without(self.by_name, gone, self._name_key, self.size)
            t.by_recent = _without(self.by_recent, gone, self._recent_key, self.size)
            t.by_short = _without(self.by_short, gone, self._short_key, self.size)
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

    # (the sort keys read the names' chunks directly: they run ~17 times per order at an edit, 100,000 times at a sort)
    def _name_key(self, o: int):
        return self.names.chunks[o >> SHIFT][o & MASK].lower(), self.ids[o]

    def _recent_key(self, o: int):
        return -self.updated[o], self.names.chunks[o >> SHIFT][o & MASK], self.ids[o]

    def _short_key(self, o: int):
        name = self.names.chunks[o >> SHIFT][o & MASK]
        return len(name), name.lower(), self.ids[o]


class KeyCodes:
    """The table's bitset keys (InstrumentRow.keys) as numbers, for `keys_of`: 4 bytes a key instead of a pointer to a
    tuple. Append-only and shared by a table and the tables derived from it, like `ids` (only `changed` adds keys,
    one derivation at a time)."""

    def __init__(self):
        self.keys: list[tuple] = []
        self.code: dict[tuple, int] = {}

    def encode(self, keys) -> bytes:
        out = array("I")
        for key in keys:
            c = self.code.get(key)
            if c is None:
                c = self.code[key] = len(self.keys)
                self.keys.append(key)
            out.append(c)
        return out.tobytes()

    def decode(self, raw: bytes) -> set[tuple]:
        keys = self.keys
        return {keys[c] for c in array("I", raw)}


def _updated_map(old: dict, tag: str, update, touched: set) -> dict:
    """A copy of a map of bitsets (provider, region, gemeente) with the touched ones of this tag made anew."""
    out = dict(old)
    for key in touched:
        if key[0] == tag:
            out[key[1]] = update(old.get(key[1], 0), key)
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


def build_table(session: Session, today: date, public_condition, batch: int = 5000) -> FacetTable:
    """The table of every public instrument, read a batch at a time: per bitset only the ordinals are gathered (an
    array each), and the bitsets are made once at the end."""
    known = known_values(session)
    municipalities = {code: (mid, rid) for code, mid, rid in session.execute(
        select(Municipality.code, Municipality.id, Municipality.region_id))}
    region_municipalities: dict[int, list[int]] = defaultdict(list)
    for mid, rid in municipalities.values():
        region_municipalities[rid].append(mid)
    ids, names, updated, keys_of, codes = array("q"), [], array("d"), [], KeyCodes()
    members: dict[tuple, array] = {}
    for part in iter_rows(session, today, public_condition, batch):
        for iid, row in part.items():
            o = len(ids)
            ids.append(iid)
            names.append(row.name)
            updated.append(row.updated)
            keys_of.append(codes.encode(row.keys()))
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
        by_name=array("i"), by_recent=array("i"), names=Column(names), updated=updated,
        keys_of=Column(keys_of), codes=codes)
    members.clear()  # (the build's ordinals per bitset: gone before the sort)
    table._sort(range(size))
    return table
