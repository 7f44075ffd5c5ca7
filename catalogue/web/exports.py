"""Downloads (CSV, XLSX, PDF, JSON) of any filtered list, region or gemeente, the import template, and the spreadsheet
import for coordinators and editors (blueprint `exports`). The work itself happens in catalogue.exports and
catalogue.imports; this module only handles requests, permissions and the upload's round trip (preview, then confirm)."""
from __future__ import annotations

import hashlib
import json
import secrets
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from .. import get_db
from ..auth import can, editable_regions
from ..exports import MIME_TYPES, count_instruments, filename, template_csv, template_xlsx, to_bytes
from ..i18n import current_language
from ..imports import MAX_BYTES, estimate_rows, run_import
from ..jobs import enqueue
from ..jobs.files import job_dir, jobs_root
from ..jobs.kinds import INPUT_NAME, PDF_MAX_INSTRUMENTS, export_params, export_spec, import_params, needs_job, result_from_payload
from ..models import Job, Municipality, Region
from ..queries import QueryError

bp = Blueprint("exports", __name__)
EXPORT_FORMATS = ("csv", "xlsx", "pdf", "json")
UPLOAD_MAX_AGE = 24 * 3600


@bp.errorhandler(QueryError)
def _bad_filter(exc: QueryError):
    message = _("Dit filter kunnen we niet gebruiken (%(parameter)s): %(message)s", parameter=exc.parameter,
                message=exc.message)
    return render_template("error.html", title=_("Ongeldig filter"), message=message,
                           back=url_for("public.instruments")), 400


def _user():
    return current_user._get_current_object() if current_user.is_authenticated else None


def _internal_user_id() -> int | None:
    """Internal notes only for a logged-in user who may read them and who asked for them (intern=1)."""
    user = _user()
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
# Import: upload -> preview (a dry run) -> confirm (the same file, committed in one transaction)


def _require_importer():
    user = _user()
    if user is None or not can(user, "create"):
        abort(403)
    return user


def _import_regions(user) -> list[Region]:
    """Coordinators: their region; editors: their organisation's region; admins: all."""
    session = get_db()
    if user.is_admin:
        return list(session.scalars(select(Region).order_by(Region.name)))
    regions = {r.id: r for r in editable_regions(session, user)}
    for m in user.memberships:
        if m.role == "editor" and m.organisation.home_region is not None:
            regions.setdefault(m.organisation.home_region.id, m.organisation.home_region)
    return sorted(regions.values(), key=lambda r: r.name)


def _upload_dir() -> Path:
    path = Path(current_app.instance_path) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    now = time.time()
    for old in path.glob("*"):
        if now - old.stat().st_mtime > UPLOAD_MAX_AGE:
            old.unlink(missing_ok=True)
    return path


def _store_upload(user, name: str, data: bytes, region_code: str, allow_national: bool) -> str:
    token = secrets.token_urlsafe(24)
    folder = _upload_dir()
    (folder / f"{token}.bin").write_bytes(data)
    (folder / f"{token}.json").write_text(json.dumps({
        "user": user.id, "filename": name, "region": region_code, "allow_national": allow_national,
        "sha256": hashlib.sha256(data).hexdigest(),
    }))
    return token


def _load_upload(user, token: str):
    if not token or not token.replace("-", "").replace("_", "").isalnum() or len(token) > 64:
        abort(400)
    folder = _upload_dir()
    meta_path, data_path = folder / f"{token}.json", folder / f"{token}.bin"
    if not meta_path.exists() or not data_path.exists():
        return None, None
    meta = json.loads(meta_path.read_text())
    if meta.get("user") != user.id:
        abort(403)
    data = data_path.read_bytes()
    if hashlib.sha256(data).hexdigest() != meta.get("sha256"):
        return None, None
    return meta, data


def _drop_upload(token: str) -> None:
    folder = _upload_dir()
    for suffix in (".json", ".bin"):
        (folder / f"{token}{suffix}").unlink(missing_ok=True)


def _region_for(user, code: str | None) -> Region:
    allowed = {r.code: r for r in _import_regions(user)}
    if not code or code not in allowed:
        abort(403)
    return allowed[code]


