"""Public pages for employers and everyone else. Public fields only."""
from __future__ import annotations

from collections import OrderedDict

from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for
from flask_babel import format_date, format_decimal
from flask_babel import gettext as _
from werkzeug.exceptions import NotFound
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import get_db
from ..coverage import coverage_of, municipality_coverage, offer_rows, region_coverage
from ..dated import PeildatumError, on_date, parse_peildatum
from ..estimate.texts import written_number, written_params
from ..i18n import current_language
from ..models import Instrument, InstrumentKind, Municipality, Provider, Region
from ..parameters import amount_text, applicant_text, decision_period_text, euro, duration_text
from ..places import resolve_place
from ..search.intent import load as facet_words
from .alerts import follow_args
from .analytics import record_search
from ..queries import (
    InstrumentQuery,
    QueryError,
    all_instruments,
    available_for_municipality,
    find_instruments,
    get_public_instrument,
    listed_counts,
    parse_query,
)

bp = Blueprint("public", __name__)


PROVIDER_TYPE_ORDER = ("gemeente", "regio", "uwv", "belastingdienst", "landelijk")


@bp.app_template_filter("amount")
def _amount(instrument):
    return amount_text(instrument, current_language())


bp.add_app_template_global(written_number, "estimate_number")  # the estimate's numbers as the page's language writes them
bp.add_app_template_global(written_params, "estimate_params")


@bp.app_template_filter("longdate")
def _longdate(day):
    return format_date(day, "long") if day else ""


@bp.app_template_filter("parameter_name")
def _parameter_name(parameter: str) -> str:
    return {"amount_value": _("het bedrag"), "amount_max_per_year": _("het maximum per jaar"),
            "amount_max_total": _("het maximum in totaal")}.get(parameter, parameter)


@bp.app_template_filter("dated_value")
def _dated_value(pv, instrument) -> str:
    if pv.parameter == "amount_value" and instrument.amount_type in ("percentage_wml", "loonwaarde"):
        return f"{format_decimal(pv.value)}%"
    text = euro(pv.value, current_language())
    return _("%(amount)s per verloond uur", amount=text) if (
        pv.parameter == "amount_value" and instrument.amount_type == "per_uur") else text


@bp.app_errorhandler(PeildatumError)
def _bad_peildatum(exc: PeildatumError):
    """Every page and API route that takes `?peildatum=` answers 400 naming it."""
    message = _("De peildatum '%(value)s' is geen geldige datum; gebruik JJJJ-MM-DD, bijvoorbeeld 2026-01-01.",
                value=exc.value)
    if request.blueprint == "api":
        return jsonify(error=f"Ongeldige parameter 'peildatum': {exc.message}", parameter="peildatum"), 400
    return render_template("error.html", title=_("Ongeldige peildatum"), message=message), 400


@bp.app_template_filter("duration")
def _duration(instrument):
    return duration_text(instrument.duration_max, instrument.duration_unit, current_language())


@bp.app_template_filter("decision_period")
def _decision(weeks):
    return decision_period_text(weeks, current_language())


@bp.app_template_filter("applicant")
def _applicant(value):
    return applicant_text(value, current_language())


@bp.app_errorhandler(404)
def _not_found(exc):
    if request.path.startswith("/api/"):
        return {"error": exc.description}, 404
    # werkzeug's own (English) text when the view gave none; the views' own messages are translated already
    own = exc.description if exc.description != NotFound.description else None
    message = own or _("Deze pagina bestaat niet (meer). Misschien is het adres verkeerd overgenomen of is de pagina "
                       "verplaatst.")
    return render_template("error.html", title=_("Pagina niet gevonden"), message=message, not_found=True), 404


@bp.errorhandler(QueryError)
def _bad_filter(exc: QueryError):
    message = _("Dit filter kunnen we niet gebruiken (%(parameter)s): %(message)s", parameter=exc.parameter,
                message=exc.message)
    return render_template("error.html", title=_("Ongeldig filter"), message=message,
                           back=url_for(".instruments")), 400


def _group_by_provider_type(instruments: list[Instrument]) -> "OrderedDict[str, list[Instrument]]":
    groups: OrderedDict[str, list[Instrument]] = OrderedDict((t, []) for t in PROVIDER_TYPE_ORDER)
    for item in instruments:
        groups[item.provider.type].append(item)
    return OrderedDict((k, v) for k, v in groups.items() if v)


