"""The national coverage overview /dekking (map layer, per region counts; for coordinators their gemeenten with state and
owner) and the template helpers every page uses to say what the guide knows. The work happens in catalogue.coverage."""
from __future__ import annotations

from flask import Blueprint, g, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from .. import get_db, svgmap
from ..coverage import STATES, coverage_overview, declarable_places, state_label
from ..i18n import current_language, localized
from ..models import InstrumentKind

bp = Blueprint("coverage", __name__)

# map band -> (svgmap band used for colour and pattern, label nl, label en)
MAP_BANDS = {
    "compleet": ("hoog", "alle gemeenten compleet", "every municipality complete"),
    "deels": ("redelijk", "een deel van de gemeenten compleet", "some municipalities complete"),
    "opbouw": ("matig", "in opbouw: nog geen gemeente compleet", "being entered: no municipality complete yet"),
    "geen": ("geen", "geen gegevens", "no data"),
}


@bp.app_context_processor
def _helpers():
    def kind_name(code: str) -> str:
        if "kind_names" not in g:
            g.kind_names = {k.code: localized(k, "name") for k in get_db().scalars(select(InstrumentKind))}
        return g.kind_names.get(code, code)

    return {"coverage_label": lambda state: state_label(state, current_language()), "kind_name_of": kind_name}


@bp.app_template_filter("kind_name")
def _kind_name(code: str) -> str:
    return _helpers()["kind_name_of"](code)


def _band_label(band: str) -> str:
    return MAP_BANDS[band][2 if current_language() == "en" else 1]


@bp.get("/dekking")
def coverage():
    session = get_db()
    regions = coverage_overview(session)
    shapes = {}
    for r in regions:
        counts = ", ".join(f"{r.counts[s]} {state_label(s, current_language())}" for s in STATES)
        shapes[r.code] = {"href": url_for("public.region", slug=r.slug), "band": MAP_BANDS[r.band][0],
                          "label": f"{r.counts['compleet']}/{r.municipalities}" if r.counts["compleet"] else None,
                          "title": f"{r.name} ({r.code}): {_band_label(r.band)} ({counts})"}
    svg = svgmap.render_map(
        shapes, title=_("Kaart van de dekking per arbeidsmarktregio"),
        description=_("Per regio: zijn de gemeenten compleet verklaard, in opbouw of zonder gegevens? Kleur en patroon "
                      "geven de klasse; de tabel onder de kaart geeft dezelfde gegevens."))
    legend = [(band, Markup(svgmap.legend_swatch(MAP_BANDS[band][0])), _band_label(band)) for band in MAP_BANDS]
    mine = []
    if current_user.is_authenticated:
        municipalities, _regions = declarable_places(session, current_user._get_current_object())
        codes = {m.code for m in municipalities}
        mine = [item for r in regions for item in r.gemeenten if item.code in codes]
    totals = {s: sum(r.counts[s] for r in regions) for s in STATES}
    return render_template("coverage.html", regions=regions, map_svg=Markup(svg), legend=legend, states=STATES,
                           totals=totals, mine=mine, band_label=_band_label)
