"""'Klopt er iets niet?': the public report form (blueprint `feedback`) and the editors' queue under
/beheer/terugmeldingen (blueprint `feedback_manage`). The logic is in `catalogue.feedback.reports`."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import get_db
from ..auth import can
from ..feedback import reports
from ..feedback.ratelimit import RateLimit
from ..i18n import current_language
from ..models import Municipality, Region
from ..queries import get_public_instrument

bp = Blueprint("feedback", __name__)
manage_bp = Blueprint("feedback_manage", __name__)

HONEYPOT = "website"  # hidden from people; bots fill it in


@bp.record_once
def _limit(state):
    app = state.app
    app.extensions["feedback_limit"] = RateLimit("report", app.config.get("FEEDBACK_REPORTS_PER_MINUTE", 20), 60,
                                                 secret=str(app.config.get("SECRET_KEY") or ""))


def _messages() -> dict[str, str]:
    return {
        "empty": _("Schrijf kort wat er niet klopt."),
        "too_long": _("Uw melding is langer dan %(max)d tekens. Maak hem korter.", max=reports.MAX_MESSAGE),
        "html": _("Uw melding bevat HTML of codes als &lt;b&gt;. Schrijf gewone tekst zonder < en >."),
        "email": _("Dit e-mailadres klopt niet. Laat het veld leeg als u geen antwoord wilt."),
        "rate": _("U heeft te veel meldingen kort na elkaar verstuurd. Wacht een minuut en probeer het opnieuw."),
        "closed": _("Deze melding is al afgehandeld."),
        "forbidden": _("U mag deze melding niet afhandelen."),
        "version_missing": _("Kies de versie waarin het is opgelost."),
        "version_invalid": _("Die versie bestaat niet of is niet nieuwer dan de versie waarover de melding gaat."),
        "reason_missing": _("Schrijf waarom de melding niet van toepassing is."),
        "reason_invalid": _("De toelichting mag hoogstens %(max)d tekens gewone tekst zijn, zonder HTML.",
                            max=reports.MAX_MESSAGE),
        "state_invalid": _("Kies hoe de melding is afgehandeld."),
    }


def _target_page(target: reports.Target) -> str:
    if target.page == "instrument":
        return url_for("public.instrument", slug=target.instrument.slug)
    if target.page == "region":
        return url_for("public.region", slug=target.region.slug)
    return url_for("public.municipality", slug=target.municipality.slug)


def _target(page: str, slug: str) -> reports.Target:
    db = get_db()
    if page == "instrument":
        item = get_public_instrument(db, slug)
        if item is None:
            abort(404, description=_("Dit instrument bestaat niet of is niet (meer) gepubliceerd."))
        return reports.Target("instrument", instrument=item)
    if page == "region":
        item = db.scalar(select(Region).where(Region.slug == slug).options(selectinload(Region.municipalities)))
        if item is None:
            abort(404, description=_("Deze arbeidsmarktregio bestaat niet."))
        return reports.Target("region", region=item)
    item = db.scalar(select(Municipality).where(Municipality.slug == slug))
    if item is None:
        abort(404, description=_("Deze gemeente bestaat niet."))
    return reports.Target("gemeente", region=item.region, municipality=item)


def _report(page: str, slug: str):
    target = _target(page, slug)
    if request.method == "GET":
        # the form lives on its own page, so the public pages carry no CSRF token: they set no session cookie and stay
        # cacheable (HTTP caching, catalogue/web/http_cache.py)
        version = target.instrument.version if target.instrument is not None else None
        return render_template("feedback/form_page.html", target=target, action=request.script_root + request.path, error=None,
                               error_field=None, values={"version": version} if version else {},
                               back=_target_page(target))
    form = request.form
    if form.get(HONEYPOT):
        return render_template("feedback/thanks.html", back=_target_page(target), email=False)
    error = None
    if not current_app.extensions["feedback_limit"].hit(get_db(), request.remote_addr or "unknown"):
        error = reports.ReportError("rate")
    else:
        get_db().commit()  # the attempt counts, whatever becomes of the report
        try:
            reports.submit(get_db(), target, form.get("message"), form.get("email"), language=current_language(),
                           seen_version=form.get("version"))
        except reports.ReportError as exc:
            error = exc
    if error is not None:
        get_db().rollback()
        return render_template("feedback/form_page.html", target=target, action=request.script_root + request.path,
                               error=_messages()[error.code], error_field=error.field, values=form,
                               back=_target_page(target)), (429 if error.code == "rate" else 400)
    return render_template("feedback/thanks.html", back=_target_page(target), email=bool(form.get("email")))


@bp.route("/instrumenten/<slug>/klopt-er-iets-niet", methods=["GET", "POST"])
def instrument_report(slug):
    return _report("instrument", slug)


@bp.route("/regios/<slug>/klopt-er-iets-niet", methods=["GET", "POST"])
def region_report(slug):
    return _report("region", slug)


@bp.route("/gemeenten/<slug>/klopt-er-iets-niet", methods=["GET", "POST"])
def municipality_report(slug):
    return _report("gemeente", slug)


# ---------------------------------------------------------------------------------------------------------------------
# The queue in /beheer


@manage_bp.before_request
@login_required
def _require_login():
    if not can(current_user._get_current_object(), "manage"):
        abort(403)


@manage_bp.get("/")
def queue():
    state = request.args.get("status", "open")
    if state not in ("open", "fixed", "not_applicable"):
        state = "open"
    db = get_db()
    user = current_user._get_current_object()
    return render_template("feedback/queue.html", reports=reports.queue(db, user, state), state=state,
                           counts=reports.open_counts(db, user))


def _public_link(report) -> str:
    if report.instrument is not None:
        return url_for("public.instrument", slug=report.instrument.slug, _external=True)
    if report.municipality is not None:
        return url_for("public.municipality", slug=report.municipality.slug, _external=True)
    return url_for("public.region", slug=report.region.slug, _external=True)


@manage_bp.route("/<int:report_id>", methods=["GET", "POST"])
def report(report_id: int):
    db = get_db()
    user = current_user._get_current_object()
    item = reports.get(db, user, report_id)
    if item is None:
        abort(404, description=_("Deze melding bestaat niet of is niet voor uw organisatie."))
    error = None
    if request.method == "POST" and item.state == "open":
        version = request.form.get("fixed_version", "")
        try:
            reports.resolve(db, user, item, request.form.get("state", ""), request.form.get("reason"),
                            int(version) if version.isdigit() else None, link_for=_public_link)
        except reports.ReportError as exc:
            db.rollback()
            error = exc
        else:
            flash(_("De melding is afgehandeld."), "success")
            return redirect(url_for(".queue"))
    versions = []
    if item.instrument is not None:
        from ..models import InstrumentVersion

        versions = db.scalars(select(InstrumentVersion.version).where(
            InstrumentVersion.instrument_id == item.instrument_id,
            InstrumentVersion.version > int(item.page_version)).order_by(InstrumentVersion.version.desc())).all()
    return render_template("feedback/report.html", report=item, versions=versions, values=request.form,
                           error=_messages()[error.code] if error else None,
                           error_field=error.field if error else None), (400 if error else 200)
