"""The full matrix of one region, with evidence and plain-language sentences, and a gemeente's relation to UWV."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..coverage import municipality_coverage
from ..models import Region
from .analysis import _Analysis, _collector_paused, _split_offers, own_offer_counts
from .labels import (
    _HET_WORDS,
    _L,
    NATIONAL_COLUMN,
    NOT_COMPARED_WITH_UWV,
    REGION_COLUMN,
    STATUS_ICONS,
    UWV_COLUMN,
    _lang,
    level_label,
)
from .offers import KindInfo, Offer, available_ids_subquery, load_kinds, load_offers, load_term_names, valid_municipalities
from .results import Cell, Difference, KindRow, ParameterSummary, Place, RegionHarmonisation, ValueGroup
from .texts import Texts, _kind_lower


def region_harmonisation(session: Session, region: Region | str, language: str = "nl",
                         today: date | None = None) -> RegionHarmonisation:
    """The full matrix of one region, with evidence and plain-language sentences."""
    with _collector_paused():
        return _region_harmonisation(session, region, language, today)


def _region_harmonisation(session: Session, region: Region | str, language: str, today: date | None) -> RegionHarmonisation:
    today = today or date.today()
    if isinstance(region, str):
        found = session.scalar(select(Region).where(Region.code == region.upper()))
        if found is None:
            raise LookupError(region)
        region = found
    municipalities = valid_municipalities(session, today, [region.id])
    ids = [m.id for m in municipalities]
    offers = load_offers(session, today, available_ids_subquery(ids, [region.id]), with_translations=_lang(language) != "nl")
    own, regional, national = _split_offers(offers, set(ids), region.id)
    analysis = _Analysis(load_kinds(session), municipalities, region.centrumgemeente_id, own, regional, national,
                         municipality_coverage(session, municipalities, today, own_offer_counts(own)))
    return _build_detail(analysis, region, Texts(language, load_term_names(session)))


def _offer_ref(offer: Offer, texts: Texts) -> dict:
    name = offer.name_en if texts.language == "en" and offer.name_en else offer.name
    return {"slug": offer.slug, "name": name, "provider": offer.provider_name, "example": offer.example}


def _build_detail(analysis: _Analysis, region: Region, texts: Texts) -> RegionHarmonisation:
    lang = texts.language
    L = _L[lang]
    facts, scored, status_counts, score, coverage, uniformity, level = analysis.summarise()
    ms = analysis.municipalities
    region_label = "Regio / WSP" if lang == "nl" else "Region / WSP"
    known = analysis.coverage
    columns = ([{"key": m.code, "label": m.name, "type": "gemeente",
                 "coverage": known[m.code].state if m.code in known else None} for m in ms]
               + [{"key": REGION_COLUMN, "label": region_label, "type": REGION_COLUMN},
                  {"key": UWV_COLUMN, "label": "UWV", "type": UWV_COLUMN},
                  {"key": NATIONAL_COLUMN, "label": "Landelijk overig" if lang == "nl" else "Other national",
                   "type": NATIONAL_COLUMN}])
    rows = []
    for kind in analysis.kinds:
        f = facts[kind.code]
        params = kind.parameters
        kind_name = kind.display(lang)
        uwv_offers = f["national"].get(UWV_COLUMN, [])
        cells: dict[str, Cell] = {}
        for m in ms:
            offers = analysis.own.get((m.id, kind.code), [])
            shown = offers or f["regional"]
            cells[m.code] = Cell(
                column=m.code, available=bool(shown), own=bool(offers), via_region=bool(f["regional"]),
                unknown=m in f["unknown"],
                instruments=[_offer_ref(o, texts) for o in offers],
                params={p: texts.values(shown, p) for p in params} if shown else {},
            )
        for key, offers in ((REGION_COLUMN, f["regional"]), (UWV_COLUMN, uwv_offers),
                            (NATIONAL_COLUMN, f["national"].get(NATIONAL_COLUMN, []))):
            cells[key] = Cell(column=key, available=bool(offers), instruments=[_offer_ref(o, texts) for o in offers],
                              params={p: texts.values(offers, p) for p in params} if offers else {})

        summaries, differences, sentences = [], [], []
        reference_values: dict[str, frozenset] = {}
        offering = f["offering"]
        for index, param in enumerate(params):
            groups = analysis.reference_groups(kind, offering, index) if offering else []
            if not groups:
                continue
            reference_values[param] = groups[0][0]
            first_offers = lambda members: analysis.own[(members[0].id, kind.code)]  # noqa: E731
            group_objs = [ValueGroup(texts.values(first_offers(members), param), [m.code for m in members],
                                     [m.name for m in members]) for _, members in groups]
            uniform = len(groups) == 1
            tie = len(groups) > 1 and len(groups[0][1]) == len(groups[1][1])
            uwv_text = texts.values(uwv_offers, param) if uwv_offers and param not in NOT_COMPARED_WITH_UWV else None
            uwv_differs = None
            if uwv_text is not None:
                uwv_differs = all(frozenset([o.value(param)]) != groups[0][0] for o in uwv_offers)
            sentence = None
            if not uniform:
                reference = group_objs[0]
                for group in group_objs[1:]:
                    for code, name in zip(group.municipalities, group.names):
                        differences.append(Difference(kind.code, param, L["param"][param], code, name, group.value,
                                                      reference.value))
                        cells[code].differs.append(param)
                the = "het" if kind.code in _HET_WORDS else "de"
                phrase = L["phrase"][param].format(the=the, kind=_kind_lower(kind_name))
                others = ", ".join(L["in"].format(names=texts.names(g.names), value=g.value) for g in group_objs[1:])
                uwv_part = L["uwv_part"].format(value=uwv_text) if uwv_text else ""
                sentence = L["differs"].format(n=len(reference.municipalities), m=len(offering), phrase=phrase,
                                               value=reference.value, others=others, uwv=uwv_part)
                sentences.append(sentence)
            summaries.append(ParameterSummary(param, L["param"][param], uniform, tie, group_objs, group_objs[0].value,
                                              uwv_text, uwv_differs, sentence))
        missing = [Place(m.code, m.name, m.slug) for m in f["missing"]]
        unknown = [Place(m.code, m.name, m.slug) for m in f["unknown"]]
        if unknown:
            key = "unknown_one" if len(unknown) == 1 else "unknown_many"
            sentences.insert(0, L[key].format(names=texts.names([p.name for p in unknown]), kind=_kind_lower(kind_name)))
        if missing and offering:
            key = "missing_one" if len(missing) == 1 else "missing_many"
            sentences.insert(0, L[key].format(names=texts.names([p.name for p in missing]), kind=_kind_lower(kind_name)))
        status = f["status"]
        if status == "geharmoniseerd" and not unknown:
            sentences.append(L["same"].format(m=len(ms), kind=_kind_lower(kind_name)))
        elif status == "regionaal":
            sentences.append(L["regional"].format(kind=kind_name, providers=texts.names(
                sorted({o.provider_name for o in f["regional"]}))))
        elif status == "alleen_landelijk":
            providers = sorted({o.provider_name for col in f["national"].values() for o in col})
            sentences.append(L["national"].format(kind=_kind_lower(kind_name), providers=texts.names(providers)))
        elif status == "niet_aangeboden":
            sentences.append(L["not_offered"].format(kind=_kind_lower(kind_name)))

        relation, uwv_differences = None, []
        if offering:
            relation, uwv_differences = uwv_relation(kind, reference_values, uwv_offers, texts)
            for m in offering:
                own_values = dict(zip(params, f["sigs"][m.id]))
                cells[m.code].uwv_relation = uwv_relation(kind, own_values, uwv_offers, texts)[0]
        rows.append(KindRow(
            kind=kind.code, name=kind_name, status=status, status_label=L["status"][status], icon=STATUS_ICONS[status],
            offered_by=[m.code for m in offering], missing=missing if offering or f["regional"] else [],
            cells=cells, parameters=summaries, differences=differences, uwv_relation=relation,
            uwv_relation_label=L["uwv"][relation] if relation else "", uwv_differences=uwv_differences,
            not_harmonisable_with=kind.not_harmonisable_with, not_harmonisable_reason=kind.not_harmonisable_reason,
            sentences=sentences, in_score=kind in scored, unknown=unknown,
        ))
    based_on, complete = analysis.based_on()
    return RegionHarmonisation(
        region=Place(region.code, region.name, region.slug), municipalities=[Place(m.code, m.name, m.slug) for m in ms],
        columns=columns, rows=rows, has_data=score is not None, score=score, coverage=coverage, uniformity=uniformity,
        level=level, level_label=level_label(level, lang), status_counts=status_counts, language=lang,
        based_on=based_on, complete=complete, based_on_text=L["based_on"].format(n=based_on, m=len(ms), c=complete),
    )


def uwv_relation(kind: KindInfo, values: dict[str, frozenset], uwv_offers: list[Offer], texts: Texts | None = None):
    """How a gemeente's (or the region's reference) values for a kind relate to UWV's offers of that kind.

    Returns (relation, differences): niet_harmoniseerbaar when the kind cannot be harmonised with a UWV kind by law;
    geen_uwv when UWV has no instrument of this kind; gelijk when some UWV instrument has equal values on every compared
    parameter (schemes excluded: the benefit decides the provider); otherwise wijkt_af with the differences from the
    closest UWV instrument.
    """
    if kind.not_harmonisable_with:
        return "niet_harmoniseerbaar", []
    if not uwv_offers:
        return "geen_uwv", []
    params = [p for p in kind.parameters if p not in NOT_COMPARED_WITH_UWV and p in values]
    best: tuple[int, Offer, list[str]] | None = None
    for offer in uwv_offers:
        diff = [p for p in params if values[p] != frozenset([offer.value(p)])]
        if best is None or len(diff) < best[0]:
            best = (len(diff), offer, diff)
    assert best is not None
    if not best[2]:
        return "gelijk", []
    details = []
    for p in best[2]:
        item = {"parameter": p, "uwv_instrument": best[1].slug}
        if texts is not None:
            item.update(label=_L[texts.language]["param"][p], uwv=texts.value(best[1], p))
        details.append(item)
    return "wijkt_af", details
