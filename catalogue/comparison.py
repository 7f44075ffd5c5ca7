"""The four comparison views, computed from the structured parameters. No Flask.

1. instruments   2-4 instruments side by side, parameter by parameter
2. municipalities  gemeente vs gemeente: per kind what one has that the other lacks, and what differs
3. municipality_uwv  gemeente vs UWV, optionally for one target group or scheme
4. regions       region vs region: harmonisation scores and coverage per kind

Every row carries `differs`, computed on normalised values (durations in months, amounts as numbers, term codes), not on
display text. Invalid input raises ComparisonError (a QueryError) with a message for the user.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from .harmonisation import (
    NOT_COMPARED_WITH_UWV,
    UWV_COLUMN,
    KindInfo,
    Offer,
    Texts,
    _column_of,
    _L,
    available_ids_subquery,
    _lang,
    load_kinds,
    load_offers,
    load_term_names,
    region_harmonisation,
    signature,
    uwv_relation,
)
from .coverage import Coverage, local_kinds, municipality_coverage
from .models import Municipality, Region, TaxonomyTerm
from .dated import on_date
from .parameters import amount_text, applicant_text, decision_period_text, duration_in_months, duration_text
from .places import resolve_place
from .queries import QueryError, get_public_instrument

MIN_INSTRUMENTS, MAX_INSTRUMENTS = 2, 4


class ComparisonError(QueryError):
    """Input a comparison cannot use; `parameter` names the request parameter."""


_T = {
    "nl": {
        "kind": "Soort", "provider": "Aanbieder", "where": "Waar", "lifecycle": "Looptijd", "duration": "Maximale duur",
        "amount": "Bedrag", "amount_note": "Toelichting bedrag", "applicant": "Wie vraagt aan", "decision_period": "Beslistermijn",
        "payment_moments": "Uitbetaling", "requires_doelgroepverklaring": "Doelgroepverklaring nodig",
        "requires_doelgroepregister": "Inschrijving doelgroepregister nodig", "target_group": "Doelgroep",
        "scheme": "Uitkering of regeling", "age_group": "Leeftijd", "employment_type": "Soort dienstverband",
        "sector": "Sector", "leerwerktraject": "Leerwerktraject", "legal_basis": "Wettelijke basis",
        "example": "Voorbeeldcontent",
        "yes": "ja", "no": "nee", "none": "—", "everywhere": "heel Nederland", "all": "alle",
        "current": "loopt", "upcoming": "nog niet gestart", "ended": "beëindigd",
        "score": "Harmonisatiescore", "level": "Niveau (Arbeidsinspectie)", "coverage": "Dekking", "uniformity": "Gelijkheid",
        "no_data": "geen gegevens", "of": "{n} van {m} gemeenten", "of_unknown": "{n} van {m} gemeenten; {u}: onbekend — nog niet ingevoerd",
        "based_on": "Gebaseerd op", 
        "own": "eigen instrument", "regional": "via de regio",
    },
    "en": {
        "kind": "Kind", "provider": "Provider", "where": "Where", "lifecycle": "Status of the scheme", "duration": "Maximum duration",
        "amount": "Amount", "amount_note": "Amount note", "applicant": "Who applies", "decision_period": "Decision period",
        "payment_moments": "Payment", "requires_doelgroepverklaring": "Target group statement required",
        "requires_doelgroepregister": "Registration in target group register required", "target_group": "Target group",
        "scheme": "Benefit or scheme", "age_group": "Age", "employment_type": "Type of employment", "sector": "Sector",
        "leerwerktraject": "Work-based learning", "legal_basis": "Legal basis", "example": "Example content",
        "yes": "yes", "no": "no", "none": "—", "everywhere": "the whole Netherlands", "all": "all",
        "current": "current", "upcoming": "not started yet", "ended": "ended",
        "score": "Harmonisation score", "level": "Level (Labour Inspectorate)", "coverage": "Coverage", "uniformity": "Uniformity",
        "no_data": "no data", "of": "{n} of {m} municipalities", "of_unknown": "{n} of {m} municipalities; {u}: unknown — not yet entered",
        "based_on": "Based on", 
        "own": "own instrument", "regional": "through the region",
    },
}
_STATUS = {
    "nl": {"gelijk": "Gelijk", "verschilt": "Verschilt", "alleen_a": "Alleen {a}", "alleen_b": "Alleen {b}",
           "onbekend_a": "{a}: onbekend — nog niet ingevoerd", "onbekend_b": "{b}: onbekend — nog niet ingevoerd",
           "onbekend": "Onbekend — nog niet ingevoerd",
           "gemeente_onbekend": "{a}: onbekend — nog niet ingevoerd",
           "alleen_gemeente": "Alleen {a}", "alleen_uwv": "Alleen UWV", "niet_harmoniseerbaar": "Wettelijk niet te harmoniseren"},
    "en": {"gelijk": "Same", "verschilt": "Differs", "alleen_a": "Only {a}", "alleen_b": "Only {b}",
           "onbekend_a": "{a}: unknown — not yet entered", "onbekend_b": "{b}: unknown — not yet entered",
           "onbekend": "Unknown — not yet entered",
           "gemeente_onbekend": "{a}: unknown — not yet entered",
           "alleen_gemeente": "Only {a}", "alleen_uwv": "Only UWV", "niet_harmoniseerbaar": "Cannot be harmonised by law"},
}


def split_list(raw: str | list | None) -> list[str]:
    values = raw if isinstance(raw, list) else [raw or ""]
    out: list[str] = []
    for value in values:
        for part in str(value).split(","):
            part = part.strip()
            if part and part not in out:
                out.append(part)
    return out


@dataclass
class Row:
    key: str
    label: str
    values: list[str]
    differs: bool


@dataclass
class InstrumentComparison:
    instruments: list[dict]  # {slug, name, provider, kind, example, lifecycle}
    rows: list[Row]

    @property
    def differing(self) -> list[str]:
        return [r.key for r in self.rows if r.differs]

    def to_dict(self) -> dict:
        return {"type": "instruments", **asdict(self), "differing": self.differing}


def _terms_text(item, taxonomy: str, language: str, none: str) -> str:
    terms = item.terms_of(taxonomy)
    if not terms:
        return none
    return ", ".join((t.name_en or t.name) if language == "en" else t.name for t in terms)


def compare_instruments(session: Session, slugs: list[str], language: str = "nl",
                        today: date | None = None) -> InstrumentComparison:
    """2-4 public instruments side by side."""
    lang = _lang(language)
    t = _T[lang]
    slugs = split_list(slugs)
    if len(slugs) < MIN_INSTRUMENTS:
        raise ComparisonError("instrumenten", f"kies ten minste {MIN_INSTRUMENTS} instrumenten om te vergelijken")
    if len(slugs) > MAX_INSTRUMENTS:
        raise ComparisonError("instrumenten", f"u kunt hoogstens {MAX_INSTRUMENTS} instrumenten tegelijk vergelijken")
    items = []
    for slug in slugs:
        item = get_public_instrument(session, slug[:160], today)
        if item is None:
            raise ComparisonError("instrumenten", f"onbekend of niet gepubliceerd instrument '{slug[:80]}'")
        items.append(on_date(item, today or date.today()))  # amounts in force on the peildatum

    def name_of(obj, attr="name"):
        if lang == "en":
            translated = (getattr(obj, "translations", None) or {}).get("en", {}).get(attr) if hasattr(obj, "translations") \
                else getattr(obj, f"{attr}_en", None)
            return translated or getattr(obj, attr)
        return getattr(obj, attr)

    def where(item) -> tuple:
        if item.reach == "landelijk":
            return ("landelijk",), t["everywhere"]
        places = item.regions if item.reach == "regionaal" else item.municipalities
        return (item.reach, tuple(sorted(p.code for p in places))), ", ".join(p.name for p in places) or t["none"]

    def yes_no(value: bool) -> str:
        return t["yes"] if value else t["no"]

    specs = [
        ("kind", lambda i: i.kind.code, lambda i: name_of(i.kind)),
        ("provider", lambda i: i.provider.slug, lambda i: i.provider.name),
        ("where", lambda i: where(i)[0], lambda i: where(i)[1]),
        ("lifecycle", lambda i: i.lifecycle(today), lambda i: t[i.lifecycle(today)]),
        ("duration", lambda i: duration_in_months(i.duration_max, i.duration_unit),
         lambda i: duration_text(i.duration_max, i.duration_unit, lang) or t["none"]),
        ("amount", lambda i: (i.amount_type, _n(i.amount_value), _n(i.amount_max_per_year), _n(i.amount_max_total)),
         lambda i: amount_text(i, lang) or t["none"]),
        ("applicant", lambda i: i.applicant, lambda i: applicant_text(i.applicant, lang) or t["none"]),
        ("decision_period", lambda i: i.decision_period_weeks,
         lambda i: decision_period_text(i.decision_period_weeks, lang) or t["none"]),
        ("payment_moments", lambda i: " ".join((i.payment_moments or "").lower().split()) or None,
         lambda i: i.payment_moments or t["none"]),
        ("requires_doelgroepverklaring", lambda i: bool(i.requires_doelgroepverklaring),
         lambda i: yes_no(i.requires_doelgroepverklaring)),
        ("requires_doelgroepregister", lambda i: bool(i.requires_doelgroepregister),
         lambda i: yes_no(i.requires_doelgroepregister)),
    ]
    for taxonomy in ("target_group", "scheme", "age_group", "employment_type", "sector"):
        specs.append((taxonomy, lambda i, tx=taxonomy: tuple(sorted(x.code for x in i.terms_of(tx))),
                      lambda i, tx=taxonomy: _terms_text(i, tx, lang, t["all"])))
    specs += [
        ("leerwerktraject", lambda i: bool(i.leerwerktraject), lambda i: yes_no(i.leerwerktraject)),
        ("legal_basis", lambda i: " ".join((i.legal_basis or "").split()) or None, lambda i: i.legal_basis or t["none"]),
        ("example", lambda i: bool(i.example), lambda i: yes_no(i.example)),
    ]
    rows = []
    for key, value_of, text_of in specs:
        values = [value_of(i) for i in items]
        rows.append(Row(key, t[key], [text_of(i) for i in items], len(set(values)) > 1))
    instruments = [{"slug": i.slug, "name": name_of(i), "provider": i.provider.name, "kind": i.kind.code,
                    "example": bool(i.example), "lifecycle": i.lifecycle(today)} for i in items]
    return InstrumentComparison(instruments, rows)


def _n(value):
    from decimal import Decimal

    return None if value is None else Decimal(value).normalize()


# ---------------------------------------------------------------------------------------------------------------------
# Gemeenten and UWV


def find_municipality(session: Session, value: str, parameter: str, today: date | None = None) -> Municipality:
    value = (value or "").strip()
    if not value:
        raise ComparisonError(parameter, "kies een gemeente (CBS-code zoals GM0513 of de naam)")
    lookup = resolve_place(session, value)
    if lookup.choices:
        options = "; ".join(f"{c.woonplaats} (gemeente {c.municipality.name}, {c.municipality.code})" if c.woonplaats
                            else f"{c.municipality.name} ({c.municipality.code})" for c in lookup.choices[:10])
        raise ComparisonError(parameter, f"'{value[:60]}' past bij meer dan één gemeente; kies: {options}")
    if lookup.municipality is None:
        hint = f"; bedoelt u '{lookup.suggestion}'?" if lookup.suggestion else ""
        raise ComparisonError(parameter, f"onbekende gemeente of woonplaats '{value[:60]}'{hint}")
    return lookup.municipality


def find_region(session: Session, value: str, parameter: str) -> Region:
    value = (value or "").strip()
    if not value:
        raise ComparisonError(parameter, "kies een arbeidsmarktregio (CBS-code zoals AM20)")
    found = session.scalar(select(Region).where(
        or_(Region.code == value.upper()[:8], Region.slug == value.lower()[:120], func.lower(Region.name) == value.lower()[:120])))
    if found is None:
        raise ComparisonError(parameter, f"onbekende arbeidsmarktregio '{value[:60]}'")
    return found


def _local_offers(session: Session, municipality: Municipality, today: date, language: str) -> tuple[dict, dict]:
    """Per kind: the gemeente's non-national offers (own lokaal ones, else the region's), and the national ones by column."""
    offers = load_offers(session, today, available_ids_subquery([municipality.id], [municipality.region_id]),
                         with_translations=language != "nl")
    own: dict[str, list[Offer]] = {}
    regional: dict[str, list[Offer]] = {}
    national: dict[str, dict[str, list[Offer]]] = {}
    for offer in offers:
        column = _column_of(offer)
        if column == "gemeente":
            own.setdefault(offer.kind, []).append(offer)
        elif column == "regio":
            regional.setdefault(offer.kind, []).append(offer)
        else:
            national.setdefault(offer.kind, {}).setdefault(column, []).append(offer)
    local = {k: own.get(k) or regional.get(k) for k in set(own) | set(regional)}
    sources = {k: ("own" if own.get(k) else "regional") for k in local}
    return {"offers": local, "sources": sources}, national


@dataclass
class KindComparison:
    kind: str
    name: str
    status: str  # gelijk | verschilt | alleen_a | alleen_b | onbekend_a | onbekend_b | alleen_gemeente | alleen_uwv
    #              | gemeente_onbekend | niet_harmoniseerbaar
    status_label: str
    a_instruments: list[dict]
    b_instruments: list[dict]
    a_source: str | None = None
    b_source: str | None = None
    rows: list[Row] = field(default_factory=list)
    note: str | None = None
    a_unknown: bool = False  # no instrument of this kind on side a, and a's offer is not known complete
    b_unknown: bool = False

    @property
    def differing(self) -> list[str]:
        return [r.key for r in self.rows if r.differs]


@dataclass
class PairComparison:
    type: str
    a: dict
    b: dict
    kinds: list[KindComparison]
    filter: dict | None = None
    coverage: dict = field(default_factory=dict)  # "a"/"b" -> catalogue.coverage.Coverage.to_dict() (gemeenten)

    def by_status(self, status: str) -> list[KindComparison]:
        return [k for k in self.kinds if k.status == status]

    def kind(self, code: str) -> KindComparison | None:
        return next((k for k in self.kinds if k.kind == code), None)

    def to_dict(self) -> dict:
        data = asdict(self)
        for item, kind in zip(data["kinds"], self.kinds):
            item["differing"] = kind.differing
        return data


def _refs(offers: list[Offer] | None, texts: Texts) -> list[dict]:
    return [{"slug": o.slug, "name": (o.name_en if texts.language == "en" and o.name_en else o.name),
             "provider": o.provider_name, "example": o.example} for o in offers or []]


def _param_rows(kind: KindInfo, a: list[Offer], b: list[Offer], texts: Texts, skip=()) -> list[Row]:
    rows = []
    for param in kind.parameters:
        differs = param not in skip and signature(a, [param]) != signature(b, [param])
        rows.append(Row(param, _L[texts.language]["param"][param], [texts.values(a, param), texts.values(b, param)], differs))
    return rows


def compare_municipalities(session: Session, a: str, b: str, language: str = "nl",
                           today: date | None = None) -> PairComparison:
    """Gemeente vs gemeente, per kind; national instruments are the same for both and left out."""
    today = today or date.today()
    lang = _lang(language)
    ma = find_municipality(session, a, "a")
    mb = find_municipality(session, b, "b")
    if ma.id == mb.id:
        raise ComparisonError("b", "kies twee verschillende gemeenten")
    texts = Texts(lang, load_term_names(session))
    la, _ = _local_offers(session, ma, today, lang)
    lb, _ = _local_offers(session, mb, today, lang)
    known = municipality_coverage(session, [ma, mb], today)
    ca, cb = known[ma.code], known[mb.code]
    local = local_kinds(session, today)
    s = _STATUS[lang]
    kinds = []
    for kind in load_kinds(session):
        oa, ob = la["offers"].get(kind.code), lb["offers"].get(kind.code)
        ua, ub = not oa and not ca.known(kind.code), not ob and not cb.known(kind.code)
        if not oa and not ob:
            if not (kind.code in local and (ua or ub)):
                continue  # nobody offers it here, as far as is known
            rows = []
            status = "onbekend" if ua and ub else ("onbekend_a" if ua else "onbekend_b")
        elif oa and ob:
            rows = _param_rows(kind, oa, ob, texts)
            status = "verschilt" if any(r.differs for r in rows) else "gelijk"
        else:
            rows = []
            # the other gemeente lacks it: a difference only when its offer is known complete, else unknown
            if oa:
                status = "alleen_a" if cb.known(kind.code) else "onbekend_b"
            else:
                status = "alleen_b" if ca.known(kind.code) else "onbekend_a"
        kinds.append(KindComparison(
            kind.code, kind.display(lang), status, s[status].format(a=ma.name, b=mb.name), _refs(oa, texts), _refs(ob, texts),
            la["sources"].get(kind.code), lb["sources"].get(kind.code), rows, a_unknown=ua, b_unknown=ub))
    return PairComparison("municipalities", _place(ma), _place(mb), kinds, coverage=_coverage_dicts(ca, cb))


def _coverage_dicts(*items: Coverage | None) -> dict:
    return {key: c.to_dict() for key, c in zip("ab", items) if c is not None}


def _place(obj) -> dict:
    return {"code": obj.code, "name": obj.name, "slug": obj.slug}


def _matches_group(offer: Offer, group: tuple[str, str] | None) -> bool:
    if group is None:
        return True
    taxonomy, code = group
    values = offer.target_groups if taxonomy == "target_group" else offer.schemes
    return not values or code in values


def find_group(session: Session, value: str | None) -> tuple[str, str] | None:
    value = (value or "").strip()
    if not value:
        return None
    rows = session.execute(select(TaxonomyTerm.taxonomy, TaxonomyTerm.code).where(
        TaxonomyTerm.taxonomy.in_(("target_group", "scheme")), TaxonomyTerm.code == value[:80])).all()
    if not rows:
        known = session.scalars(select(TaxonomyTerm.code).where(TaxonomyTerm.taxonomy.in_(("target_group", "scheme")))
                                .order_by(TaxonomyTerm.code))
        raise ComparisonError("doelgroep", f"onbekende doelgroep of regeling '{value[:60]}'; kies uit: {', '.join(known)}")
    return rows[0][0], rows[0][1]


def compare_municipality_uwv(session: Session, municipality: str, group: str | None = None, language: str = "nl",
                             today: date | None = None) -> PairComparison:
    """What an employer in the gemeente gets from the gemeente (or its region) versus from UWV, per kind.

    With a target group or scheme, only instruments for it (or without any restriction of that sort) count. The schemes
    are shown but never count as a difference: the benefit decides whether gemeente or UWV is the provider.
    """
    today = today or date.today()
    lang = _lang(language)
    m = find_municipality(session, municipality, "gemeente")
    chosen = find_group(session, group)
    texts = Texts(lang, load_term_names(session))
    local, national = _local_offers(session, m, today, lang)
    cm = municipality_coverage(session, [m], today)[m.code]
    s = _STATUS[lang]
    kinds = []
    kind_list = load_kinds(session)
    for kind in kind_list:
        og = [o for o in local["offers"].get(kind.code, []) if _matches_group(o, chosen)]
        ou = [o for o in national.get(kind.code, {}).get(UWV_COLUMN, []) if _matches_group(o, chosen)]
        if not og and not ou:
            continue
        note = None
        if og and ou:
            rows = _param_rows(kind, og, ou, texts, skip=NOT_COMPARED_WITH_UWV)
            values = dict(zip(kind.parameters, signature(og, kind.parameters)))
            relation, _ = uwv_relation(kind, values, ou)
            status = "gelijk" if relation == "gelijk" else "verschilt"
        elif og:
            rows = []
            status = "alleen_gemeente"
            if kind.not_harmonisable_with:
                status, note = "niet_harmoniseerbaar", kind.not_harmonisable_reason
        else:
            rows = []
            status = "alleen_uwv" if cm.known(kind.code) else "gemeente_onbekend"
            if kind.not_harmonisable_with:
                status, note = "niet_harmoniseerbaar", kind.not_harmonisable_reason
        kinds.append(KindComparison(kind.code, kind.display(lang), status, s[status].format(a=m.name), _refs(og, texts),
                                    _refs(ou, texts), local["sources"].get(kind.code) if og else None, "uwv" if ou else None,
                                    rows, note, a_unknown=not og and not cm.known(kind.code)))
    group_info = None
    if chosen:
        group_info = {"taxonomy": chosen[0], "code": chosen[1], "name": texts.term(*chosen)}
    return PairComparison("municipality_uwv", _place(m), {"code": "uwv", "name": "UWV", "slug": "uwv"}, kinds, group_info,
                          coverage=_coverage_dicts(cm))


# ---------------------------------------------------------------------------------------------------------------------
# Regions


@dataclass
class RegionComparison:
    a: dict
    b: dict
    summary: list[Row]
    kinds: list[dict]  # {kind, name, a: {status, status_label, covered, of, text}, b: {...}, differs}

    @property
    def differing(self) -> list[str]:
        return [k["kind"] for k in self.kinds if k["differs"]]

    def to_dict(self) -> dict:
        return {"type": "regions", **asdict(self), "differing": self.differing}


def compare_regions(session: Session, a: str, b: str, language: str = "nl", today: date | None = None,
                    matrix=None) -> RegionComparison:
    """`matrix`: optionally region -> its RegionHarmonisation in `language` on `today` (the web layer's kept ones,
    catalogue/harmonisation/live.py); by default computed from the database."""
    today = today or date.today()
    lang = _lang(language)
    t = _T[lang]
    ra, rb = find_region(session, a, "a"), find_region(session, b, "b")
    if ra.id == rb.id:
        raise ComparisonError("b", "kies twee verschillende arbeidsmarktregio's")
    matrix = matrix or (lambda region: region_harmonisation(session, region, lang, today))
    ha, hb = matrix(ra), matrix(rb)

    def pct(value):
        return "—" if value is None else f"{round(value * 100)}%"

    def score(h):
        return t["no_data"] if h.score is None else str(h.score)

    summary = [
        Row("score", t["score"], [score(ha), score(hb)], ha.score != hb.score),
        Row("level", t["level"], [f"{h.level}. {h.level_label}" if h.level else t["no_data"] for h in (ha, hb)],
            ha.level != hb.level),
        Row("coverage", t["coverage"], [pct(ha.coverage), pct(hb.coverage)], pct(ha.coverage) != pct(hb.coverage)),
        Row("uniformity", t["uniformity"], [pct(ha.uniformity), pct(hb.uniformity)], pct(ha.uniformity) != pct(hb.uniformity)),
        Row("based_on", t["based_on"], [ha.based_on_text, hb.based_on_text], (ha.based_on, ha.complete) != (hb.based_on, hb.complete)),
    ]
    kinds = []
    for row_a, row_b in zip(ha.rows, hb.rows):
        def side(row, h):
            covered = sum(1 for m in h.municipalities if row.cells[m.code].available)
            unknown = len(row.unknown)
            text = (t["of_unknown"].format(n=covered, m=len(h.municipalities), u=unknown) if unknown
                    else t["of"].format(n=covered, m=len(h.municipalities)))
            return {"status": row.status, "status_label": row.status_label, "icon": row.icon, "covered": covered,
                    "unknown": unknown, "of": len(h.municipalities), "text": text}
        sa, sb = side(row_a, ha), side(row_b, hb)
        differs = sa["status"] != sb["status"] or sa["covered"] * sb["of"] != sb["covered"] * sa["of"]
        if "onbekend" in (sa["status"], sb["status"]) or sa["unknown"] or sb["unknown"]:
            differs = False  # not a difference while one side's offer is unknown
        kinds.append({"kind": row_a.kind, "name": row_a.name, "a": sa, "b": sb, "differs": differs})
    return RegionComparison(
        {**_place(ra), "score": ha.score, "level": ha.level}, {**_place(rb), "score": hb.score, "level": hb.level},
        summary, kinds)
