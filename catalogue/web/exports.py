"""Downloads (CSV, XLSX, PDF, JSON) of any filtered list, region or gemeente, the import template, and the spreadsheet
import for coordinators and editors (blueprint `exports`). The work itself happens in catalogue.exports and
catalogue.imports; this module only handles requests and permissions (the upload's round trip, preview then confirm, is in
`uploads`)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import func, select

from .. import get_db
from ..auth import can
from ..exports import MIME_TYPES, count_instruments, filename, template_csv, template_xlsx, to_bytes
from ..i18n import current_language
from ..imports import MAX_BYTES, estimate_rows, run_import
from ..jobs import enqueue
from ..jobs.kinds import PDF_MAX_INSTRUMENTS, export_params, export_spec, import_params, needs_job, result_from_payload
from ..models import Job, Municipality, Region
from ..queries import QueryError
from . import uploads

bp = Blueprint("exports", __name__)
EXPORT_FORMATS = ("csv", "xlsx", "pdf", "json")


@bp.errorhandler(QueryError)
def _bad_filter(exc: QueryError):
    message = _("Dit filter kunnen we niet gebruiken (%(parameter)s): %(message)s", parameter=exc.parameter,
                message=exc.message)
    return render_template("error.html", title=_("Ongeldig filter"), message=message,
                           back=url_for("public.instruments")), 400


def _internal_user_id() -> int | None:
    """Internal notes only for a logged-in user who may read them and who asked for them (intern=1)."""
    user = uploads.current()
    if request.args.get("intern") in ("1", "on", "true") and user is not None and can(user, "view_internal"):
        return user.id
    return None


def _export(scope: str, key: str | None, fmt: str, title: str) -> Response:
    """Small exports are answered at once; above a size (kinds.EXPORT_JOB_THRESHOLDS) the export becomes a background
    job and the answer is its progress page, so no request runs long or holds thousands of instruments in memory."""
    if fmt not in EXPORT_FORMATS:
        abort(404, description=_("Dit exportformaat bestaat niet. Kies csv, xlsx, pdf of json."))
    session = get_db()
    a4 = request.args.get("layout") == "a4"
    params = export_params(scope, key, request.args.to_dict(flat=False), fmt, a4, title, current_language(),
                           _internal_user_id())
    spec = export_spec(session, params)
    count = count_instruments(session, spec)
    if fmt == "pdf" and count > PDF_MAX_INSTRUMENTS:
        message = _("Een PDF van %(count)s instrumenten wordt onleesbaar (de grens is %(max)s). Kies een regio, gemeente "
                    "of filter, of download de XLSX.", count=f"{count:,}".replace(",", "."),
                    max=f"{PDF_MAX_INSTRUMENTS:,}".replace(",", "."))
        return render_template("error.html", title=_("Te veel instrumenten voor een PDF"), message=message,
                               back=url_for("public.instruments")), 400
    if needs_job(count, fmt, current_app.config.get("EXPORT_JOB_THRESHOLDS")):
        job = _export_job(session, params, count)
        if job is None:
            response = current_app.make_response((render_template(
                "error.html", title=_("Het is nu erg druk"),
                message=_("Er staan al veel grote exports in de wachtrij. Probeer het over een paar minuten opnieuw."),
                back=request.referrer if request.referrer and request.referrer.startswith(request.host_url) else None),
                503))
            response.headers["Retry-After"] = "120"
            return response
        return redirect(url_for("jobs.status", public_id=job.public_id), 303)
    data = to_bytes(session, spec, fmt, a4=a4)
    response = Response(data, mimetype=MIME_TYPES[fmt].split(";")[0])
    if fmt == "csv":
        response.headers["Content-Type"] = MIME_TYPES["csv"]
    response.headers["Content-Disposition"] = f'attachment; filename="{filename(spec, fmt, a4)}"'
    if spec.internal:
        response.headers["Cache-Control"] = "no-store"
    return response


REUSE_EXPORT_FOR = timedelta(minutes=5)


def _export_job(session, params: dict, count: int):
    """A new export job, or the same export asked for a moment ago (queued, running or just done): a link clicked twice
    or shared does not start the work again."""
    owner = params.get("internal_user_id")
    recent = session.scalars(select(Job).where(
        Job.kind == "export", Job.state.in_(("queued", "running", "done")),
        Job.owner_user_id.is_(None) if owner is None else Job.owner_user_id == owner,
        Job.created_at > datetime.now(timezone.utc) - REUSE_EXPORT_FOR).order_by(Job.id.desc()).limit(20))
    for job in recent:
        if job.params == params:
            return job
    waiting = session.scalar(select(func.count()).select_from(Job).where(Job.kind == "export", Job.state == "queued"))
    if waiting >= current_app.config.get("MAX_QUEUED_EXPORTS", MAX_QUEUED_EXPORTS):
        return None
    job = enqueue(session, "export", params, owner_user_id=owner, total=count)
    session.commit()
    return job


MAX_QUEUED_EXPORTS = 50  # more waiting exports than this: "busy, try again" (a crawler cannot flood the queue)


@bp.get("/export/instrumenten.<fmt>")
def instruments(fmt: str):
    """Every instrument matching the list's filters (same parameters as /instrumenten; no paging)."""
    return _export("list", None, fmt, _("Instrumenten voor werkgevers"))


