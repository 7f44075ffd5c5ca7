"""Harmonisation kept up to date per changed instrument: what the national overview and the region matrices are
computed from, loaded once per day and then followed through the change log. No Flask.

A `Snapshot` holds, for one day (the peildatum), the public, current offers grouped as the computations use them
(per region its gemeenten' own offers per kind, its regional offers, and the national providers' offers), the kinds,
term names, regions and gemeenten, and the change-log position they reflect. `follow` reads the log's entries after
that position: when they only name instruments (an edit, publish, unpublish, delete, a dated amount, a changed
place), those instruments are read again (`load_offers` for just those ids) and moved in the groups, and the regions
they were or are in get a new version; a changed provider, kind, term, region or gemeente, or more than
MAX_CHANGED instruments at once, make `follow` refuse, and the snapshot is computed again.

Results are kept per region and language with the region's version and its coverage (the declarations are not in the
change log, so they are read on every request and compared): after an edit only the regions it touched (all of them
when a national provider's instrument changed) are compared again. The national overview is then combined from the
35 region summaries; a region matrix is built from the snapshot's groups. Both equal the full computations
(`national_overview`, `region_harmonisation`): tests/test_harmonisation_live.py compares them after every kind of change.

`LiveHarmonisation` keeps the snapshots of the last two days asked for. Without a snapshot for the day it builds one
in a background thread (`background=True`) and answers with its `Progress` meanwhile, so no request waits for the
whole catalogue to load; with `background=False` (tests, the benchmark) it builds it in the caller's session. A
process starts today's in the background at its first request (`warm`).
"""
from __future__ import annotations

import bisect
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..coverage import municipality_coverage
from ..lru import ByteLRU
from ..memsize import deep_size
from ..models import Instrument, Region
from ..queries import public_condition
from ..search import changelog
from .analysis import _Analysis, _collector_paused, own_offer_counts
from .labels import REGION_COLUMN, _lang
from .national import combine, offered_counts, summarise_region
from .offers import (
    Offer,
    _column_of,
    current_condition,
    load_kinds,
    load_offers,
    load_term_names,
    offer_order,
    valid_municipalities,
)
from .region import _build_detail
from .results import NationalOverview, RegionHarmonisation
from .texts import Texts

log = logging.getLogger(__name__)

MAX_CHANGED = 500  # instruments changed at once that are followed one by one; more: computed again
MAX_ENTRIES = 5000  # change-log entries read at once
MATRIX_BYTES = 32 * 2**20  # region matrices kept (1.5-3.5 MB each at 100,000 instruments)


@dataclass(eq=False, slots=True)
class Gemeente:
    id: int
    code: str
    name: str
    slug: str
    region_id: int


@dataclass(eq=False, slots=True)
class RegionRecord:
    id: int
    code: str
    name: str
    slug: str
    centrumgemeente_id: int | None


@dataclass
class Progress:
    """How far a background computation has got: phase ``offers`` (instruments read of `total`), ``regions`` (regions
    compared of `total`); `failed` when the last attempt failed (the next request starts another)."""

    day: date
    phase: str = "offers"
    done: int = 0
    total: int = 0
    started: float = field(default_factory=time.monotonic)
    failed: bool = False

    @property
    def fraction(self) -> float:
        """0..1 over the whole computation (reading the instruments is most of it)."""
        part = min(1.0, self.done / self.total) if self.total else 0.0
        return round(0.85 * part if self.phase == "offers" else 0.85 + 0.15 * part, 3)

    @property
    def seconds(self) -> float:
        return time.monotonic() - self.started

    def to_dict(self) -> dict:
        return {"computing": True, "phase": self.phase, "done": self.done, "total": self.total,
                "fraction": self.fraction, "seconds": round(self.seconds, 1)}


