"""The embeddable guide (issue 15 §4): /embed/gemeenten/<slug>, /embed/regios/<slug> and /embed/werkgever?regio=<slug>.

The same views and templates as the full pages (public.region_page, public.municipality_page, the wizard's view),
rendered in `embed/base.html` (the region's name, colour and logo; no site navigation) with every link to the full
guide opening in a new tab (catalogue/embed/links.py). `Content-Security-Policy: frame-ancestors` lists the origins the
region's coordinator allowed ('none' without any), set after the view so that pages answered from the HTTP cache
(304s and stored pages) carry it too. Domain logic: catalogue/embed/ (no Flask).
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Response, abort, g, make_response, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import undefer

from .. import get_db
from ..embed.branding import text_colour_on
from ..embed.links import open_links_in_new_tab
from ..embed.origins import content_security_policy
from ..i18n import DEFAULT_LANGUAGE, LANGUAGES, current_language
from ..models import Municipality, Region
from . import public
from . import wizard as wizard_views
from .http_cache import cached

bp = Blueprint("embed", __name__, url_prefix="/embed")

PAGES = ("embed.municipality", "embed.region", "embed.wizard")


@dataclass
class Embedded:
    region: Region
    full_url: str  # the same page in the full guide


@bp.app_context_processor
def _layout():
    embedded = g.get("embed")
    return {"embed": embedded, "layout": "embed/base.html" if embedded is not None else "base.html"}


def _render(template: str, owner: Region, full_url: str, **context):
    g.embed = Embedded(owner, full_url)
    return _embedded(render_template(template, **context))


def _embedded(rv):
    """The view's answer with every link and form that leaves the embedded pages opening in a new tab."""
    response = make_response(rv)
    if response.mimetype == "text/html" and not response.direct_passthrough:
        html = response.get_data(as_text=True)
        root = request.script_root.removesuffix("/" + current_language()) if current_language() != DEFAULT_LANGUAGE \
            else request.script_root  # the language switch stays in the frame too
        prefixes = tuple(root + ("" if lang == DEFAULT_LANGUAGE else f"/{lang}") + "/embed/" for lang in LANGUAGES)
        response.set_data(open_links_in_new_tab(html, _("opent in nieuw tabblad"), prefixes))
    return response


@bp.get("/gemeenten/<slug>")
def municipality(slug: str):
    session = get_db()
    item = public.find_municipality(session, slug)
    return _render("municipality.html", item.region, url_for("public.municipality", slug=slug, _external=True),
                   **public.municipality_page(session, item))


@bp.get("/regios/<slug>")
def region(slug: str):
    session = get_db()
    item = public.find_region(session, slug)
    return _render("region.html", item, url_for("public.region", slug=slug, _external=True),
                   **public.region_page(session, item))


def _wizard_region(session) -> Region:
    slug = (request.args.get("regio") or "").strip()[:120]
    item = session.scalar(select(Region).where(Region.slug == slug)) if slug else None
    if item is None:
        message = (_("De arbeidsmarktregio ‘%(value)s’ bestaat niet.", value=slug) if slug else
                   _("Geef de regio op: /embed/werkgever?regio=<regio>, bijvoorbeeld ?regio=midden-holland."))
        abort(404 if slug else 400, description=message)
    return item


@bp.get("/werkgever")
def wizard():
    """The employer wizard, every step inside the frame, with the region's look (the region the embedding site belongs
    to, `regio=`; employers choose any gemeente as in the full wizard)."""
    session = get_db()
    item = _wizard_region(session)
    args = {k: v for k, v in request.args.to_dict(flat=False).items() if k != "regio"}
    g.embed = Embedded(item, url_for("wizard.start", _external=True, **args))
    return _embedded(wizard_views.start())


@bp.errorhandler(400)
def _bad_request(exc):
    return render_template("error.html", title=_("Ongeldig adres"), message=exc.description), 400


@bp.get("/regios/<slug>/stijl.css")
def style(slug: str):
    """The region's accent colour as CSS variables (a stylesheet, as the CSP allows no inline styles)."""
    item = public.find_region(get_db(), slug)
    css = ""
    if item.embed_colour:
        css = f":root {{ --embed-accent: {item.embed_colour}; --embed-on-accent: {text_colour_on(item.embed_colour)}; }}\n"
    return Response(css, mimetype="text/css")


@bp.get("/regios/<slug>/logo")
def logo(slug: str):
    item = get_db().scalar(select(Region).where(Region.slug == slug).options(undefer(Region.embed_logo)))
    if item is None or not item.embed_logo:
        abort(404)
    return Response(item.embed_logo, mimetype=item.embed_logo_type)


def _allowed_origins() -> tuple[str, ...]:
    """The origins allowed to frame this embedded page: its region's list (per change-log position, so also for a
    response the HTTP cache answered without running the view)."""
    embedded = g.get("embed")
    if embedded is not None:
        return tuple(embedded.region.embed_origins or ())
    key = (request.endpoint, (request.view_args or {}).get("slug") or (request.args.get("regio") or "").strip())
    return cached(("embed-origins",) + key, lambda: _origins_of(*key))


def _origins_of(endpoint: str, slug: str) -> tuple[str, ...]:
    stmt = select(Region.embed_origins)
    if endpoint == "embed.municipality":
        stmt = stmt.join(Municipality, Municipality.region_id == Region.id).where(Municipality.slug == slug)
    else:
        stmt = stmt.where(Region.slug == slug)
    return tuple(get_db().scalar(stmt) or ())


@bp.after_request
def _framing(response):
    if request.endpoint in PAGES:
        origins = _allowed_origins() if response.status_code in (200, 304) else ()
        response.headers["Content-Security-Policy"] = content_security_policy(origins)
        if origins:
            response.headers.pop("X-Frame-Options", None)
    return response
