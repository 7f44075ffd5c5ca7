"""Editing for account managers, editors, coordinators and admins (blueprint `manage`, under /beheer).

Every view requires a login; every action checks `auth.can` on the object. All changes go through `editing.Editor`."""
from __future__ import annotations

from datetime import date, datetime, timezone

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from .. import get_db
from ..auth import can, editable_provider_ids, editable_providers, editable_regions, internal_provider_ids
from ..editing import (
    Editor,
    InvalidInput,
    NotAllowed,
    NotFound,
    RegionConflict,
    VersionConflict,
    diff,
    region_fingerprint,
    region_snapshot,
    snapshot,
)
from ..feedback.reports import open_counts
from ..models import AuditEntry, Instrument, InstrumentVersion, Notification, Region, Watch
from ..queries import text_search_ids
from ..review import needs_review
from . import forms
from .guards import refusals_as_http

bp = Blueprint("manage", __name__)
PER_PAGE = 50


@bp.before_request
@login_required
def _require_login():
    if not can(_user(), "manage"):
        abort(403)


def _user():
    return current_user._get_current_object()


def _editor() -> Editor:
    return Editor(get_db(), _user(), via="web")


def _instrument(slug: str) -> Instrument:
    item = get_db().scalar(select(Instrument).where(Instrument.slug == slug))
    if item is None:
        abort(404, description=_("Dit instrument bestaat niet."))
    if not can(_user(), "view_internal", item):
        abort(403)
    return item


@bp.app_template_filter("field_label")
def _field_label(name: str) -> str:
    return _(forms.LABELS[name]) if name in forms.LABELS else name


@bp.app_template_filter("action_label")
def _action_label(action: str) -> str:
    return _(forms.ACTION_LABELS.get(action, action))