@bp.get("/regios/<slug>/export.<fmt>")
def region(slug: str, fmt: str):
    item = get_db().scalar(select(Region).where(Region.slug == slug))
    if item is None:
        abort(404, description=_("Deze arbeidsmarktregio bestaat niet."))
    return _export("region", slug, fmt, _("Arbeidsmarktregio %(name)s (%(code)s)", name=item.name, code=item.code))


@bp.get("/gemeenten/<slug>/export.<fmt>")
def municipality(slug: str, fmt: str):
    item = get_db().scalar(select(Municipality).where(Municipality.slug == slug))
    if item is None:
        abort(404, description=_("Deze gemeente bestaat niet."))
    return _export("municipality", slug, fmt, _("Gemeente %(name)s", name=item.name))


@bp.get("/export/importsjabloon.<fmt>")
def import_template(fmt: str):
    if fmt == "xlsx":
        data, mimetype = template_xlsx(get_db()), MIME_TYPES["xlsx"]
    elif fmt == "csv":
        data, mimetype = template_csv(), MIME_TYPES["csv"]
    else:
        abort(404, description=_("Het importsjabloon is er als xlsx en als csv."))
    response = Response(data, mimetype=mimetype.split(";")[0])
    response.headers["Content-Type"] = mimetype
    response.headers["Content-Disposition"] = f'attachment; filename="importsjabloon-instrumentengids.{fmt}"'
    return response


# ---------------------------------------------------------------------------------------------------------------------
# Import: upload -> preview (checked, nothing written) -> confirm (the same file, written); the round trip in `uploads`


def _page(status: int = 200, **context):
    regions = uploads.page_context(context)
    return render_template("exports/import.html", regions=regions, **context), status


@bp.route("/beheer/import", methods=["GET", "POST"])
@login_required
def import_upload():
    user = uploads.require_importer()
    if request.method == "GET":
        return _page(**({"selected": request.args["region"]} if request.args.get("region") else {}))
    upload = uploads.received(user, MAX_BYTES)
    if upload is None:
        return _page(400, error=_("Kies een bestand (.xlsx of .csv)."), selected=request.form.get("region") or "")
    region = upload.region
    if _is_large(upload.filename, upload.data):
        token = uploads.store(user, upload.filename, upload.data, region.code, upload.allow_national)
        return uploads.start_job("import", import_params(upload.filename, region.code, user.id, True,
                                                         upload.allow_national, token), upload.data, user)
    result = run_import(get_db(), upload.filename, upload.data, region, user=user, dry_run=True,
                        allow_national=upload.allow_national)
    token = uploads.store(user, upload.filename, upload.data, region.code, upload.allow_national) if result.ok else None
    return _page(200 if result.ok else 422, result=result, token=token, selected=region.code, region=region)


@bp.post("/beheer/import/bevestigen")
@login_required
def import_confirm():
    user = uploads.require_importer()
    upload = uploads.confirmed(user)
    if upload is None:
        return _page(400, selected="", error=_("Deze upload is verlopen. Kies het bestand opnieuw."))
    region = upload.region
    if _is_large(upload.filename, upload.data):
        return uploads.start_job("import", import_params(upload.filename, region.code, user.id, False,
                                                         upload.allow_national, upload.token, upload.resolutions),
                                 upload.data, user)
    result = run_import(get_db(), upload.filename, upload.data, region, user=user, dry_run=False,
                        allow_national=upload.allow_national, resolutions=upload.resolutions)
    keep = uploads.after_confirmation(upload, result)  # open conflicts: choose and confirm again
    return _page(200 if result.committed else 422, result=result, token=keep, selected=region.code, region=region)


IMPORT_JOB_ROWS = 200  # files with more rows are previewed and imported as background jobs (bench/import_bench.py)


def _is_large(name: str, data: bytes) -> bool:
    return estimate_rows(name, data) > current_app.config.get("IMPORT_JOB_ROWS", IMPORT_JOB_ROWS)


@bp.get("/beheer/import/taak/<public_id>")
@login_required
def import_job(public_id: str):
    """The result of an import job: the same page as a preview or import in the request."""
    def page(params, result, token):
        region = get_db().scalar(select(Region).where(Region.code == params["region"]))
        return _page(200 if result.ok else 422, result=result, token=token, selected=params["region"], region=region)

    return uploads.job_page(public_id, "import", result_from_payload, page)