class Snapshot:
    """The inputs of harmonisation for one day at one change-log position (see the module docstring)."""

    def __init__(self, today: date, position: int, holes: set[int], kinds, term_names, regions: list[RegionRecord],
                 gemeenten: list[Gemeente], offers: list[Offer]):
        self.today = today
        self.position = position
        now = time.monotonic()
        self.holes: dict[int, float] = {h: now for h in holes}  # ids not yet in the log (PostgreSQL), as the follower
        self.kinds = kinds
        self.term_names = term_names
        self.regions = regions
        self.region_by_code = {r.code: r for r in regions}
        self.gemeenten = gemeenten
        self.by_region: dict[int, list[Gemeente]] = {r.id: [] for r in regions}
        for g in gemeenten:
            self.by_region.setdefault(g.region_id, []).append(g)
        self.region_of = {g.id: g.region_id for g in gemeenten}
        self.offers: dict[int, Offer] = {}
        self.own: dict[int, dict] = {}  # region id -> {(gemeente id, kind): [Offer]}
        self.regional: dict[int, dict] = {}  # region id -> {kind: [Offer]}
        self.national: dict[str, dict] = {}  # kind -> {column: [Offer]}
        self.versions = {r.id: 0 for r in regions}
        self.updates = 0  # instruments followed since the snapshot was computed
        self._summaries: dict = {}  # (region id, language) -> (version, coverage, (RegionSummary, gaps))
        self._matrices = ByteLRU(MATRIX_BYTES, cost=deep_size)  # (region id, language) -> (version, coverage, result)
        for offer in offers:  # in offer_order: every group list is appended to in order
            self.offers[offer.id] = offer
            self._place(offer, set(), append=True)

    # -- computing it -------------------------------------------------------------------------------------------------

    @classmethod
    def compute(cls, session: Session, today: date, progress: Progress | None = None) -> "Snapshot":
        """Everything from the database, at the log's head (read first: changes committed meanwhile are followed
        afterwards; following is idempotent)."""
        with _collector_paused():
            position = changelog.head(session)
            holes = changelog.recent_holes(session, position)
            if progress is not None:
                progress.total = session.scalar(select(func.count()).select_from(Instrument).where(
                    public_condition(today), current_condition(today))) or 0
            regions = [RegionRecord(r.id, r.code, r.name, r.slug, r.centrumgemeente_id)
                       for r in session.scalars(select(Region).order_by(Region.name))]
            gemeenten = [Gemeente(m.id, m.code, m.name, m.slug, m.region_id) for m in valid_municipalities(session, today)]
            reported = (lambda n: setattr(progress, "done", n)) if progress is not None else None
            offers = load_offers(session, today, with_translations=True, progress=reported)
            return cls(today, position, holes, load_kinds(session), load_term_names(session), regions, gemeenten, offers)

    # -- following the change log -------------------------------------------------------------------------------------

    def follow(self, session: Session, entries) -> bool:
        """Applies change-log entries (after `position`, and holes that appeared); False, with nothing changed, when
        they cannot be followed per instrument (then compute the snapshot again)."""
        if not entries:
            changelog.advance(self.position, self.holes, entries, time.monotonic())  # holes waited for too long go
            return True
        if len(entries) >= MAX_ENTRIES or any(entity != "instrument" for _, entity, _, _ in entries):
            return False
        ids = {entity_id for _, _, entity_id, _ in entries if entity_id is not None}
        if len(ids) > MAX_CHANGED:
            return False
        self.apply(session, ids)
        self.position = changelog.advance(self.position, self.holes, entries, time.monotonic())
        return True

    def apply(self, session: Session, ids: set[int]) -> None:
        """Reads these instruments again and moves them in the groups; the regions they leave or enter (every region
        for a national provider's instrument) get a new version."""
        if not ids:
            return
        with _collector_paused():
            fresh = {o.id: o for o in load_offers(session, self.today, sorted(ids), with_translations=True)}
            touched: set[int] = set()
            everywhere = False
            for iid in ids:
                old = self.offers.pop(iid, None)
                if old is not None:
                    everywhere |= self._place(old, touched, remove=True)
                new = fresh.get(iid)
                if new is not None:
                    self.offers[iid] = new
                    everywhere |= self._place(new, touched)
            for rid in (list(self.versions) if everywhere else touched):
                if rid in self.versions:
                    self.versions[rid] += 1
            self.updates += len(ids)

    def _place(self, offer: Offer, touched: set[int], remove: bool = False, append: bool = False) -> bool:
        """Adds the offer to (or removes it from) its groups; True when it is a national provider's (every region)."""
        column = _column_of(offer)
        if column == "gemeente":
            for mid in offer.municipality_ids:
                rid = self.region_of.get(mid)
                if rid is not None:
                    _put(self.own.setdefault(rid, {}), (mid, offer.kind), offer, remove, append)
                    touched.add(rid)
            return False
        if column == REGION_COLUMN:
            for rid in offer.region_ids:
                _put(self.regional.setdefault(rid, {}), offer.kind, offer, remove, append)
                touched.add(rid)
            return False
        _put(self.national.setdefault(offer.kind, {}), column, offer, remove, append)
        return True

    # -- results ------------------------------------------------------------------------------------------------------

    def national_overview(self, session: Session, language: str) -> NationalOverview:
        started = time.perf_counter()
        lang = _lang(language)
        with _collector_paused():
            known = municipality_coverage(session, self.gemeenten, self.today, offered_counts(self.own))
            parts = []
            for region in self.regions:
                ms = self.by_region.get(region.id, [])
                seen = _coverage_seen(known, ms)
                kept = self._summaries.get((region.id, lang))
                if kept is None or kept[0] != self.versions[region.id] or kept[1] != seen:
                    part = summarise_region(self.kinds, region, ms, self.own.get(region.id, {}),
                                            self.regional.get(region.id, {}), self.national, known, lang)
                    kept = self._summaries[(region.id, lang)] = (self.versions[region.id], seen, part)
                parts.append(kept[2])
            return combine(self.kinds, parts, lang, time.perf_counter() - started)

    def region_harmonisation(self, session: Session, code: str, language: str) -> RegionHarmonisation:
        region = self.region_by_code.get(code.upper())
        if region is None:
            raise LookupError(code)
        lang = _lang(language)
        ms = self.by_region.get(region.id, [])
        own = self.own.get(region.id, {})
        with _collector_paused():
            known = municipality_coverage(session, ms, self.today, own_offer_counts(own))
            seen = _coverage_seen(known, ms)
            kept = self._matrices.get((region.id, lang))
            if kept is not None and kept[0] == self.versions[region.id] and kept[1] == seen:
                return kept[2]
            analysis = _Analysis(self.kinds, ms, region.centrumgemeente_id, own, self.regional.get(region.id, {}),
                                 self._national_in(region, ms), known)
            result = _build_detail(analysis, region, Texts(lang, self.term_names))
            self._matrices.put((region.id, lang), (self.versions[region.id], seen, result))
            return result

    def _national_in(self, region: RegionRecord, ms: list[Gemeente]) -> dict:
        """The national providers' offers available in the region (what region_harmonisation loads): landelijk ones,
        and those linked to the region or one of its gemeenten."""
        mids = {m.id for m in ms}
        out: dict = {}
        for kind, columns in self.national.items():
            for column, offers in columns.items():
                available = [o for o in offers if o.reach == "landelijk" or region.id in o.region_ids
                             or not mids.isdisjoint(o.municipality_ids)]
                if available:
                    out.setdefault(kind, {})[column] = available
        return out