@bp.route("/beheer/import", methods=["GET", "POST"])
@login_required
def import_upload():
    user = _require_importer()
    regions = _import_regions(user)
    if request.method == "GET":
        return render_template("exports/import.html", regions=regions, result=None, token=None, error=None,
                               selected=request.args.get("region") or (regions[0].code if len(regions) == 1 else ""))
    region_code = request.form.get("region") or ""
    upload = request.files.get("file")
    allow_national = bool(user.is_admin and request.form.get("allow_national"))
    error = None
    if not upload or not upload.filename:
        error = _("Kies een bestand (.xlsx of .csv).")
    if error is None:
        data = upload.stream.read(MAX_BYTES + 1)
        region = _region_for(user, region_code)
        if _is_large(upload.filename, data):
            token = _store_upload(user, upload.filename, data, region.code, allow_national)
            return _import_job(user, upload.filename, data, region.code, dry_run=True, allow_national=allow_national,
                               token=token)
        result = run_import(get_db(), upload.filename, data, region, user=user, dry_run=True,
                            allow_national=allow_national)
        token = _store_upload(user, upload.filename, data, region.code, allow_national) if result.ok else None
        return render_template("exports/import.html", regions=regions, result=result, token=token, error=None,
                               selected=region.code, region=region), (200 if result.ok else 422)
    return render_template("exports/import.html", regions=regions, result=None, token=None, error=error,
                           selected=region_code), 400


@bp.post("/beheer/import/bevestigen")
@login_required
def import_confirm():
    user = _require_importer()
    token = request.form.get("token") or ""
    meta, data = _load_upload(user, token)
    regions = _import_regions(user)
    if meta is None:
        return render_template("exports/import.html", regions=regions, result=None, token=None, selected="",
                               error=_("Deze upload is verlopen. Kies het bestand opnieuw.")), 400
    region = _region_for(user, meta["region"])
    allow_national = bool(meta.get("allow_national") and user.is_admin)
    resolutions = {key[len("keuze-"):]: value for key, value in request.form.items() if key.startswith("keuze-")}
    if _is_large(meta["filename"], data):
        return _import_job(user, meta["filename"], data, region.code, dry_run=False, allow_national=allow_national,
                           token=token, resolutions=resolutions)
    result = run_import(get_db(), meta["filename"], data, region, user=user, dry_run=False,
                        allow_national=allow_national, resolutions=resolutions)
    if result.committed:
        _drop_upload(token)
    keep = token if result.ok and not result.committed else None  # open conflicts: choose and confirm again
    return render_template("exports/import.html", regions=regions, result=result, token=keep, error=None,
                           selected=region.code, region=region), (200 if result.committed else 422)


IMPORT_JOB_ROWS = 200  # files with more rows are previewed and imported as background jobs (bench/import_bench.py)


def _is_large(name: str, data: bytes) -> bool:
    return estimate_rows(name, data) > current_app.config.get("IMPORT_JOB_ROWS", IMPORT_JOB_ROWS)


def _import_job(user, name: str, data: bytes, region_code: str, dry_run: bool, allow_national: bool, token: str,
                resolutions: dict[str, str] | None = None):
    """Hands a large file to the background worker; the answer is the job's progress page."""
    session = get_db()
    job = enqueue(session, "import", import_params(name, region_code, user.id, dry_run, allow_national, token,
                                                   resolutions), owner_user_id=user.id)
    folder = job_dir(jobs_root(current_app.instance_path), job.public_id)
    (folder / INPUT_NAME).write_bytes(data)
    session.commit()
    return redirect(url_for("jobs.status", public_id=job.public_id), 303)


@bp.get("/beheer/import/taak/<public_id>")
@login_required
def import_job(public_id: str):
    """The result of an import job: the same page as a preview or import in the request."""
    from .jobs import job_for_current_user

    user = _require_importer()
    job = job_for_current_user(public_id)
    if job.kind != "import":
        abort(404)
    if job.state != "done":
        return redirect(url_for("jobs.status", public_id=public_id), 303)
    result = result_from_payload(job.result)
    params = job.params
    region = get_db().scalar(select(Region).where(Region.code == params["region"]))
    token = params.get("upload_token") if result.ok and not result.committed else None  # preview or open conflicts
    if token and _load_upload(user, token)[0] is None:
        token = None  # the upload expired meanwhile: the page offers to upload again
    if result.committed and params.get("upload_token"):
        _drop_upload(params["upload_token"])
    return render_template("exports/import.html", regions=_import_regions(user), result=result, token=token,
                           error=None, selected=params["region"], region=region), (200 if result.ok else 422)
