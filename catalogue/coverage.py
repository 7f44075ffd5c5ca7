"""Data coverage: what the catalogue knows about the offer of a gemeente and of a region's WSP. No Flask.

Every gemeente and every region (its own, regional offer) has one of three states:

- ``geen_gegevens``: no public, current instrument of its own is in the catalogue;
- ``in_opbouw``: some are, but nobody has declared the offer complete (or the declaration expired: then
  ``last_confirmed`` says when it was last confirmed);
- ``compleet``: an editor or coordinator of the owning organisation declared the offer complete on a date, for the whole
  offer or only for some kinds. A declaration expires after the organisation's review period (``review_after_months``).

Within a ``compleet`` offer a missing kind means *not offered*; anywhere else it means *unknown*: views say "onbekend —
nog niet ingevoerd" and point to the WSP, never "geen".
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import (
    AuditEntry,
    CoverageDeclaration,
    Instrument,
    InstrumentKind,
    Municipality,
    Organisation,
    Provider,
    Region,
    User,
    instrument_municipality,
    instrument_region,
)
from .queries import public_condition
from .review import DEFAULT_REVIEW_AFTER_MONTHS, months_ago

STATES = ("geen_gegevens", "in_opbouw", "compleet")
LABELS = {
    "nl": {"geen_gegevens": "geen gegevens", "in_opbouw": "in opbouw", "compleet": "compleet",
           "unknown": "onbekend — nog niet ingevoerd", "not_offered": "niet aangeboden"},
    "en": {"geen_gegevens": "no data", "in_opbouw": "being entered", "compleet": "complete",
           "unknown": "unknown — not yet entered", "not_offered": "not offered"},
}


def _lang(language: str) -> str:
    return language if language in LABELS else "nl"


def state_label(state: str, language: str = "nl") -> str:
    return LABELS[_lang(language)][state]


def unknown_text(language: str = "nl") -> str:
    """What a cell or row of an offer that is not (known to be) in the catalogue says."""
    return LABELS[_lang(language)]["unknown"]


class CoverageError(Exception):
    """A declaration that is refused (with a message for the user). `status` is the HTTP status it maps to."""

    def __init__(self, message: str, status: int = 400, reason: str = "", **details):
        super().__init__(message)
        self.message = message
        self.status = status
        self.reason = reason  # forbidden | no_instruments | unknown_kind: lets the web layer translate the message
        self.details = details


@dataclass
class Coverage:
    """What is known about the offer of one gemeente (``level == "gemeente"``) or one region's WSP (``"regio"``)."""

    level: str
    code: str  # GM or AM code
    name: str
    slug: str
    state: str
    instruments: int = 0  # public, current instruments of its own offer
    kinds: set[str] = field(default_factory=set)  # kinds it offers itself
    declared_at: datetime | None = None  # the declaration in force
    declared_by: str | None = None
    declared_kinds: tuple[str, ...] = ()  # empty = the whole offer
    expires_on: date | None = None
    last_confirmed: date | None = None  # an expired declaration's date
    owner: str | None = None  # the organisation that keeps this offer
    example: bool = False

    @property
    def complete(self) -> bool:
        """The whole offer is declared complete: only then may a page say "here is everything"."""
        return self.state == "compleet" and not self.declared_kinds

    def known(self, kind: str | None = None) -> bool:
        """Is the absence of `kind` (or, without a kind, of anything) known to mean "not offered"?"""
        if self.state != "compleet":
            return False
        if kind is None:
            return not self.declared_kinds
        return not self.declared_kinds or kind in self.declared_kinds

    def has(self, kind: str) -> bool | None:
        """True when it offers the kind itself, False when it is known not to, None when unknown."""
        if kind in self.kinds:
            return True
        return False if self.known(kind) else None

    def label(self, language: str = "nl") -> str:
        return state_label(self.state, language)

    def to_dict(self) -> dict:
        return {
            "level": self.level, "code": self.code, "name": self.name, "state": self.state,
            "state_label": state_label(self.state), "instruments": self.instruments, "kinds": sorted(self.kinds),
            "declared_at": _rfc3339(self.declared_at),
            "declared_kinds": list(self.declared_kinds) or None,
            "expires_on": self.expires_on.isoformat() if self.expires_on else None,
            "last_confirmed": self.last_confirmed.isoformat() if self.last_confirmed else None,
            "owner": self.owner,
        }


