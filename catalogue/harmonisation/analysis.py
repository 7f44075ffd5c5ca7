"""The comparison of one region's gemeenten per kind: who offers it, who lacks it, whose parameters differ; score and
level without texts."""
from __future__ import annotations

import gc
from collections import Counter, defaultdict
from contextlib import contextmanager

from .labels import NATIONAL_COLUMN, REGION_COLUMN, STATUSES, UWV_COLUMN
from .offers import KindInfo, Offer, _column_of
from .scoring import derive_level, score_formula


def own_offer_counts(own: dict) -> tuple[dict, dict]:
    """From {(municipality_id, kind): [Offer]}: per gemeente id the number of its own offers and their kinds (what
    catalogue.coverage would otherwise query again)."""
    counts: dict[int, int] = defaultdict(int)
    kinds: dict[int, set] = defaultdict(set)
    for (mid, kind), offers in own.items():
        counts[mid] += len(offers)
        kinds[mid].add(kind)
    return counts, kinds


def signature(offers: list[Offer], params: list[str]) -> tuple:
    """The comparable value of a set of offers: per parameter the set of values."""
    return tuple(frozenset(o.value(p) for o in offers) for p in params)


class _Analysis:
    """The comparison of one region's gemeenten; texts only when detail=True."""

    def __init__(self, kinds: list[KindInfo], municipalities: list, centrum_id: int | None, own: dict, regional: dict,
                 national: dict, coverage: dict | None = None):
        self.kinds = kinds
        # GM code -> catalogue.coverage.Coverage. A gemeente lacking a kind *lacks* it only when its offer is declared
        # complete (for that kind); otherwise its offer is unknown and it is left out of gaps and of the coverage ratio.
        self.coverage = coverage or {}
        self.municipalities = municipalities  # objects with id, code, name, slug
        self.centrum_id = centrum_id
        self.own = own  # (municipality_id, kind) -> [Offer]
        self.regional = regional  # kind -> [Offer]
        self.national = national  # kind -> {"uwv": [...], "landelijk": [...]}
        self.order = {m.id: (0 if m.id == centrum_id else 1, m.name) for m in municipalities}
        self.kind_facts_cache: dict[str, dict] = {}

    def kind_facts(self, kind: KindInfo) -> dict:
        ms = self.municipalities
        offering = [m for m in ms if self.own.get((m.id, kind.code))]
        regional = self.regional.get(kind.code, [])
        national = self.national.get(kind.code, {})
        has = [m for m in ms if self.own.get((m.id, kind.code)) or regional]
        lacking = [m for m in ms if not (self.own.get((m.id, kind.code)) or regional)]
        missing = [m for m in lacking if self.known(m, kind.code)]
        unknown = [m for m in lacking if not self.known(m, kind.code)]
        sigs = {m.id: signature(self.own[(m.id, kind.code)], kind.parameters) for m in offering}
        uniform = len(set(sigs.values())) <= 1
        if offering:
            status = ("geharmoniseerd" if uniform else "deels") if not missing else "ontbreekt"
        elif regional:
            status = "regionaal"
        elif unknown:
            status = "onbekend"  # nobody is known to offer it, but some gemeenten' offers are unknown
        elif national.get(UWV_COLUMN) or national.get(NATIONAL_COLUMN):
            status = "alleen_landelijk"
        else:
            status = "niet_aangeboden"
        facts = {"offering": offering, "has": has, "missing": missing, "sigs": sigs, "uniform": uniform, "status": status,
                 "regional": regional, "national": national, "unknown": unknown}
        self.kind_facts_cache[kind.code] = facts
        return facts

    def known(self, municipality, kind: str) -> bool:
        cov = self.coverage.get(municipality.code)
        return cov is not None and cov.known(kind)

    def based_on(self) -> tuple[int, int]:
        """(gemeenten with any offer of their own in the catalogue, gemeenten whose whole offer is declared complete)."""
        with_data = sum(1 for m in self.municipalities if (c := self.coverage.get(m.code)) is not None and c.instruments)
        complete = sum(1 for m in self.municipalities if (c := self.coverage.get(m.code)) is not None and c.complete)
        return with_data, complete

    def reference_groups(self, kind: KindInfo, offering: list, index: int) -> list[tuple]:
        """Gemeenten grouped by their value for parameter `index`: most common first; ties: centrumgemeente, then name."""
        groups: dict = defaultdict(list)
        sigs = self.kind_facts_cache[kind.code]["sigs"]
        for m in offering:
            groups[sigs[m.id][index]].append(m)
        ordered = sorted(groups.items(), key=lambda kv: (-len(kv[1]), min(self.order[m.id] for m in kv[1])))
        return [(value, sorted(members, key=lambda m: m.name)) for value, members in ordered]

    def summarise(self):
        """Score, level and status counts without texts."""
        facts = {k.code: self.kind_facts(k) for k in self.kinds}
        scored = [k for k in self.kinds if facts[k.code]["offering"]]
        counts = Counter(f["status"] for f in facts.values())
        status_counts = {s: counts.get(s, 0) for s in STATUSES}
        if not scored or not self.municipalities:
            return facts, scored, status_counts, None, None, None, None
        filled = sum(len(facts[k.code]["has"]) for k in scored)
        known_cells = filled + sum(len(facts[k.code]["missing"]) for k in scored)  # unknown cells do not count
        coverage = filled / known_cells
        uniformity = sum(1 for k in scored if facts[k.code]["uniform"]) / len(scored)
        score = score_formula(coverage, uniformity)
        level = self.level(facts, scored)
        return facts, scored, status_counts, score, coverage, uniformity, level

    def level(self, facts: dict, scored: list[KindInfo]) -> int:
        return derive_level(
            [m.id for m in self.municipalities],
            {k.code: {m.id: ("regio",) if (m.id not in facts[k.code]["sigs"] and facts[k.code]["regional"])
                      else facts[k.code]["sigs"].get(m.id) for m in self.municipalities} for k in scored},
        )


def _split_offers(offers: list[Offer], municipality_ids: set[int], region_id: int):
    own: dict = defaultdict(list)
    regional: dict = defaultdict(list)
    national: dict = defaultdict(lambda: defaultdict(list))
    for offer in offers:
        column = _column_of(offer)
        if column == "gemeente":
            for mid in offer.municipality_ids:
                if mid in municipality_ids:
                    own[(mid, offer.kind)].append(offer)
        elif column == REGION_COLUMN:
            if region_id in offer.region_ids:
                regional[offer.kind].append(offer)
        else:
            national[offer.kind][column].append(offer)
    return own, regional, national


@contextmanager
def _collector_paused():
    """Pauses the cyclic garbage collector while building a result.

    The engine allocates many small, acyclic objects (rows, tuples, frozensets); they are freed by reference counting.
    Without the pause, the allocations trigger full collections of the whole process heap, which made every tenth region
    matrix three times slower than the rest on the 20,000-instrument catalogue. The previous state is restored.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
