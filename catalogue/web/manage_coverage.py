"""/beheer/dekking: editors and coordinators declare the offer of their gemeente or region complete (routes on the
manage blueprint; the work happens in catalogue.coverage)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from .. import get_db
from ..coverage import CoverageError, declarable_places, declare_complete, municipality_coverage, region_coverage
from ..models import InstrumentKind, Municipality, Region
from .manage import _user, bp


def _page(status: int = 200, error: str | None = None, selected: dict | None = None):
    db = get_db()
    municipalities, regions = declarable_places(db, _user())
    kinds = db.scalars(select(InstrumentKind).order_by(InstrumentKind.sort_order)).all()
    return render_template(
        "manage/coverage.html", municipalities=list(municipality_coverage(db, municipalities).values()),
        regions=list(region_coverage(db, regions).values()), kinds=kinds, error=error, selected=selected or {},
        wsp_of={m.code: m.region for m in municipalities}), status


@bp.get("/dekking")
def coverage():
    return _page()


@bp.post("/dekking/<level>/<code>")
def declare(level: str, code: str):
    db = get_db()
    model = {"gemeente": Municipality, "regio": Region}.get(level)
    if model is None:
        abort(404)
    place = db.scalar(select(model).where(model.code == code.upper()[:8]))
    if place is None:
        abort(404)
    kinds = request.form.getlist("kinds")
    try:
        declare_complete(db, _user(), place, kinds, via="web")
    except CoverageError as exc:
        db.rollback()
        if exc.status == 403:
            abort(403)
        messages = {
            "no_instruments": _("%(name)s heeft nog geen gepubliceerd instrument in de gids. Publiceer eerst het aanbod; "
                                "daarna kunt u het compleet verklaren.", name=exc.details.get("name", "")),
            "unknown_kind": _("Onbekende soort: %(kinds)s.", kinds=exc.details.get("kinds", "")),
        }
        return _page(400, error=messages.get(exc.reason, exc.message), selected={"code": place.code, "kinds": kinds})
    db.commit()
    flash(_("Het aanbod van %(name)s is compleet verklaard.", name=place.name), "success")
    return redirect(url_for(".coverage"))
