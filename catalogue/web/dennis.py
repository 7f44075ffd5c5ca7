"""The Dennis import upload and the review list of parameter proposals under /beheer (blueprint `dennis`). The work
happens in catalogue.imports.dennis and catalogue.imports.proposals; this module handles requests and the upload's round
trip (preview, choices per conflict, confirm) through `uploads`, as the spreadsheet import does. Files with more than
WEB_MAX_INSTRUMENTS instruments are previewed and imported as background jobs (catalogue/jobs/)."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select

from .. import get_db
from ..editing import InvalidInput
from ..imports.dennis import MAX_BYTES, WEB_MAX_INSTRUMENTS, DennisFileError, read_export, run_dennis_import
from ..jobs.kinds import dennis_params, dennis_result_from_payload
from ..imports.proposals import ProposalDecided, accept, current_values, open_proposals, reject
from ..models import InstrumentKind
from . import uploads
from .guards import refusals_as_http

bp = Blueprint("dennis", __name__)


def _kinds() -> list[InstrumentKind]:
    return list(get_db().scalars(select(InstrumentKind).order_by(InstrumentKind.sort_order)))


def _page(status: int = 200, **context):
    regions = uploads.page_context(context)
    context.setdefault("default_kind", "")
    return render_template("exports/dennis.html", regions=regions, kinds=_kinds(),
                           max_instruments=WEB_MAX_INSTRUMENTS, **context), status


@bp.route("/beheer/import/dennis", methods=["GET", "POST"])
@login_required
def upload():
    user = uploads.require_importer()
    if request.method == "GET":
        return _page(**({"selected": request.args["region"]} if request.args.get("region") else {}))
    default_kind = request.form.get("default_kind") or None
    upload = uploads.received(user, MAX_BYTES)
    if upload is None:
        return _page(400, error=_("Kies een Dennis-export (.json)."), selected=request.form.get("region") or "")
    region = upload.region
    if _is_large(upload.data):
        token = uploads.store(user, upload.filename, upload.data, region.code, upload.allow_national)
        return uploads.start_job("dennis", dennis_params(upload.filename, region.code, user.id, True,
                                                         upload.allow_national, token, default_kind, {}),
                                 upload.data, user)
    result = run_dennis_import(get_db(), upload.filename, upload.data, region, user=user, dry_run=True,
                               allow_national=upload.allow_national, default_kind=default_kind, via="web")
    token = uploads.store(user, upload.filename, upload.data, region.code, upload.allow_national) if result.ok else None
    return _page(200 if result.ok else 422, result=result, token=token, region=region, selected=region.code,
                 default_kind=default_kind or "")


@bp.post("/beheer/import/dennis/bevestigen")
@login_required
def confirm():
    user = uploads.require_importer()
    upload = uploads.confirmed(user)
    if upload is None:
        return _page(400, error=_("Deze upload is verlopen. Kies het bestand opnieuw."))
    region = upload.region
    default_kind = request.form.get("default_kind") or None
    if _is_large(upload.data):
        return uploads.start_job("dennis", dennis_params(upload.filename, region.code, user.id, False,
                                                         upload.allow_national, upload.token, default_kind,
                                                         upload.resolutions), upload.data, user)
    result = run_dennis_import(get_db(), upload.filename, upload.data, region, user=user, dry_run=False,
                               allow_national=upload.allow_national, resolutions=upload.resolutions,
                               default_kind=default_kind, via="web")
    keep = uploads.after_confirmation(upload, result)
    return _page(200 if result.committed else 422, result=result, token=keep, region=region, selected=region.code,
                 default_kind=default_kind or "")


def _is_large(data: bytes) -> bool:
    """More instruments than a request can import within 10 s (a file that cannot be read is answered at once)."""
    try:
        count = len(read_export(data))
    except DennisFileError:
        return False
    return count > current_app.config.get("DENNIS_WEB_MAX_INSTRUMENTS", WEB_MAX_INSTRUMENTS)


@bp.get("/beheer/import/dennis/taak/<public_id>")
@login_required
def job(public_id: str):
    """The result of a Dennis import job: the same page as a preview or import in the request."""
    def page(params, result, token):
        region = uploads.region_for(uploads.current(), params["region"])
        return _page(200 if result.ok else 422, result=result, token=token, region=region, selected=region.code,
                     default_kind=params.get("default_kind") or "")

    return uploads.job_page(public_id, "dennis", dennis_result_from_payload, page)


@bp.get("/beheer/voorstellen")
@login_required
def proposals():
    user = uploads.require_importer()
    items = [(p, current_values(p)) for p in open_proposals(get_db(), user)]
    return render_template("manage/proposals.html", items=items)


@bp.post("/beheer/voorstellen/<int:proposal_id>/<decision>")
@login_required
@refusals_as_http
def decide(proposal_id: int, decision: str):
    user = uploads.require_importer()
    if decision not in ("overnemen", "afwijzen"):
        abort(404)
    session = get_db()
    try:
        if decision == "overnemen":
            accept(session, user, proposal_id)
            message = _("Het voorstel is overgenomen; het instrument heeft een nieuwe versie.")
        else:
            reject(session, user, proposal_id)
            message = _("Het voorstel is afgewezen; het instrument is niet gewijzigd.")
        session.commit()
    except ProposalDecided:
        session.rollback()
        message = _("Over dit voorstel is al beslist.")
    except InvalidInput as exc:
        session.rollback()
        message = _("Dit voorstel past niet bij het instrument: %(problem)s", problem="; ".join(
            f"{k}: {' '.join(map(str, v)) if isinstance(v, list) else v}" for k, v in exc.messages.items()))
    flash(message)
    return redirect(url_for("dennis.proposals"))
