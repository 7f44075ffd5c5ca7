"""Recording public searches and wizard uses (anonymously, outside the request path) and the dashboards under
/beheer/analyse: per region for its coordinators, nationally for admins. The logic is in `catalogue.analytics`."""
from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, abort, current_app, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import get_db
from ..analytics import dashboard
from ..analytics.events import event, tracking_refused
from ..analytics.recorder import Recorder
from ..auth import can, editable_regions
from ..i18n import current_language
from ..models import Region

bp = Blueprint("analytics", __name__)


RECORDED_ENDPOINTS = ("public.instruments", "wizard.start")  # pages whose use is recorded, also when cached


def init_analytics(app) -> None:
    db = app.extensions["catalogue_db"]
    app.extensions["search_events"] = Recorder(lambda: db.session_factory(),
                                               interval=app.config.get("ANALYTICS_FLUSH_SECONDS", 2.0),
                                               background=not app.testing)
    # the HTTP cache answers these pages without running the view (a stored page, a 304): it keeps what the view
    # recorded with the page and records it again through `record_again` (catalogue/web/http_cache.py)
    app.extensions["recorded_endpoints"] = RECORDED_ENDPOINTS
    app.extensions["record_again"] = record_again
    app.register_blueprint(bp, url_prefix="/beheer/analyse")


def _record(**values) -> None:
    g.search_event = values  # what this URL records, for the HTTP cache
    record_again(values)


def record_again(values: dict | None) -> None:
    """Record the event a page records (None: this URL records nothing, e.g. page 2 or a wizard step)."""
    if values is None or tracking_refused(request.headers):
        return
    current_app.extensions["search_events"].record(event(language=current_language(), **values))


def record_search(query, result, location, region) -> None:
    """A public list/search page (its first page only, so paging does not count twice)."""
    if query.page != 1:
        return
    region_code = region.code if region else (location.region.code if location is not None and location.region else None)
    _record(source="search", query=query.q, kinds=query.facets.get("kind", []),
            target_groups=query.facets.get("target_group", []),
            municipality_code=location.code if location is not None else None, region_code=region_code,
            result_count=result.total, ended_count=result.ended)


def record_wizard(choices, outcome) -> None:
    municipality = choices.municipality
    _record(source="wizard", target_groups=choices.target_groups, municipality_code=municipality.code,
            region_code=municipality.region.code if municipality.region else None, result_count=outcome.total)


# ---------------------------------------------------------------------------------------------------------------------


@bp.before_request
@login_required
def _require_login():
    if not can(current_user._get_current_object(), "manage"):
        abort(403)


@bp.get("/")
def overview():
    user = current_user._get_current_object()
    if user.is_admin:
        return _show(None)
    regions = editable_regions(get_db(), user)
    if not regions:
        abort(403)
    return redirect(url_for(".region", code=regions[0].code))


@bp.get("/<code>")
def region(code: str):
    item = get_db().scalar(select(Region).where(Region.code == code))
    if item is None:
        abort(404)
    if not can(current_user._get_current_object(), "edit_region", item):
        abort(403)
    return _show(item)


def _show(region: Region | None):
    figures = dashboard.figures(get_db(), region.code if region else None)
    if request.args.get("format") == "csv":
        out = io.StringIO()
        csv.writer(out).writerows(dashboard.csv_rows(figures))
        name = f"zoekvragen-{region.code if region else 'landelijk'}.csv"
        return Response(out.getvalue(), mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    regions = editable_regions(get_db(), current_user._get_current_object())
    return render_template("analytics/dashboard.html", figures=figures, region=region, regions=regions,
                           coverage="coverage.coverage" in current_app.view_functions)
