"""The page of a background job (blueprint `jobs`): progress while it runs, the file (or the way on) when it is done.

`/taken/<public id>`: the id is unguessable, so an anonymous user's export is reachable only by whoever started it (and
whoever they share the link with). Jobs with an owner (internal exports, imports) are shown only to that user (and
administrators); for anybody else they do not exist (404)."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import get_db
from ..jobs import find
from ..jobs.files import jobs_root, result_file
from ..jobs.runner import read_progress

bp = Blueprint("jobs", __name__)
POLL_SECONDS = 2


def _progress_messages() -> dict:
    """The handlers' progress messages (stored in Dutch) in the page's language."""
    return {"Instrumenten ophalen": _("Instrumenten ophalen"), "Bestand maken": _("Bestand maken"),
            "Bestand lezen": _("Bestand lezen"), "Rijen controleren": _("Rijen controleren"),
            "Rijen opslaan": _("Rijen opslaan"), "Instrumenten controleren": _("Instrumenten controleren"),
            "Instrumenten opslaan": _("Instrumenten opslaan"), "Klaar": _("Klaar")}


def root() -> Path:
    return jobs_root(current_app.instance_path)


def job_for_current_user(public_id: str):
    job = find(get_db(), public_id)
    if job is None:
        abort(404, description=_("Deze taak bestaat niet (meer). Resultaten worden een dag bewaard."))
    if job.owner_user_id is not None:
        user = current_user
        if not user.is_authenticated or (user.id != job.owner_user_id and not user.is_admin):
            abort(404, description=_("Deze taak bestaat niet (meer). Resultaten worden een dag bewaard."))
    return job


@bp.get("/taken/<public_id>")
def status(public_id: str):
    job = job_for_current_user(public_id)
    if job.kind == "import" and job.state == "done":
        return redirect(url_for("exports.import_job", public_id=job.public_id), 303)
    if job.kind == "dennis" and job.state == "done":
        return redirect(url_for("dennis.job", public_id=job.public_id), 303)
    progress = read_progress(root(), job)
    message = progress.get("message")
    path = result_file(root(), job) if job.state == "done" else None
    title = _("Export wordt gemaakt") if job.kind == "export" else _("Import wordt verwerkt")
    if job.state == "done":
        title = _("Export klaar") if job.kind == "export" else _("Import verwerkt")
    elif job.state == "failed":
        title = _("Dit is niet gelukt")
    response = current_app.make_response(render_template(
        "jobs/status.html", job=job, title=title, progress=progress, poll=POLL_SECONDS,
        message=_progress_messages().get(message, message), size=path.stat().st_size if path else None))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/taken/<public_id>/bestand")
def download(public_id: str):
    job = job_for_current_user(public_id)
    path = result_file(root(), job) if job.state == "done" else None
    if path is None:
        abort(404, description=_("Dit bestand is er niet (meer). Resultaten worden een dag bewaard."))
    response = send_file(path, mimetype=(job.result_mimetype or "application/octet-stream").split(";")[0],
                         as_attachment=True, download_name=job.result_name or path.name, max_age=0)
    if job.result_mimetype and "charset" in job.result_mimetype:
        response.headers["Content-Type"] = job.result_mimetype
    response.headers["Cache-Control"] = "private, no-store" if job.owner_user_id else "private, max-age=0"
    return response
