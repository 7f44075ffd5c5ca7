"""The figures behind the coordinator (one region) and admin (national) views. They read the monthly tallies
(`tallies`), never the events themselves, over the months still kept (13)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import NamedTuple

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from ..models import GapTally, Municipality, Region, SearchTally
from .retention import cutoff

TOP = 25


class Gap(NamedTuple):
    """Asked in a gemeente, nothing found: with what the dashboard links to (the region's harmonisation matrix at the
    kind, the gemeente's offer per kind)."""
    municipality: str  # name (the code when the gemeente is unknown)
    kinds: str
    target_groups: str
    n: int
    code: str
    slug: str | None = None
    region_slug: str | None = None

    @property
    def kind_list(self) -> list[str]:
        return [k for k in self.kinds.split(",") if k]


@dataclass
class Figures:
    region_code: str | None
    total: int = 0
    zero: int = 0
    top_queries: list[tuple[str, int, int]] = field(default_factory=list)  # query, searches, without results
    zero_queries: list[tuple[str, int]] = field(default_factory=list)
    ended_only: list[tuple[str, int]] = field(default_factory=list)  # only ended schemes matched
    gaps: list[Gap] = field(default_factory=list)
    months: list[tuple[str, int, int]] = field(default_factory=list)  # month, searches, without results


def first_month(now: datetime | None = None) -> str:
    return cutoff(now or datetime.now(timezone.utc)).strftime("%Y-%m")


def _scope(model, region_code: str | None, since: str):
    where = [model.month >= since]
    if region_code is not None:
        where.append(model.region_code == region_code)
    return and_(*where)


def figures(session: Session, region_code: str | None = None, now: datetime | None = None, top: int = TOP) -> Figures:
    since = first_month(now)
    scope = _scope(SearchTally, region_code, since)
    not_found = case((SearchTally.outcome != "found", SearchTally.n), else_=0)
    n = func.sum(SearchTally.n).label("n")
    out = Figures(region_code)
    out.total, out.zero = session.execute(select(func.coalesce(func.sum(SearchTally.n), 0),
                                                 func.coalesce(func.sum(not_found), 0)).where(scope)).one()
    asked = and_(scope, SearchTally.query != "")
    out.top_queries = [tuple(r) for r in session.execute(
        select(SearchTally.query, n, func.sum(not_found)).where(asked)
        .group_by(SearchTally.query).order_by(n.desc(), SearchTally.query).limit(top))]
    for outcome, target in (("zero", out.zero_queries), ("ended", out.ended_only)):
        target += [tuple(r) for r in session.execute(
            select(SearchTally.query, n).where(asked, SearchTally.outcome == outcome)
            .group_by(SearchTally.query).order_by(n.desc(), SearchTally.query).limit(top))]
    out.months = [tuple(r) for r in session.execute(
        select(SearchTally.month, n, func.sum(not_found)).where(scope)
        .group_by(SearchTally.month).order_by(SearchTally.month))]
    g = func.sum(GapTally.n).label("g")
    rows = session.execute(
        select(GapTally.municipality_code, GapTally.kinds, GapTally.target_groups, g)
        .where(_scope(GapTally, region_code, since))
        .group_by(GapTally.municipality_code, GapTally.kinds, GapTally.target_groups)
        .order_by(g.desc(), GapTally.municipality_code).limit(top)).all()
    codes = {r[0] for r in rows}
    places = {code: (name, slug, region_slug) for code, name, slug, region_slug in session.execute(
        select(Municipality.code, Municipality.name, Municipality.slug, Region.slug)
        .outerjoin(Region, Region.id == Municipality.region_id).where(Municipality.code.in_(codes)))} if codes else {}
    out.gaps = [Gap(places.get(code, (code,))[0], kinds, groups, count, code, *places.get(code, (None, None, None))[1:])
                for code, kinds, groups, count in rows]
    return out


def csv_rows(f: Figures) -> list[list]:
    """One sheet: section, label, figures (the CSV export of the dashboard)."""
    rows: list[list] = [["onderdeel", "waarde", "aantal", "zonder resultaat"],
                        ["totaal", "", f.total, f.zero]]
    rows += [["meest gezocht", q, n, z] for q, n, z in f.top_queries]
    rows += [["zonder resultaat", q, n, n] for q, n in f.zero_queries]
    rows += [["alleen beëindigde regelingen", q, n, n] for q, n in f.ended_only]
    rows += [["gevraagd, niets gevonden", f"{g} | soort: {k or '-'} | doelgroep: {t or '-'}", n, n]
             for g, k, t, n, *_place in f.gaps]
    rows += [["per maand", m, n, z] for m, n, z in f.months]
    return rows