@bp.get("/")
def home():
    session = get_db()
    kinds = session.scalars(select(InstrumentKind).order_by(InstrumentKind.sort_order)).all()
    municipalities = session.scalars(select(Municipality).order_by(Municipality.name)).all()
    total, _by_kind = listed_counts(session, _today())
    return render_template("home.html", kinds=kinds, municipalities=municipalities, total=total)


def _today():
    from datetime import date

    return date.today()


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico on every site; the guide's mark (static/img/logo.svg) as an icon."""
    from flask import current_app, send_from_directory

    return send_from_directory(current_app.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon",
                               max_age=86400)


@bp.get("/gemeente-kiezen")
def choose_municipality():
    """The home page's 'where is your company' form, which works without JavaScript."""
    value = (request.args.get("gemeente") or "").strip()
    lookup = resolve_place(get_db(), value)
    if lookup.municipality is None:
        return render_template("choose_municipality.html", value=value, lookup=lookup), (200 if lookup.choices else 404)
    if lookup.woonplaats:
        return redirect(url_for(".municipality", slug=lookup.municipality.slug, woonplaats=lookup.woonplaats))
    return redirect(url_for(".municipality", slug=lookup.municipality.slug))


def _interpret(args: dict[str, list[str]]) -> tuple[dict[str, list[str]], list[dict]]:
    """Target-group and scheme words in the search text become the filter they name ("proefplaatsing wajong" =
    "proefplaatsing" + Uitkering of regeling: Wajong). Returns the arguments to search with and the filter chips, each
    with the URL that removes it (the word and its filter)."""
    q = " ".join(args.get("q") or []).strip()
    if not q:
        return args, []
    rest, found = facet_words().interpret(q)
    if not found:
        return args, []
    search = dict(args, q=[rest])
    chips = []
    for item in found:
        selected = [v for value in args.get(item.facet) or [] for v in value.split(",") if v]
        if item.code in selected:
            continue
        search[item.facet] = list(search.get(item.facet) or []) + [item.code]
        words = q.split()
        typed = item.text.split()
        for i in range(len(words) - len(typed) + 1):
            if words[i:i + len(typed)] == typed:
                del words[i:i + len(typed)]
                break
        chips.append({"facet": item.facet, "code": item.code, "text": item.text,
                      "remove_url": url_for(".instruments", **dict(args, q=" ".join(words), page=1))})
    return search, chips


@bp.get("/instrumenten")
def instruments():
    session = get_db()
    args = request.args.to_dict(flat=False)
    search_args, chips = _interpret(args)
    query = parse_query(session, search_args)
    result = find_instruments(session, query, language=current_language())
    location = None
    if query.municipalities:
        location = session.scalar(select(Municipality).where(Municipality.code == query.municipalities[0]))
    region = session.scalar(select(Region).where(Region.code == query.regions[0])) if query.regions else None
    coverage = None
    if location is not None:
        coverage = coverage_of(session, location).to_dict()
    elif region is not None:
        coverage = region_coverage(session, [region])[region.code].to_dict()
    municipalities = session.scalars(select(Municipality).order_by(Municipality.name)).all()
    regions = session.scalars(select(Region).order_by(Region.name)).all()
    suggestion_url = url_for(".instruments", **dict(search_args, q=result.suggestion, page=1)) if result.suggestion else None
    ended_url = url_for(".instruments", **dict(args, lifecycle="ended", page=1)) if result.ended else None
    record_search(query, result, location, region)
    return render_template("instruments.html", result=result, query=query, location=location, region=region,
                           follow_args=follow_args("list", search_args),
                           municipalities=municipalities, regions=regions, suggestion_url=suggestion_url,
                           ended_url=ended_url, coverage=coverage, chips=chips, typed_q=" ".join(args.get("q") or []).strip(),
                           alternatives=_alternatives(args, query) if not result.items else [])


def _alternatives(args: dict[str, list[str]], query) -> list[dict]:
    """For an empty result: what to try instead (each a link): leave out one filter or the search words, look at the
    ended schemes, or ask the werkgeversservicepunt."""
    out = []
    for key, values in args.items():
        if key in ("q", "page", "per_page", "sort", "vergelijk") or not any(values):
            continue
        out.append({"kind": "filter", "key": key, "url": url_for(".instruments", **dict(args, **{key: []}, page=1))})
    if query.q:
        out.append({"kind": "words", "url": url_for(".instruments", **dict(args, q=[], page=1))})
    if "lifecycle" not in args:
        out.append({"kind": "ended", "url": url_for(".instruments", **dict(args, lifecycle="ended", page=1))})
    out.append({"kind": "wsp", "url": url_for(".regions")})
    return out


