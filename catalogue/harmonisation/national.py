"""All regions with score, level and gaps: one summary per region, then the most common gaps over all of them."""
from __future__ import annotations

import time
from collections import Counter, defaultdict
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..coverage import municipality_coverage
from ..models import Region
from .analysis import _Analysis, _collector_paused, own_offer_counts
from .labels import _L, REGION_COLUMN, _lang, level_label
from .offers import KindInfo, _column_of, load_kinds, load_offers, valid_municipalities
from .results import NationalOverview, Place, RegionSummary


def national_overview(session: Session, language: str = "nl", today: date | None = None) -> NationalOverview:
    """All regions with score, level and gaps, from one load of the whole catalogue (the full computation; the pages
    use catalogue.harmonisation.live, which keeps its inputs and updates them per changed instrument)."""
    with _collector_paused():
        return _national_overview(session, language, today)


def group_offers(offers, region_of: dict[int, int]) -> tuple[dict, dict, dict]:
    """(own, regional, national): per region id {(gemeente id, kind): [Offer]}, per region id {kind: [Offer]}, and
    {kind: {column: [Offer]}}, each list in the offers' order."""
    own: dict[int, dict] = defaultdict(lambda: defaultdict(list))
    regional: dict[int, dict] = defaultdict(lambda: defaultdict(list))
    national: dict = defaultdict(lambda: defaultdict(list))
    for offer in offers:
        column = _column_of(offer)
        if column == "gemeente":
            for mid in offer.municipality_ids:
                rid = region_of.get(mid)
                if rid is not None:
                    own[rid][(mid, offer.kind)].append(offer)
        elif column == REGION_COLUMN:
            for rid in offer.region_ids:
                regional[rid][offer.kind].append(offer)
        else:
            national[offer.kind][column].append(offer)
    return own, regional, national


def offered_counts(own: dict) -> tuple[dict, dict]:
    """Per gemeente id the number of its own offers and their kinds, over every region's own offers."""
    counts: dict = {}
    kinds_of: dict = {}
    for per_region in own.values():
        c, k = own_offer_counts(per_region)
        counts.update(c)
        kinds_of.update(k)
    return counts, kinds_of


def summarise_region(kinds: list[KindInfo], region, municipalities: list, own: dict, regional: dict, national: dict,
                     known: dict, language: str) -> tuple[RegionSummary, list[tuple]]:
    """One region's summary, and its part of the national gaps: per kind in its score (kind, gemeenten missing it,
    differing parameters or None). `region`: anything with code, name, slug and centrumgemeente_id."""
    analysis = _Analysis(kinds, municipalities, region.centrumgemeente_id, own, regional, national, known)
    facts, scored, status_counts, score, coverage, uniformity, level = analysis.summarise()
    based_on, complete = analysis.based_on()
    missing, differing, gaps = {}, {}, []
    for kind in scored:
        f = facts[kind.code]
        params = None
        if f["missing"]:
            missing[kind.code] = [m.code for m in f["missing"]]
        if not f["uniform"]:
            sigs = list(f["sigs"].values())
            params = [p for i, p in enumerate(kind.parameters) if len({s[i] for s in sigs}) > 1]
            differing[kind.code] = params
        if f["missing"] or params is not None:
            gaps.append((kind.code, len(f["missing"]), params))
    summary = RegionSummary(
        region=Place(region.code, region.name, region.slug), municipalities=len(municipalities),
        has_data=score is not None, score=score, coverage=coverage, uniformity=uniformity, level=level,
        level_label=level_label(level, _lang(language)), status_counts=status_counts, missing=missing,
        differing=differing, based_on=based_on, complete=complete,
    )
    return summary, gaps


def combine(kinds: list[KindInfo], parts: list[tuple[RegionSummary, list[tuple]]], language: str,
            seconds: float = 0.0) -> NationalOverview:
    """The national overview from the regions' summaries (in the regions' order): the most common gaps first."""
    lang = _lang(language)
    gap_missing: Counter = Counter()
    gap_missing_gm: Counter = Counter()
    gap_differing: Counter = Counter()
    gap_params: dict[str, Counter] = defaultdict(Counter)
    for _, gaps in parts:
        for code, missing, params in gaps:
            if missing:
                gap_missing[code] += 1
                gap_missing_gm[code] += missing
            if params is not None:
                gap_differing[code] += 1
                gap_params[code].update(params)
    kind_by_code = {k.code: k for k in kinds}
    gaps = []
    for code in set(gap_missing) | set(gap_differing):
        kind = kind_by_code[code]
        gaps.append({
            "kind": code, "name": kind.display(lang),
            "regions_missing": gap_missing.get(code, 0), "municipalities_missing": gap_missing_gm.get(code, 0),
            "regions_differing": gap_differing.get(code, 0),
            "parameters": [{"parameter": p, "label": _L[lang]["param"][p], "regions": n}
                           for p, n in gap_params[code].most_common()],
        })
    gaps.sort(key=lambda g: (-(g["regions_missing"] + g["regions_differing"]), -g["municipalities_missing"], g["kind"]))
    summaries = [summary for summary, _ in parts]
    scores = [s.score for s in summaries if s.score is not None]
    return NationalOverview(
        regions=summaries, gaps=gaps, average_score=round(sum(scores) / len(scores), 1) if scores else None,
        regions_with_data=len(scores), seconds=seconds,
    )


def _national_overview(session: Session, language: str, today: date | None) -> NationalOverview:
    started = time.perf_counter()
    today = today or date.today()
    kinds = load_kinds(session)
    regions = list(session.scalars(select(Region).order_by(Region.name)))
    municipalities = valid_municipalities(session, today)
    by_region: dict[int, list] = defaultdict(list)
    for m in municipalities:
        by_region[m.region_id].append(m)
    own, regional, national = group_offers(load_offers(session, today), {m.id: m.region_id for m in municipalities})
    known = municipality_coverage(session, municipalities, today, offered_counts(own))
    parts = [summarise_region(kinds, region, by_region.get(region.id, []), own.get(region.id, {}),
                              regional.get(region.id, {}), national, known, language) for region in regions]
    return combine(kinds, parts, language, time.perf_counter() - started)