@bp.app_template_filter("show_value")
def _show_value(value) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "–"
    if value is True:
        return _("Ja")
    if value is False:
        return _("Nee")
    if isinstance(value, list):
        return ", ".join(_show_value(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_show_value(v)}" for k, v in value.items())
    return str(value)


@bp.app_errorhandler(403)
def _forbidden(exc):
    if request.path.startswith("/api/"):
        return {"error": "Geen toestemming."}, 403
    from flask import render_template as rt

    return rt("error.html", title=_("Geen toegang"),
              message=_("U heeft geen toestemming voor deze pagina of handeling.")), 403


# ---------------------------------------------------------------------------------------------------------------------


@bp.get("/")
def dashboard():
    db = get_db()
    user = _user()
    notifications = db.scalars(select(Notification).where(Notification.user_id == user.id)
                               .order_by(Notification.read_at.is_not(None), Notification.created_at.desc())
                               .options(selectinload(Notification.instrument), selectinload(Notification.audit_entry))
                               .limit(30)).all()
    review = needs_review(db, user, scope="edit") if can(user, "create") else needs_review(db, user, scope="own")
    watched = db.scalars(select(Instrument).join(Watch, Watch.instrument_id == Instrument.id)
                         .where(Watch.user_id == user.id).order_by(Instrument.name)).all()
    return render_template("manage/dashboard.html", notifications=notifications, review=review, watched=watched,
                           regions=editable_regions(db, user), reasons=forms.REVIEW_REASONS,
                           role_labels=forms.ROLE_LABELS, report_counts=open_counts(db, user))


@bp.post("/meldingen/gelezen")
def notifications_read():
    db = get_db()
    now = datetime.now(timezone.utc)
    for n in db.scalars(select(Notification).where(Notification.user_id == _user().id, Notification.read_at.is_(None))):
        n.read_at = now
    db.commit()
    return redirect(url_for(".dashboard"))


@bp.get("/instrumenten")
def instruments():
    db = get_db()
    user = _user()
    status = request.args.get("status", "")
    q = (request.args.get("q") or "").strip()[:200]
    try:
        page = max(1, int(request.args.get("page", 1)))
    except ValueError:
        page = 1
    stmt = select(Instrument)
    ids = internal_provider_ids(db, user)
    if ids is not None:
        stmt = stmt.where(Instrument.provider_id.in_(ids or {-1}))
    if status == "deleted":
        stmt = stmt.where(Instrument.deleted_at.is_not(None))
    else:
        stmt = stmt.where(Instrument.deleted_at.is_(None))
        if status in ("draft", "published"):
            stmt = stmt.where(Instrument.status == status)
    if q:
        # the real search (synonyms, stemming, typos) ranks; drafts and deleted ones are matched on their text
        ranked = text_search_ids(db, q)
        allowed = set(db.scalars(stmt.with_only_columns(Instrument.id).where(Instrument.id.in_(ranked or [-1]))))
        matching = [i for i in ranked if i in allowed]
        total = len(matching)
        page_ids = matching[(page - 1) * PER_PAGE: page * PER_PAGE]
        by_id = {i.id: i for i in db.scalars(select(Instrument).where(Instrument.id.in_(page_ids or [-1]))
                                            .options(selectinload(Instrument.provider)))}
        rows = [by_id[i] for i in page_ids]
    else:
        total = db.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = db.scalars(stmt.options(selectinload(Instrument.provider)).order_by(Instrument.name)
                          .offset((page - 1) * PER_PAGE).limit(PER_PAGE)).all()
    return render_template("manage/instruments.html", rows=rows, total=total, page=page,
                           pages=max(1, -(-total // PER_PAGE)), status=status, q=q, today=date.today())


def _form_context(values: dict, errors: dict | None = None, instrument: Instrument | None = None):
    db = get_db()
    user = _user()
    providers = editable_providers(db, user)
    if instrument is not None and instrument.provider not in providers:
        providers = [instrument.provider] + providers
    return dict(values=forms.form_values(values), errors=errors or {}, sections=forms.SECTIONS,
                choices=forms.choices(db, providers), instrument=instrument, labels=forms.LABELS, hints=forms.HINTS,
                error_label=forms.error_label)


@bp.route("/instrumenten/nieuw", methods=["GET", "POST"])
@refusals_as_http
def new_instrument():
    user = _user()
    if not can(user, "create"):
        abort(403)
    if request.method == "GET":
        return render_template("manage/edit.html", **_form_context({"status": "draft", "reach": "lokaal"}))
    raw = forms.instrument_from_form(request.form, creating=True)
    if request.form.get("preview"):
        return render_template("manage/edit.html", previews=forms.previews(raw), **_form_context(raw))
    db = get_db()
    try:
        item = _editor().create(raw)
    except InvalidInput as exc:
        db.rollback()
        return render_template("manage/edit.html", **_form_context(raw, forms.flatten_errors(exc.messages))), 400
    db.commit()
    flash(_("Het instrument is aangemaakt."), "success")
    return redirect(url_for(".instrument", slug=item.slug))


@bp.get("/instrumenten/<slug>")
def instrument(slug: str):
    db = get_db()
    item = _instrument(slug)
    watching = db.get(Watch, (_user().id, item.id)) is not None
    recent = db.scalars(select(AuditEntry).where(AuditEntry.instrument_id == item.id)
                        .order_by(AuditEntry.id.desc()).limit(5)).all()
    return render_template("manage/instrument.html", item=item, data=snapshot(item), watching=watching, recent=recent,
                           sections=forms.SECTIONS, today=date.today())


@bp.route("/instrumenten/<slug>/bewerken", methods=["GET", "POST"])
@refusals_as_http
def edit_instrument(slug: str):
    item = _instrument(slug)
    if not can(_user(), "edit", item):
        abort(403)
    if item.deleted_at is not None:
        abort(404)
    if request.method == "GET":
        return render_template("manage/edit.html", version=item.version, **_form_context(snapshot(item), instrument=item))
    raw = forms.instrument_from_form(request.form, creating=False)
    if request.form.get("preview"):  # nothing is saved; the form comes back with what was typed and a preview
        return render_template("manage/edit.html", version=request.form.get("version"), previews=forms.previews(raw),
                               **_form_context(raw, instrument=item))
    db = get_db()
    try:
        _editor().update(item, raw, expected_version=request.form.get("version"))
    except VersionConflict as exc:
        db.rollback()
        return _conflict(exc, raw)
    except InvalidInput as exc:
        db.rollback()
        item = _instrument(slug)
        return render_template("manage/edit.html", version=request.form.get("version"),
                               **_form_context(raw, forms.flatten_errors(exc.messages), instrument=item)), 400
    db.commit()
    flash(_("De wijzigingen zijn opgeslagen."), "success")
    return redirect(url_for(".instrument", slug=item.slug))


def _conflict(exc: VersionConflict, submitted: dict):
    current = exc.current
    differences = diff(current, {**current, **submitted})
    last = get_db().scalar(select(AuditEntry).where(AuditEntry.instrument_id == exc.instrument.id)
                           .order_by(AuditEntry.id.desc()).limit(1))
    return render_template("manage/conflict.html", current=current, submitted=submitted, differences=differences,
                           last=last, version=exc.current_version,
                           **_form_context(submitted, instrument=exc.instrument)), 409


def _action(slug: str, method: str, success: str, *args):
    item = _instrument(slug)
    db = get_db()
    try:
        getattr(_editor(), method)(item, *args)
    except NotAllowed:
        db.rollback()
        abort(403)
    except NotFound:
        db.rollback()
        abort(404)
    except VersionConflict:
        db.rollback()
        flash(_("Iemand anders heeft dit instrument intussen gewijzigd. Bekijk de nieuwste versie en probeer het "
                "opnieuw."), "error")
        return redirect(url_for(".instrument", slug=slug)), 303
    except InvalidInput as exc:
        db.rollback()
        errors = forms.flatten_errors(exc.messages)
        for field, messages in errors.items():
            for message in messages:
                flash(f"{forms.error_label(field)}: {message}", "error")
        return redirect(url_for(".instrument", slug=slug)), 303
    db.commit()
    flash(success, "success")
    return redirect(url_for(".instrument", slug=item.slug))


@bp.post("/instrumenten/<slug>/publiceren")
def publish(slug):
    return _action(slug, "publish", _("Het instrument is gepubliceerd."), request.form.get("version"))


@bp.post("/instrumenten/<slug>/depubliceren")
def unpublish(slug):
    return _action(slug, "unpublish", _("Het instrument is niet meer gepubliceerd."), request.form.get("version"))


@bp.post("/instrumenten/<slug>/plannen")
def schedule(slug):
    return _action(slug, "schedule", _("De publicatie is gepland."), request.form.get("publish_from") or None,
                   request.form.get("publish_to") or None, request.form.get("version"))


@bp.post("/instrumenten/<slug>/verwijderen")
def delete(slug):
    return _action(slug, "delete", _("Het instrument is verwijderd. U kunt het terugzetten."), request.form.get("version"))


@bp.post("/instrumenten/<slug>/terugzetten")
def restore(slug):
    return _action(slug, "restore", _("Het instrument is teruggezet."))


@bp.post("/instrumenten/<slug>/gecontroleerd")
def mark_checked(slug):
    return _action(slug, "mark_checked", _("Gemarkeerd als gecontroleerd."))


@bp.post("/instrumenten/<slug>/volgen")
def watch(slug):
    return _action(slug, "watch", _("U volgt dit instrument en krijgt een melding bij elke wijziging."))


@bp.post("/instrumenten/<slug>/ontvolgen")
def unwatch(slug):
    return _action(slug, "unwatch", _("U volgt dit instrument niet meer."))


@bp.get("/instrumenten/<slug>/geschiedenis")
def history(slug):
    db = get_db()
    item = _instrument(slug)
    versions = db.scalars(select(InstrumentVersion).where(InstrumentVersion.instrument_id == item.id)
                          .order_by(InstrumentVersion.version.desc())).all()
    entries = db.scalars(select(AuditEntry).where(AuditEntry.instrument_id == item.id)
                         .order_by(AuditEntry.id.desc())).all()
    return render_template("manage/history.html", item=item, versions=versions, entries=entries)


@bp.get("/instrumenten/<slug>/versies/<int:number>")
def version(slug, number):
    db = get_db()
    item = _instrument(slug)
    row = db.scalar(select(InstrumentVersion).where(InstrumentVersion.instrument_id == item.id,
                                                    InstrumentVersion.version == number))
    if row is None:
        abort(404)
    previous = db.scalar(select(InstrumentVersion).where(InstrumentVersion.instrument_id == item.id,
                                                         InstrumentVersion.version < number)
                         .order_by(InstrumentVersion.version.desc()).limit(1))
    return render_template("manage/version.html", item=item, row=row, previous=previous,
                           against_previous=diff(previous.snapshot if previous else {}, row.snapshot),
                           against_current=diff(row.snapshot, snapshot(item)))


@bp.post("/instrumenten/<slug>/versies/<int:number>/terugzetten")
def restore_version(slug, number):
    return _action(slug, "restore_version", _("Versie %(number)s is teruggezet.", number=number), number,
                   request.form.get("version"))


@bp.route("/regios/<slug>", methods=["GET", "POST"])
def region(slug):
    db = get_db()
    item = db.scalar(select(Region).where(Region.slug == slug))
    if item is None:
        abort(404)
    if not can(_user(), "edit_region", item):
        abort(403)
    entries = db.scalars(select(AuditEntry).where(AuditEntry.region_id == item.id).order_by(AuditEntry.id.desc())
                         .limit(20)).all()
    if request.method == "GET":
        return render_template("manage/region.html", region=item, values=_region_values(region_snapshot(item)),
                               errors={}, fingerprint=region_fingerprint(item), entries=entries, conflict=None,
                               error_label=forms.error_label)
    raw = forms.region_from_form(request.form)
    try:
        _editor().update_region(item, raw, request.form.get("fingerprint"))
    except RegionConflict as exc:
        db.rollback()
        item = db.scalar(select(Region).where(Region.slug == slug))
        return render_template("manage/region.html", region=item, values=_region_values(raw), errors={},
                               fingerprint=region_fingerprint(item), entries=entries, conflict=exc.current,
                               error_label=forms.error_label), 409
    except InvalidInput as exc:
        db.rollback()
        return render_template("manage/region.html", region=item, values=_region_values(raw),
                               errors=forms.flatten_errors(exc.messages), fingerprint=request.form.get("fingerprint"),
                               entries=entries, conflict=None, error_label=forms.error_label), 400
    db.commit()
    flash(_("De regiopagina is opgeslagen."), "success")
    return redirect(url_for(".region", slug=slug))


def _region_values(data: dict) -> dict:
    values = {k: ("" if v is None else v) for k, v in data.items()}
    values["partners"] = "\n".join(data.get("partners") or [])
    values["terminology"] = list(data.get("terminology") or []) + [{}] * forms.TERM_ROWS_EXTRA
    return values



# ---------------------------------------------------------------------------------------------------------------------
# Content truth (issue 12): the content check and the broken links, within what the user may edit.


def _checkable_provider_ids():
    if not can(_user(), "edit"):
        abort(403)
    return editable_provider_ids(get_db(), _user())


@bp.app_template_filter("finding_message")
def _finding_message(finding) -> str:
    """The finding in the page's language: MESSAGES are msgids (their English is in messages.po)."""
    from ..content_check import MESSAGES

    template = MESSAGES.get(finding.code)
    if template is None:
        return finding.message
    return _(template.replace("{", "%(").replace("}", ")s"), **finding.values)


@bp.get("/inhoudscontrole")
def content_check():
    from ..content_check import check_content

    ids = _checkable_provider_ids()
    report = check_content(get_db(), provider_ids=ids) if ids is None or ids else None
    severity = request.args.get("ernst", "")
    return render_template("manage/content_check.html", report=report, severity=severity if severity in (
        "error", "warning") else "")


@bp.get("/links")
def links():
    from ..link_check import broken_links

    ids = _checkable_provider_ids()
    groups = broken_links(get_db(), ids) if ids is None or ids else {}
    return render_template("manage/links.html", groups=groups)


from . import manage_coverage  # noqa: E402,F401  (/beheer/dekking: declaring an offer complete)

from . import manage_embed  # noqa: E402,F401  (/beheer/regios/<slug>/insluiten: the embeddable pages' settings)
from . import manage_webhooks  # noqa: E402,F401  (/beheer/webhooks: consumers of the change feed)