def _rfc3339(moment: datetime | None) -> str | None:
    """A timestamp with its timezone (the database keeps UTC; SQLite without the offset)."""
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).isoformat()


# ---------------------------------------------------------------------------------------------------------------------
# Loading


def _valid(stmt, model, today: date):
    return stmt.where((model.valid_until.is_(None)) | (model.valid_until >= today),
                      (model.valid_from.is_(None)) | (model.valid_from <= today))


def _current_instrument(today: date):
    return [public_condition(today), (Instrument.valid_until.is_(None)) | (Instrument.valid_until >= today),
            (Instrument.valid_from.is_(None)) | (Instrument.valid_from <= today)]


def _owners(session: Session) -> tuple[dict[int, Organisation], dict[int, Organisation]]:
    by_municipality, by_region = {}, {}
    for org in session.scalars(select(Organisation)):
        if org.municipality_id is not None:
            by_municipality.setdefault(org.municipality_id, org)
        if org.region_id is not None:
            by_region.setdefault(org.region_id, org)
    return by_municipality, by_region


def _latest_declarations(session: Session, column, ids: list[int]) -> dict[int, CoverageDeclaration]:
    if not ids:
        return {}
    latest = {}
    stmt = (select(CoverageDeclaration).where(column.in_(ids))
            .order_by(CoverageDeclaration.declared_at.desc(), CoverageDeclaration.id.desc()))
    for d in session.scalars(stmt):
        latest.setdefault(getattr(d, column.key), d)
    return latest


def _apply_declaration(cov: Coverage, declaration: CoverageDeclaration | None, owner: Organisation | None,
                       today: date) -> None:
    cov.owner = owner.name if owner is not None else None
    if cov.instruments == 0:
        cov.state = "geen_gegevens"
    else:
        cov.state = "in_opbouw"
    if declaration is None:
        return
    org = declaration.organisation or owner
    months = org.review_after_months if org is not None and org.review_after_months else DEFAULT_REVIEW_AFTER_MONTHS
    declared_on = declaration.declared_at.date()
    expires_on = months_ago(declared_on, -months)
    if today >= expires_on or cov.instruments == 0:
        cov.last_confirmed = declared_on
        return
    cov.state = "compleet"
    cov.declared_at = declaration.declared_at
    cov.declared_by = declaration.actor
    cov.declared_kinds = tuple(declaration.kinds or ())
    cov.expires_on = expires_on


def _own_offer(session: Session, ids: list[int] | None, today: date) -> tuple[dict, dict]:
    """Per gemeente id: the number of public, current lokaal instruments available in it, and their kinds."""
    kinds: dict[int, set[str]] = defaultdict(set)
    counts: dict[int, int] = defaultdict(int)
    stmt = (select(instrument_municipality.c.municipality_id, InstrumentKind.code, func.count())
            .join(Instrument, Instrument.id == instrument_municipality.c.instrument_id)
            .join(InstrumentKind, InstrumentKind.id == Instrument.kind_id)
            .where(Instrument.reach == "lokaal", *_current_instrument(today))
            .group_by(instrument_municipality.c.municipality_id, InstrumentKind.code))
    if ids is not None:
        # the instruments of these gemeenten first (rowid lookups), not every published one: SQLite's planner
        # otherwise walks the status index, ~100 ms at 100,000 instruments for one gemeente (1-3 ms this way)
        linked = select(instrument_municipality.c.instrument_id).where(instrument_municipality.c.municipality_id.in_(ids))
        stmt = stmt.where(instrument_municipality.c.municipality_id.in_(ids), Instrument.id.in_(linked))
    for mid, kind, n in session.execute(stmt):
        kinds[mid].add(kind)
        counts[mid] += n
    return counts, kinds