@bp.get("/instrumenten/<slug>")
def instrument(slug: str):
    peildatum = parse_peildatum(request.args.get("peildatum"))
    item = get_public_instrument(get_db(), slug)
    if item is None:
        abort(404, description=_("Dit instrument bestaat niet of is niet (meer) gepubliceerd."))
    return render_template("instrument.html", item=on_date(item, peildatum))


@bp.get("/regios")
def regions():
    session = get_db()
    rows = session.scalars(select(Region).options(selectinload(Region.municipalities)).order_by(Region.name)).all()
    return render_template("regions.html", regions=rows)


@bp.get("/regios/<slug>")
def region(slug: str):
    session = get_db()
    return render_template("region.html", **region_page(session, find_region(session, slug)))


def find_region(session, slug: str) -> Region:
    item = session.scalar(select(Region).where(Region.slug == slug).options(selectinload(Region.municipalities)))
    if item is None:
        abort(404, description=_("Deze arbeidsmarktregio bestaat niet."))
    return item


def region_page(session, item: Region) -> dict:
    """What region.html shows (the full page and the embedded one, catalogue/web/embed.py)."""
    instruments = all_instruments(session, InstrumentQuery(regions=[item.code], facets={"lifecycle": ["current"]}))
    return dict(region=item, groups=_group_by_provider_type(instruments), total=len(instruments),
                coverage=region_coverage(session, [item])[item.code].to_dict(),
                gemeenten=municipality_coverage(session, item.municipalities))


@bp.get("/gemeenten")
def municipalities():
    rows = get_db().scalars(select(Municipality).options(selectinload(Municipality.region)).order_by(Municipality.name)).all()
    return render_template("municipalities.html", municipalities=rows)


@bp.get("/gemeenten/<slug>")
def municipality(slug: str):
    session = get_db()
    return render_template("municipality.html", **municipality_page(session, find_municipality(session, slug)))


def find_municipality(session, slug: str) -> Municipality:
    item = session.scalar(select(Municipality).where(Municipality.slug == slug))
    if item is None:
        abort(404, description=_("Deze gemeente bestaat niet."))
    return item


def municipality_page(session, item: Municipality) -> dict:
    """What municipality.html shows (the full page and the embedded one)."""
    current = available_for_municipality(session, item)
    upcoming = available_for_municipality(session, item, lifecycle=("upcoming",))
    groups = _group_by_provider_type(current)
    cov = coverage_of(session, item)
    named = resolve_place(session, request.args.get("woonplaats"))  # the woonplaats typed on the home page, checked
    woonplaats = named.woonplaats if named.municipality is not None and named.municipality.id == item.id else None
    return dict(municipality=item, region=item.region, groups=groups, total=len(current), upcoming=upcoming,
                coverage=cov.to_dict(), complete=cov.complete, offer=offer_rows(session, cov), woonplaats=woonplaats)


@bp.get("/soorten")
def kinds():
    session = get_db()
    _total, counts = listed_counts(session, _today())
    rows = session.scalars(
        select(InstrumentKind).options(selectinload(InstrumentKind.not_harmonisable_with)).order_by(InstrumentKind.sort_order)
    ).all()
    return render_template("kinds.html", kinds=rows, counts=counts)


@bp.get("/aanbieders/<slug>")
def provider(slug: str):
    item = get_db().scalar(select(Provider).where(Provider.slug == slug))
    if item is None:
        abort(404, description=_("Deze aanbieder bestaat niet."))
    return redirect(url_for(".instruments", provider=item.slug))


def term_name(taxonomy: str, code: str) -> str:
    """term_name('provider_type', 'uwv') -> localised name, from the taxonomy tables (loaded once per request)."""
    from flask import g

    from ..i18n import localized
    from ..models import TaxonomyTerm

    if "term_names" not in g:
        g.term_names = {(t.taxonomy, t.code): t for t in get_db().scalars(select(TaxonomyTerm))}
    term = g.term_names.get((taxonomy, code))
    return localized(term, "name") if term else code


@bp.app_context_processor
def _term_names():
    return {"term_name": term_name}
