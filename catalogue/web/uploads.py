"""The round trip of an import upload under /beheer, shared by the spreadsheet import (`exports`) and the Dennis import
(`dennis`): who may import into which regions, keeping the uploaded file between the preview and the confirmation (for
its uploader only, unchanged, at most a day), handing a large file to the background worker, and turning a finished
job back into the result page's context."""
from __future__ import annotations

import hashlib
import json
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from .. import get_db
from ..auth import can, editable_regions
from ..jobs import enqueue
from ..jobs.files import job_dir, jobs_root
from ..jobs.kinds import INPUT_NAME
from ..models import Region

UPLOAD_MAX_AGE = 24 * 3600


def current():
    return current_user._get_current_object() if current_user.is_authenticated else None


def require_importer():
    user = current()
    if user is None or not can(user, "create"):
        abort(403)
    return user


def import_regions(user) -> list[Region]:
    """Coordinators: their region; editors: their organisation's region; admins: all."""
    session = get_db()
    if user.is_admin:
        return list(session.scalars(select(Region).order_by(Region.name)))
    regions = {r.id: r for r in editable_regions(session, user)}
    for m in user.memberships:
        if m.role == "editor" and m.organisation.home_region is not None:
            regions.setdefault(m.organisation.home_region.id, m.organisation.home_region)
    return sorted(regions.values(), key=lambda r: r.name)


def page_context(context: dict) -> list[Region]:
    """The regions the current user may import for, with the upload page's defaults filled into `context`: no result,
    token or error yet, and the region chosen when there is only one."""
    regions = import_regions(current())
    context.setdefault("selected", regions[0].code if len(regions) == 1 else "")
    for key in ("result", "token", "error"):
        context.setdefault(key, None)
    return regions


def region_for(user, code: str | None) -> Region:
    allowed = {r.code: r for r in import_regions(user)}
    if not code or code not in allowed:
        abort(403)
    return allowed[code]


def _upload_dir() -> Path:
    path = Path(current_app.instance_path) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    now = time.time()
    for old in path.glob("*"):
        if now - old.stat().st_mtime > UPLOAD_MAX_AGE:
            old.unlink(missing_ok=True)
    return path


def store(user, name: str, data: bytes, region_code: str, allow_national: bool) -> str:
    token = secrets.token_urlsafe(24)
    folder = _upload_dir()
    (folder / f"{token}.bin").write_bytes(data)
    (folder / f"{token}.json").write_text(json.dumps({
        "user": user.id, "filename": name, "region": region_code, "allow_national": allow_national,
        "sha256": hashlib.sha256(data).hexdigest(),
    }))
    return token


def load(user, token: str):
    """(meta, data) of an upload of this user, or (None, None) when it expired or changed."""
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


def drop(token: str) -> None:
    folder = _upload_dir()
    for suffix in (".json", ".bin"):
        (folder / f"{token}{suffix}").unlink(missing_ok=True)


@dataclass
class Upload:
    """An import file as the upload form or the confirmation form hands it over."""
    filename: str
    data: bytes
    region: Region
    allow_national: bool
    token: str | None = None  # the stored upload (confirmation)
    resolutions: dict[str, str] = field(default_factory=dict)  # the choices per conflict (confirmation)


def received(user, max_bytes: int) -> Upload | None:
    """The file of an upload form (at most `max_bytes` + 1 read, so that a larger one is refused); None without one."""
    upload = request.files.get("file")
    if not upload or not upload.filename:
        return None
    data = upload.stream.read(max_bytes + 1)
    return Upload(upload.filename, data, region_for(user, request.form.get("region") or ""),
                  bool(user.is_admin and request.form.get("allow_national")))


def confirmed(user) -> Upload | None:
    """The stored upload a confirmation form names, with the choices per conflict; None when it expired."""
    token = request.form.get("token") or ""
    meta, data = load(user, token)
    if meta is None:
        return None
    return Upload(meta["filename"], data, region_for(user, meta["region"]),
                  bool(meta.get("allow_national") and user.is_admin), token,
                  {key[len("keuze-"):]: value for key, value in request.form.items() if key.startswith("keuze-")})


def after_confirmation(upload: Upload, result) -> str | None:
    """Removes a committed upload; the token to confirm again with (open conflicts), or None."""
    if result.committed:
        drop(upload.token)
    return upload.token if result.ok and not result.committed else None


def start_job(kind: str, params: dict, data: bytes, user):
    """Hands a large file to the background worker; the answer is the job's progress page."""
    session = get_db()
    job = enqueue(session, kind, params, owner_user_id=user.id)
    (job_dir(jobs_root(current_app.instance_path), job.public_id) / INPUT_NAME).write_bytes(data)
    session.commit()
    return redirect(url_for("jobs.status", public_id=job.public_id), 303)


def job_page(public_id: str, kind: str, from_payload, page):
    """The current user's finished import job as its result page, `page(params, result, token)` with the upload token
    to confirm with (None when committed or expired: a committed import's upload is removed); a redirect to the job's
    progress page while it runs."""
    from .jobs import job_for_current_user

    user = require_importer()
    job = job_for_current_user(public_id)
    if job.kind != kind:
        abort(404)
    if job.state != "done":
        return redirect(url_for("jobs.status", public_id=public_id), 303)
    result = from_payload(job.result)
    uploaded = job.params.get("upload_token")
    token = uploaded if result.ok and not result.committed else None  # a preview, or open conflicts
    if token and load(user, token)[0] is None:
        token = None  # the upload expired meanwhile: the page offers to upload again
    if result.committed and uploaded:
        drop(uploaded)
    return page(job.params, result, token)