def municipality_coverage(session: Session, municipalities: list[Municipality] | None = None,
                          today: date | None = None, offered: tuple[dict, dict] | None = None) -> dict[str, Coverage]:
    """GM code -> Coverage of the gemeente's own offer (lokaal instruments available in it), for these gemeenten (or
    every current one). `offered`: (counts, kinds) per gemeente id when the caller has loaded the offers already."""
    today = today or date.today()
    everyone = municipalities is None
    if everyone:
        municipalities = list(session.scalars(_valid(select(Municipality), Municipality, today)
                                              .order_by(Municipality.name)))
    ids = [m.id for m in municipalities]
    if offered is not None:
        counts, kinds = offered
    elif ids:
        counts, kinds = _own_offer(session, None if everyone or len(ids) > 50 else ids, today)
    else:
        counts, kinds = {}, {}
    declarations = _latest_declarations(session, CoverageDeclaration.municipality_id, ids)
    owners, _ = _owners(session)
    out = {}
    for m in municipalities:
        cov = Coverage("gemeente", m.code, m.name, m.slug, "geen_gegevens", counts.get(m.id, 0), kinds.get(m.id, set()))
        _apply_declaration(cov, declarations.get(m.id), owners.get(m.id), today)
        out[m.code] = cov
    return out


def region_coverage(session: Session, regions: list[Region] | None = None, today: date | None = None) -> dict[str, Coverage]:
    """AM code -> Coverage of the region's own offer (regionaal instruments of the region, its WSP's among them)."""
    today = today or date.today()
    if regions is None:
        regions = list(session.scalars(select(Region).order_by(Region.name)))
    ids = [r.id for r in regions]
    kinds: dict[int, set[str]] = defaultdict(set)
    counts: dict[int, int] = defaultdict(int)
    if ids:
        stmt = (select(instrument_region.c.region_id, InstrumentKind.code, func.count())
                .join(Instrument, Instrument.id == instrument_region.c.instrument_id)
                .join(InstrumentKind, InstrumentKind.id == Instrument.kind_id)
                .join(Provider, Provider.id == Instrument.provider_id)
                .where(Instrument.reach == "regionaal", Provider.type.notin_(("uwv", "belastingdienst", "landelijk")),
                       instrument_region.c.region_id.in_(ids), *_current_instrument(today),
                       Instrument.id.in_(select(instrument_region.c.instrument_id)  # as in _own_offer
                                         .where(instrument_region.c.region_id.in_(ids))))
                .group_by(instrument_region.c.region_id, InstrumentKind.code))
        for rid, kind, n in session.execute(stmt):
            kinds[rid].add(kind)
            counts[rid] += n
    declarations = _latest_declarations(session, CoverageDeclaration.region_id, ids)
    _, owners = _owners(session)
    out = {}
    for r in regions:
        cov = Coverage("regio", r.code, r.name, r.slug, "geen_gegevens", counts.get(r.id, 0), kinds.get(r.id, set()),
                       example=bool(r.example))
        _apply_declaration(cov, declarations.get(r.id), owners.get(r.id), today)
        out[r.code] = cov
    return out


def local_kinds(session: Session, today: date | None = None) -> set[str]:
    """Kinds that some gemeente offers itself somewhere in the catalogue: what an unknown gemeente might offer too."""
    today = today or date.today()
    return set(session.scalars(select(InstrumentKind.code).join(Instrument, Instrument.kind_id == InstrumentKind.id)
                               .where(Instrument.reach == "lokaal", *_current_instrument(today)).distinct()))


