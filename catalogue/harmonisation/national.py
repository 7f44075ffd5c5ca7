"""All regions with score, level and gaps, from one load of the whole catalogue."""
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
from .offers import _column_of, load_kinds, load_offers, valid_municipalities
from .results import NationalOverview, Place, RegionSummary


def national_overview(session: Session, language: str = "nl", today: date | None = None) -> NationalOverview:
    """All regions with score, level and gaps, from one load of the whole catalogue."""
    with _collector_paused():
        return _national_overview(session, language, today)


def _national_overview(session: Session, language: str, today: date | None) -> NationalOverview:
    started = time.perf_counter()
    today = today or date.today()
    lang = _lang(language)
    kinds = load_kinds(session)
    regions = list(session.scalars(select(Region).order_by(Region.name)))
    municipalities = valid_municipalities(session, today)
    by_region: dict[int, list] = defaultdict(list)
    for m in municipalities:
        by_region[m.region_id].append(m)
    region_of = {m.id: m.region_id for m in municipalities}
    offers = load_offers(session, today)
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
    counts: dict = {}
    kinds_of: dict = {}
    for per_region in own.values():
        c, k = own_offer_counts(per_region)
        counts.update(c)
        kinds_of.update(k)
    known = municipality_coverage(session, municipalities, today, (counts, kinds_of))
    summaries = []
    gap_missing: Counter = Counter()
    gap_missing_gm: Counter = Counter()
    gap_differing: Counter = Counter()
    gap_params: dict[str, Counter] = defaultdict(Counter)
    for region in regions:
        ms = by_region.get(region.id, [])
        analysis = _Analysis(kinds, ms, region.centrumgemeente_id, own.get(region.id, {}), regional.get(region.id, {}),
                             national, known)
        facts, scored, status_counts, score, coverage, uniformity, level = analysis.summarise()
        based_on, complete = analysis.based_on()
        missing, differing = {}, {}
        for kind in scored:
            f = facts[kind.code]
            if f["missing"]:
                missing[kind.code] = [m.code for m in f["missing"]]
                gap_missing[kind.code] += 1
                gap_missing_gm[kind.code] += len(f["missing"])
            if not f["uniform"]:
                sigs = list(f["sigs"].values())
                params = [p for i, p in enumerate(kind.parameters) if len({s[i] for s in sigs}) > 1]
                differing[kind.code] = params
                gap_differing[kind.code] += 1
                gap_params[kind.code].update(params)
        summaries.append(RegionSummary(
            region=Place(region.code, region.name, region.slug), municipalities=len(ms), has_data=score is not None,
            score=score, coverage=coverage, uniformity=uniformity, level=level, level_label=level_label(level, lang),
            status_counts=status_counts, missing=missing, differing=differing,
            based_on=based_on, complete=complete,
        ))
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
    scores = [s.score for s in summaries if s.score is not None]
    return NationalOverview(
        regions=summaries, gaps=gaps, average_score=round(sum(scores) / len(scores), 1) if scores else None,
        regions_with_data=len(scores), seconds=time.perf_counter() - started,
    )
