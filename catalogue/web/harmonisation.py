"""Harmonisation pages (region matrix, national overview with map) and the four comparison views. Public fields only."""
from __future__ import annotations

import threading
from datetime import date

from flask import Blueprint, abort, current_app, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select

from .. import get_db
from ..combinations import check
from .. import svgmap
from ..comparison import (
    MAX_INSTRUMENTS,
    ComparisonError,
    compare_instruments as build_instrument_comparison,
    compare_municipalities as build_municipality_comparison,
    compare_municipality_uwv as build_uwv_comparison,
    compare_regions as build_region_comparison,
    split_list,
)
from ..dated import parse_peildatum
from ..estimate import estimate_from_args
from ..harmonisation import STATUS_ICONS, STATUSES, score_band, status_label
from ..harmonisation.live import LiveHarmonisation, Progress
from ..i18n import current_language
from ..models import Instrument, Municipality, Region, TaxonomyTerm
from ..queries import InstrumentQuery, find_instruments, public_condition
from .http_cache import followed_position

bp = Blueprint("harmonisation", __name__)
RETRY_SECONDS = 2
_LIVE_LOCK = threading.Lock()


def live() -> LiveHarmonisation:
    """This process's harmonisation snapshots (catalogue/harmonisation/live.py): computed in a background thread
    unless HARMONISATION_BACKGROUND is off (default: off when testing), then followed per changed instrument."""
    app = current_app._get_current_object()
    found = app.extensions.get("harmonisation_live")
    if found is None:
        with _LIVE_LOCK:
            found = app.extensions.get("harmonisation_live")
            if found is None:
                background = bool(app.config.get("HARMONISATION_BACKGROUND", not app.testing))
                found = app.extensions["harmonisation_live"] = LiveHarmonisation(
                    lambda: app.extensions["catalogue_db"].session_factory(), background=background)
    return found


@bp.before_app_request
def _warm_harmonisation():
    """Today's harmonisation snapshot, started in the background at a process's first request (a no-op afterwards)."""
    if request.endpoint != "static":
        live().warm(date.today())


def computed(kind: str, language: str, day: date, code: str | None = None):
    """The national overview or a region's matrix at the followed change-log position, or the Progress of its
    computation (the position is read first, so nothing older than it is shown)."""
    position = followed_position()
    if kind == "national":
        return live().national_overview(get_db(), day, language, position)
    return live().region_harmonisation(get_db(), day, code, language, position)


def kept_matrix(language: str, day: date):
    """For the region comparison: region -> its matrix as kept by live(), or computed from the database while the
    snapshot is being computed in the background."""
    def matrix(region):
        result = computed("region", language, day, region.code)
        if isinstance(result, Progress):
            from ..harmonisation import region_harmonisation

            return region_harmonisation(get_db(), region, language, day)
        return result
    return matrix


def computing_page(progress: Progress, title: str):
    """202 while a result is computed in the background: what is happening and how far, refreshed by itself (htmx)
    and with a link for browsers without JavaScript; never cached (not a 200)."""
    response = make_response(render_template("harmonisation_computing.html", progress=progress, title=title,
                                             retry=RETRY_SECONDS, **_common()), 202)
    response.headers["Retry-After"] = str(RETRY_SECONDS)
    return response


def peildatum() -> date:
    """`?peildatum=YYYY-MM-DD` (default today): the date whose instruments and amounts are compared."""
    return parse_peildatum(request.args.get("peildatum"))


def _common() -> dict:
    lang = current_language()
    return {
        "peildatum": peildatum(),
        "status_icons": STATUS_ICONS,
        "statuses": [(s, status_label(s, lang), STATUS_ICONS[s]) for s in STATUSES],
    }


