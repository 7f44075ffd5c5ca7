"""Downloads (CSV, XLSX, PDF, JSON) of any filtered list, region or gemeente, the import template, and the spreadsheet
import for coordinators and editors (blueprint `exports`). The work itself happens in catalogue.exports and
catalogue.imports; this module only handles requests, permissions and the upload's round trip (preview, then confirm)."""
from __future__ import annotations

import hashlib
import json
import secrets
import time
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import get_db
from ..auth import can, editable_regions, internal_provider_ids
from ..exports import MIME_TYPES, ExportSpec, filename, spec_for_municipality, spec_for_region, template_csv, \
    template_xlsx, to_bytes
from ..i18n import current_language
from ..imports import MAX_BYTES, run_import
from ..models import Municipality, Region
from ..queries import QueryError, parse_query

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


def _apply_internal(spec: ExportSpec) -> ExportSpec:
    """Internal notes only for a logged-in user who may read them and who asked for them (intern=1)."""
    user = _user()
    if request.args.get("intern") in ("1", "on", "true") and user is not None and can(user, "view_internal"):
        spec.internal = True
        spec.internal_provider_ids = internal_provider_ids(get_db(), user)
    spec.language = current_language()
    return spec


def _send(spec: ExportSpec, fmt: str) -> Response:
    if fmt not in EXPORT_FORMATS:
        abort(404, description=_("Dit exportformaat bestaat niet. Kies csv, xlsx, pdf of json."))
    a4 = request.args.get("layout") == "a4"
    data = to_bytes(get_db(), spec, fmt, a4=a4)
    response = Response(data, mimetype=MIME_TYPES[fmt].split(";")[0])
    if fmt == "csv":
        response.headers["Content-Type"] = MIME_TYPES["csv"]
    response.headers["Content-Disposition"] = f'attachment; filename="{filename(spec, fmt, a4)}"'
    if spec.internal:
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/export/instrumenten.<fmt>")
def instruments(fmt: str):
    """Every instrument matching the list's filters (same parameters as /instrumenten; no paging)."""
    session = get_db()
    query = parse_query(session, request.args.to_dict(flat=False))
    spec = ExportSpec(query=query, title=_("Instrumenten voor werkgevers"))
    if len(query.regions) == 1 and not query.municipalities:
        spec.region = session.scalar(select(Region).where(Region.code == query.regions[0]))
    if len(query.municipalities) == 1:
        spec.municipality = session.scalar(select(Municipality).where(Municipality.code == query.municipalities[0]))
        spec.region = spec.municipality.region if spec.municipality else spec.region
    return _send(_apply_internal(spec), fmt)


@bp.get("/regios/<slug>/export.<fmt>")
def region(slug: str, fmt: str):
    session = get_db()
    item = session.scalar(select(Region).where(Region.slug == slug))
    if item is None:
        abort(404, description=_("Deze arbeidsmarktregio bestaat niet."))
    query = parse_query(session, request.args.to_dict(flat=False))
    spec = spec_for_region(session, item.code, query=query)
    spec.title = _("Arbeidsmarktregio %(name)s (%(code)s)", name=item.name, code=item.code)
    return _send(_apply_internal(spec), fmt)


@bp.get("/gemeenten/<slug>/export.<fmt>")
def municipality(slug: str, fmt: str):
    session = get_db()
    item = session.scalar(select(Municipality).where(Municipality.slug == slug))
    if item is None:
        abort(404, description=_("Deze gemeente bestaat niet."))
    query = parse_query(session, request.args.to_dict(flat=False))
    spec = spec_for_municipality(session, item.code, query=query)
    spec.title = _("Gemeente %(name)s", name=item.name)
    return _send(_apply_internal(spec), fmt)


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
    result = run_import(get_db(), meta["filename"], data, region, user=user, dry_run=False,
                        allow_national=bool(meta.get("allow_national") and user.is_admin))
    if result.committed:
        _drop_upload(token)
    return render_template("exports/import.html", regions=regions, result=result, token=None, error=None,
                           selected=region.code, region=region), (200 if result.committed else 422)