def offer_rows(session: Session, cov: Coverage, today: date | None = None) -> list[tuple[InstrumentKind, str]]:
    """Per kind a gemeente might offer: "offered", "not_offered" (declared complete without it) or "unknown"."""
    wanted = local_kinds(session, today) | cov.kinds
    kinds = session.scalars(select(InstrumentKind).where(InstrumentKind.code.in_(wanted))
                            .order_by(InstrumentKind.sort_order)) if wanted else []
    return [(k, {True: "offered", False: "not_offered", None: "unknown"}[cov.has(k.code)]) for k in kinds]


def coverage_of(session: Session, place: Municipality | Region, today: date | None = None) -> Coverage:
    if isinstance(place, Municipality):
        return municipality_coverage(session, [place], today)[place.code]
    return region_coverage(session, [place], today)[place.code]


# ---------------------------------------------------------------------------------------------------------------------
# Declaring


def may_declare(user, place: Municipality | Region) -> bool:
    """Editors and coordinators of the organisation that owns the place; a region's coordinators also for its gemeenten;
    admins."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False) \
            or not isinstance(user, User):
        return False
    if user.is_admin:
        return True
    for m in user.memberships:
        org = m.organisation
        if m.role not in ("editor", "coordinator"):
            continue
        if isinstance(place, Municipality):
            if org.municipality_id == place.id:
                return True
            home = org.home_region
            if m.role == "coordinator" and home is not None and home.id == place.region_id:
                return True
        elif org.region_id == place.id or (m.role == "coordinator" and org.home_region is not None
                                           and org.home_region.id == place.id):
            return True
    return False


def declarable_places(session: Session, user, today: date | None = None) -> tuple[list[Municipality], list[Region]]:
    """The gemeenten and regions whose offer the user may declare complete (admins: every region, no gemeenten list)."""
    if user is None or not getattr(user, "is_authenticated", False) or not isinstance(user, User):
        return [], []
    today = today or date.today()
    if user.is_admin:
        return [], list(session.scalars(select(Region).order_by(Region.name)))
    municipality_ids: set[int] = set()
    region_ids: set[int] = set()
    for m in user.memberships:
        if m.role not in ("editor", "coordinator"):
            continue
        org = m.organisation
        if org.municipality_id is not None:
            municipality_ids.add(org.municipality_id)
        if org.region_id is not None:
            region_ids.add(org.region_id)
        if m.role == "coordinator" and org.home_region is not None:
            region_ids.add(org.home_region.id)
            municipality_ids |= set(session.scalars(_valid(select(Municipality.id), Municipality, today)
                                                    .where(Municipality.region_id == org.home_region.id)))
    municipalities = list(session.scalars(select(Municipality).where(Municipality.id.in_(municipality_ids))
                                          .order_by(Municipality.name))) if municipality_ids else []
    regions = list(session.scalars(select(Region).where(Region.id.in_(region_ids)).order_by(Region.name))) \
        if region_ids else []
    return municipalities, regions


def declare_complete(session: Session, user: User, place: Municipality | Region, kinds: list[str] | None = None,
                     via: str = "web", now: datetime | None = None, today: date | None = None) -> CoverageDeclaration:
    """Declares the offer of `place` complete (only for `kinds` when given). Audited. Raises CoverageError (403 when the
    user may not, 400 when there is no published instrument or a kind is unknown); nothing changes then."""
    if not may_declare(user, place):
        raise CoverageError("U mag het aanbod van deze gemeente of regio niet compleet verklaren.", 403, "forbidden")
    now = now or datetime.now(timezone.utc)
    today = today or now.date()
    before = coverage_of(session, place, today)
    if before.instruments == 0:
        raise CoverageError(f"{place.name} heeft nog geen gepubliceerd instrument in de gids. Publiceer eerst het "
                            f"aanbod; daarna kunt u het compleet verklaren.", 400, "no_instruments", name=place.name)
    kinds = sorted(set(kinds or ()))
    if kinds:
        known = set(session.scalars(select(InstrumentKind.code)))
        wrong = [k for k in kinds if k not in known]
        if wrong:
            raise CoverageError(f"Onbekende soort: {', '.join(wrong)}.", 400, "unknown_kind", kinds=", ".join(wrong))
    owners_m, owners_r = _owners(session)
    is_gemeente = isinstance(place, Municipality)
    owner = (owners_m if is_gemeente else owners_r).get(place.id)
    declaration = CoverageDeclaration(
        municipality_id=place.id if is_gemeente else None, region_id=None if is_gemeente else place.id, kinds=kinds,
        declared_at=now, user_id=user.id, actor=user.email, organisation_id=owner.id if owner is not None else None,
        via=via)
    session.add(declaration)
    session.add(AuditEntry(
        user_id=user.id, actor=user.email, via=via, action="coverage", created_at=now,
        region_id=place.region_id if is_gemeente else place.id,
        changes={"coverage": [before.state, "compleet"], "place": [None, place.code],
                 "kinds": [list(before.declared_kinds) or None, kinds or None]}))
    session.flush()
    return declaration


# ---------------------------------------------------------------------------------------------------------------------
# The national overview (/dekking)


@dataclass
class RegionCoverage:
    code: str
    name: str
    slug: str
    counts: dict[str, int]  # state -> number of gemeenten
    municipalities: int
    wsp: Coverage  # the region's own offer
    last_confirmed: date | None  # the newest declaration (in force or not) of its gemeenten or its WSP
    gemeenten: list[Coverage]

    @property
    def band(self) -> str:
        """Map band: compleet (all gemeenten complete), deels (some), opbouw (none complete, some data), geen."""
        if self.municipalities and self.counts["compleet"] == self.municipalities:
            return "compleet"
        if self.counts["compleet"]:
            return "deels"
        if self.counts["in_opbouw"]:
            return "opbouw"
        return "geen"

    def to_dict(self, with_gemeenten: bool = False) -> dict:
        data = {"code": self.code, "name": self.name, "municipalities": self.municipalities, "counts": self.counts,
                "band": self.band, "wsp": self.wsp.to_dict(),
                "last_confirmed": self.last_confirmed.isoformat() if self.last_confirmed else None}
        if with_gemeenten:
            data["gemeenten"] = [g.to_dict() for g in self.gemeenten]
        return data


def coverage_overview(session: Session, today: date | None = None) -> list[RegionCoverage]:
    """Per region: how many gemeenten are geen gegevens / in opbouw / compleet, its WSP's state and the last confirmation."""
    today = today or date.today()
    municipalities = list(session.scalars(_valid(select(Municipality), Municipality, today).order_by(Municipality.name)))
    regions = list(session.scalars(select(Region).order_by(Region.name)))
    per_m = municipality_coverage(session, municipalities, today)
    per_r = region_coverage(session, regions, today)
    last: dict[int, date] = {}
    region_of = {m.id: m.region_id for m in municipalities}
    for mid, rid, at in session.execute(
            select(CoverageDeclaration.municipality_id, CoverageDeclaration.region_id,
                   func.max(CoverageDeclaration.declared_at))
            .group_by(CoverageDeclaration.municipality_id, CoverageDeclaration.region_id)):
        region_id = region_of.get(mid) if mid is not None else rid
        if region_id is not None and at is not None:
            day = at.date() if isinstance(at, datetime) else at
            last[region_id] = max(last.get(region_id, day), day)
    by_region: dict[int, list[Coverage]] = defaultdict(list)
    for m in municipalities:
        by_region[m.region_id].append(per_m[m.code])
    out = []
    for r in regions:
        gemeenten = by_region.get(r.id, [])
        counts = {s: sum(1 for g in gemeenten if g.state == s) for s in STATES}
        out.append(RegionCoverage(r.code, r.name, r.slug, counts, len(gemeenten), per_r[r.code], last.get(r.id),
                                  gemeenten))
    return out