def _map_markup(overview) -> Markup:
    lang = current_language()
    regions = {}
    for summary in overview.regions:
        band = score_band(summary.score)
        score_text = str(summary.score) if summary.score is not None else ("geen gegevens" if lang == "nl" else "no data")
        regions[summary.region.code] = {
            "href": url_for(".region", slug=summary.region.slug),
            "band": band,
            "label": str(summary.score) if summary.score is not None else None,
            "title": f"{summary.region.name} ({summary.region.code}): "
                     + (_("score %(score)s", score=score_text) if summary.score is not None else score_text)
                     + " (" + _("%(n)d van %(m)d gemeenten met gegevens", n=summary.based_on, m=summary.municipalities)
                     + ")",
        }
    svg = svgmap.render_map(
        regions,
        title=_("Kaart van de 35 arbeidsmarktregio's met hun harmonisatiescore"),
        description=_("Elke regio is een link naar haar harmonisatiepagina. De kleur en het patroon geven de scoreklasse; "
                      "de tabel onder de kaart geeft dezelfde gegevens."),
    )
    return Markup(svg)


@bp.get("/harmonisatie")
def national():
    lang, today = current_language(), peildatum()
    overview = computed("national", lang, today)
    if isinstance(overview, Progress):
        return computing_page(overview, _("Harmonisatie in Nederland"))
    legend = [(band, Markup(svgmap.legend_swatch(band)), svgmap.band_label(band, lang)) for band in svgmap.BAND_ORDER]
    return render_template("harmonisation_national.html", overview=overview, map_svg=_map_markup(overview), legend=legend,
                           score_band=score_band, **_common())


@bp.get("/regios/<slug>/harmonisatie")
def region(slug: str):
    session = get_db()
    item = session.scalar(select(Region).where(Region.slug == slug))
    if item is None:
        abort(404, description=_("Deze arbeidsmarktregio bestaat niet."))
    lang, today = current_language(), peildatum()
    result = computed("region", lang, today, item.code)
    if isinstance(result, Progress):
        return computing_page(result, _("Harmonisatie in %(name)s", name=item.name))
    regions = session.scalars(select(Region).order_by(Region.name)).all()
    return render_template("harmonisation_region.html", region=item, h=result, regions=regions, **_common())


# ---------------------------------------------------------------------------------------------------------------------
# Comparisons


def _error_page(template: str, exc: ComparisonError, **context):
    message = _("Deze vergelijking kunnen we niet maken (%(parameter)s): %(message)s", parameter=exc.parameter,
                message=exc.message)
    return render_template(template, error=message, **context), 400


def _search_public(session, text: str, limit: int = 20) -> list[Instrument]:
    """"Zoek en voeg toe": the search engine (words in any order, synonyms, typos: "jobcoach waddinxveen"), or a slug."""
    slug = text.lower()[:160]
    exact = session.scalar(select(Instrument).where(public_condition(date.today()), Instrument.slug == slug))
    found = find_instruments(session, InstrumentQuery(q=text[:200], sort="relevance", per_page=limit),
                             with_facets=False, language=current_language()).items
    return ([exact] if exact else []) + [i for i in found if exact is None or i.id != exact.id]


@bp.get("/vergelijken")
def compare_instruments():
    session = get_db()
    basket = split_list(request.args.get("instrumenten"))
    remove = (request.args.get("verwijderen") or "").strip()
    add = (request.args.get("toevoegen") or "").strip()
    if remove:
        basket = [s for s in basket if s != remove]
        return redirect(url_for(".compare_instruments", instrumenten=",".join(basket) or None))
    matches = []
    if add:
        found = _search_public(session, add)
        exact = [i for i in found if i.slug == add.lower()]
        if exact or len(found) == 1:
            chosen = (exact or found)[0]
            if chosen.slug not in basket:
                basket.append(chosen.slug)
            return redirect(url_for(".compare_instruments", instrumenten=",".join(basket)))
        matches = found
    context = {"basket": basket, "matches": matches, "add": add, "max_instruments": MAX_INSTRUMENTS, "comparison": None,
               "basket_items": [], "estimate": estimate_from_args({}, []),
               "estimate_hidden": {"instrumenten": ",".join(basket), "peildatum": request.args.get("peildatum", "")}}
    if len(basket) > MAX_INSTRUMENTS:
        return _error_page("compare_instruments.html", ComparisonError(
            "instrumenten", _("u kunt hoogstens %(n)d instrumenten tegelijk vergelijken", n=MAX_INSTRUMENTS)), **context)
    try:
        if len(basket) >= 2:
            context["comparison"] = build_instrument_comparison(session, basket, current_language(), today=peildatum())
            items = build_basket(session, basket)
            context["combination_warnings"] = check(items)
            context["estimate"] = estimate_from_args(request.args.to_dict(flat=False), items)
        else:
            context["basket_items"] = build_basket(session, basket)
    except ComparisonError as exc:
        return _error_page("compare_instruments.html", exc, **context)
    return render_template("compare_instruments.html", **context), 400 if context["estimate"].data.errors else 200