def _put(groups: dict, key, offer: Offer, remove: bool, append: bool) -> None:
    items = groups.get(key)
    if remove:
        items.remove(offer)
        if not items:
            del groups[key]
    elif items is None:
        groups[key] = [offer]
    elif append:
        items.append(offer)
    else:
        bisect.insort(items, offer, key=offer_order)


def _coverage_seen(known: dict, ms: list[Gemeente]) -> tuple:
    """What a region's results use of its gemeenten' coverage (the declarations are not in the change log)."""
    return tuple((c.state, c.declared_kinds, c.instruments) if (c := known.get(m.code)) is not None else None
                 for m in ms)


class LiveHarmonisation:
    """The snapshots of one process (see the module docstring). Thread-safe."""

    def __init__(self, session_factory, background: bool = True, days: int = 2):
        self.session_factory = session_factory
        self.background = background
        self.days = days
        self._snapshots: OrderedDict[date, Snapshot] = OrderedDict()
        self._builds: dict[date, tuple[threading.Thread, Progress]] = {}
        self._lock = threading.RLock()
        self.computed = 0  # snapshots computed (whole catalogue)

    def clear(self) -> None:
        with self._lock:
            self._snapshots.clear()

    def national_overview(self, session: Session, day: date, language: str, position: int | None = None):
        """The national overview, or the Progress of its computation."""
        with self._lock:
            snapshot = self._snapshot(session, day, position)
            return snapshot if isinstance(snapshot, Progress) else snapshot.national_overview(session, language)

    def region_harmonisation(self, session: Session, day: date, code: str, language: str, position: int | None = None):
        """The matrix of one region (LookupError for an unknown code), or the Progress of its computation."""
        with self._lock:
            snapshot = self._snapshot(session, day, position)
            if isinstance(snapshot, Snapshot) and code.upper() not in snapshot.region_by_code:
                del self._snapshots[day]  # a region added since (inserts of regions are not in the change log)
                snapshot = self._snapshot(session, day, position)
            return snapshot if isinstance(snapshot, Progress) else snapshot.region_harmonisation(session, code, language)

    def warm(self, day: date) -> None:
        """Starts computing the day's snapshot in the background when there is none (a process's first request does
        this, so the first visitor of a harmonisation page rarely finds it still being computed)."""
        if self.background and day not in self._snapshots and day not in self._builds:
            with self._lock:
                if day not in self._snapshots:
                    self._start(day)

    def snapshot(self, day: date) -> Snapshot | None:
        with self._lock:
            return self._snapshots.get(day)

    def _snapshot(self, session: Session, day: date, position: int | None) -> Snapshot | Progress:
        snapshot = self._snapshots.get(day)
        if snapshot is not None:
            self._snapshots.move_to_end(day)
            if position is not None and position <= snapshot.position and not snapshot.holes:
                return snapshot
            entries = changelog.read(session, snapshot.position, set(snapshot.holes), limit=MAX_ENTRIES)
            if snapshot.follow(session, entries):
                return snapshot
            log.info("harmonisation: %d change-log entries after %d cannot be followed per instrument; computing again",
                     len(entries), snapshot.position)
            del self._snapshots[day]  # never answer from what is known to be out of date
        if not self.background:
            snapshot = Snapshot.compute(session, day)
            self._store(snapshot)
            return snapshot
        return self._start(day)

    def _store(self, snapshot: Snapshot) -> None:
        self.computed += 1
        self._snapshots[snapshot.today] = snapshot
        self._snapshots.move_to_end(snapshot.today)
        while len(self._snapshots) > self.days:  # the oldest asked for goes, never today's
            oldest = next(d for d in self._snapshots if d != date.today() or len(self._snapshots) == 1)
            del self._snapshots[oldest]

    def _start(self, day: date) -> Progress:
        running = self._builds.get(day)
        if running is not None and running[0].is_alive():
            return running[1]
        progress = Progress(day, failed=running is not None and running[1].failed)
        thread = threading.Thread(target=self._build, args=(day, progress), name="harmonisation", daemon=True)
        self._builds[day] = (thread, progress)
        thread.start()
        return progress

    def _build(self, day: date, progress: Progress) -> None:
        try:
            with self.session_factory() as session:
                snapshot = Snapshot.compute(session, day, progress)
                progress.phase, progress.done, progress.total = "regions", 0, len(snapshot.regions)
                for region in snapshot.regions:  # the Dutch summaries, before the first request needs them
                    ms = snapshot.by_region.get(region.id, [])
                    with _collector_paused():
                        known = municipality_coverage(session, ms, day, own_offer_counts(snapshot.own.get(region.id, {})))
                        part = summarise_region(snapshot.kinds, region, ms, snapshot.own.get(region.id, {}),
                                                snapshot.regional.get(region.id, {}), snapshot.national, known, "nl")
                    snapshot._summaries[(region.id, "nl")] = (0, _coverage_seen(known, ms), part)
                    progress.done += 1
            with self._lock:
                self._store(snapshot)
                self._builds.pop(day, None)
            log.info("harmonisation for %s computed in %.1f s (%d instruments)", day, progress.seconds,
                     len(snapshot.offers))
        except Exception:
            progress.failed = True
            log.exception("computing harmonisation for %s failed", day)