def build_basket(session, slugs: list[str]) -> list[Instrument]:
    items = []
    for slug in slugs:
        item = session.scalar(select(Instrument).where(Instrument.slug == slug[:160], public_condition(date.today())))
        if item is None:
            raise ComparisonError("instrumenten", f"onbekend of niet gepubliceerd instrument '{slug[:80]}'")
        items.append(item)
    return items


def _municipalities(session):
    return session.scalars(select(Municipality).order_by(Municipality.name)).all()


def _regions_of(session, comparison) -> dict:
    """Side -> the arbeidsmarktregio of that gemeente (its WSP is where to ask about an unknown offer)."""
    out = {}
    for key in ("a", "b"):
        code = getattr(comparison, key).get("code")
        m = session.scalar(select(Municipality).where(Municipality.code == code)) if code else None
        if m is not None:
            out[key] = m.region
    return out


@bp.get("/vergelijken/gemeenten")
def compare_municipalities():
    session = get_db()
    a, b = request.args.get("a", "").strip(), request.args.get("b", "").strip()
    context = {"a": a, "b": b, "municipalities": _municipalities(session), "comparison": None}
    if a and b:
        try:
            context["comparison"] = build_municipality_comparison(session, a, b, current_language(), today=peildatum())
            context["comparison_regions"] = _regions_of(session, context["comparison"])
        except ComparisonError as exc:
            return _error_page("compare_municipalities.html", exc, **context)
    return render_template("compare_municipalities.html", **context)


@bp.get("/vergelijken/gemeente-uwv")
def compare_municipality_uwv():
    session = get_db()
    gemeente = request.args.get("gemeente", "").strip()
    group = request.args.get("doelgroep", "").strip()
    groups = session.scalars(select(TaxonomyTerm).where(TaxonomyTerm.taxonomy.in_(("target_group", "scheme")))
                             .order_by(TaxonomyTerm.taxonomy.desc(), TaxonomyTerm.sort_order)).all()
    context = {"gemeente": gemeente, "group": group, "groups": groups, "municipalities": _municipalities(session),
               "comparison": None}
    if gemeente:
        try:
            context["comparison"] = build_uwv_comparison(session, gemeente, group or None, current_language(),
                                                         today=peildatum())
            context["comparison_regions"] = _regions_of(session, context["comparison"])
        except ComparisonError as exc:
            return _error_page("compare_municipality_uwv.html", exc, **context)
    return render_template("compare_municipality_uwv.html", **context)


@bp.get("/vergelijken/regios")
def compare_regions():
    session = get_db()
    a, b = request.args.get("a", "").strip(), request.args.get("b", "").strip()
    context = {"a": a, "b": b, "regions": session.scalars(select(Region).order_by(Region.name)).all(), "comparison": None}
    if a and b:
        try:
            lang, day = current_language(), peildatum()
            context["comparison"] = build_region_comparison(session, a, b, lang, today=day, matrix=kept_matrix(lang, day))
        except ComparisonError as exc:
            return _error_page("compare_regions.html", exc, **context)
    return render_template("compare_regions.html", **context)
