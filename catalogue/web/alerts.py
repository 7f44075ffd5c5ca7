"""Following a search ("Houd mij op de hoogte"): the subscribe form on its own page (public pages only link to it, so
they carry no CSRF token, set no session cookie and stay cacheable), the confirmation and unsubscribe links, and a
logged-in user's subscriptions under /beheer/account/volgen. The logic is in `catalogue.alerts`."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import get_db
from ..alerts import filters, subscriptions
from ..feedback.ratelimit import RateLimit
from ..i18n import current_language
from ..models import ALERT_FREQUENCIES

bp = Blueprint("alerts", __name__)
account_bp = Blueprint("alerts_account", __name__)

HONEYPOT = "website"
FILTER_SKIP = ("page", "per_page", "sort", "vergelijk", "lifecycle", "stap", "bron", "plaats", "woont_plaats")


@bp.record_once
def _limit(state):
    app = state.app
    app.extensions["subscribe_limit"] = RateLimit("subscribe", app.config.get("ALERT_SUBSCRIBES_PER_10_MINUTES", 10),
                                                  600, secret=str(app.config.get("SECRET_KEY") or ""))


def follow_args(source: str, args) -> dict:
    """The parameters of a "Houd mij op de hoogte" link for a list page (as searched) or a wizard result."""
    if source == "wizard":  # every answered step stays, empty ones too (they mark the result)
        return {**{k: v for k, v in args.items() if k not in FILTER_SKIP}, "bron": "wizard"}
    return {k: v for k, v in args.items() if k not in FILTER_SKIP and v not in ("", [], None)}


def _messages() -> dict[str, str]:
    return {
        "email": _("Vul een geldig e-mailadres in, bijvoorbeeld naam@bedrijf.nl."),
        "frequency": _("Kies hoe vaak u een e-mail wilt: elke dag of elke week."),
        "too_many": _("Dit adres volgt al het hoogste aantal zoekopdrachten (50). Meld u eerst voor een andere af."),
        "rate": _("U heeft dit formulier te vaak kort na elkaar verstuurd. Wacht tien minuten en probeer het opnieuw."),
        "forged": _("Deze link is niet geldig. Kopieer de hele link uit de e-mail, of meld u opnieuw aan."),
        "expired": _("Deze bevestigingslink is verlopen (hij werkt 7 dagen). Meld u opnieuw aan; er is niets opgeslagen."),
        "used": _("Deze bevestigingslink is al gebruikt of vervangen door een nieuwere. Uw aanmelding is al bevestigd, of gebruik de nieuwste link."),
        "gone": _("U bent al afgemeld: we hebben geen abonnement meer voor deze link en uw adres is verwijderd."),
    }


def _filter_or_400():
    source = "wizard" if request.args.get("bron") == "wizard" else "list"
    args = {k: v for k, v in request.args.to_dict(flat=False).items() if k not in ("bron",)}
    if source == "list":
        args = {k: v for k, v in args.items() if k not in FILTER_SKIP}
    try:
        normalised = filters.normalise(get_db(), source, args)
    except filters.FilterError as exc:
        abort(400, description=_("Deze zoekopdracht kunnen we niet volgen (%(parameter)s). Ga terug naar de lijst "
                                 "en kies opnieuw.", parameter=exc.parameter))
    return source, normalised


def _back(source: str, normalised: dict) -> str:
    args = filters.page_args(source, normalised)
    return url_for("wizard.start", **args) if source == "wizard" else url_for("public.instruments", **args)


def _link_for(kind: str, **values) -> str:
    return link_for(kind, **values)


def link_for(kind: str, **values) -> str:
    """Absolute links in mails (inside a request, or a request context made by `catalogue alerts send`)."""
    if kind == "confirm":
        return url_for("alerts.confirm", token=values["token"], _external=True)
    if kind == "unsubscribe":
        return url_for("alerts.unsubscribe", token=values["token"], _external=True)
    if kind == "instrument":
        return url_for("public.instrument", slug=values["slug"], _external=True)
    if kind == "page":
        endpoint = "wizard.start" if values["source"] == "wizard" else "public.instruments"
        return url_for(endpoint, _external=True, **values["args"])
    raise ValueError(kind)


@bp.route("/volgen", methods=["GET", "POST"])
def subscribe():
    source, normalised = _filter_or_400()
    db = get_db()
    context = {"parts": filters.describe(db, source, normalised, current_language()), "back": _back(source, normalised),
               "action": request.script_root + request.full_path.rstrip("?"), "frequencies": ALERT_FREQUENCIES}
    if request.method == "GET":
        return render_template("alerts/subscribe.html", values={"frequency": "weekly"}, error=None, **context)
    form = request.form
    if form.get(HONEYPOT):
        return render_template("alerts/check_mail.html", back=context["back"])
    error = None
    if not current_app.extensions["subscribe_limit"].hit(db, request.remote_addr or "unknown"):
        error = "rate"
    else:
        db.commit()  # the attempt counts
        try:
            subscriptions.subscribe(db, current_app.config["SECRET_KEY"], form.get("email"), source, normalised,
                                    form.get("frequency", ""), current_language(), _link_for)
        except subscriptions.AlertError as exc:
            error = exc.code
    if error is not None:
        db.rollback()
        return render_template("alerts/subscribe.html", values=form, error=_messages()[error], error_code=error,
                               **context), (429 if error == "rate" else 400)
    db.commit()
    return render_template("alerts/check_mail.html", back=context["back"])


def _refused(code: str, status: int = 400):
    return render_template("alerts/link_refused.html", message=_messages()[code], code=code), status


@bp.get("/volgen/bevestigen/<token>")
def confirm(token: str):
    db = get_db()
    try:
        item = subscriptions.confirm(db, current_app.config["SECRET_KEY"], token)
    except subscriptions.AlertError as exc:
        db.rollback()
        return _refused(exc.code, 410 if exc.code in ("expired", "used") else 400)
    db.commit()
    return render_template("alerts/confirmed.html", item=item, back=_back(item.source, item.filter),
                           parts=filters.describe(db, item.source, item.filter, current_language()),
                           unsubscribe=url_for(".unsubscribe", token=subscriptions.unsubscribe_token(
                               current_app.config["SECRET_KEY"], item)))


@bp.route("/volgen/afmelden/<token>", methods=["GET", "POST"])
def unsubscribe(token: str):
    """One click from the mail deletes the subscription (GET), and mail programs' one-click POST does the same."""
    db = get_db()
    try:
        subscriptions.unsubscribe(db, current_app.config["SECRET_KEY"], token)
    except subscriptions.AlertError as exc:
        db.rollback()
        return _refused(exc.code, 410 if exc.code == "gone" else 400)
    db.commit()
    return render_template("alerts/unsubscribed.html")


# ---------------------------------------------------------------------------------------------------------------------
# A logged-in user's subscriptions: those of their own address, in one place.


@account_bp.before_request
@login_required
def _require_login():
    pass


@account_bp.get("/")
def overview():
    me = current_user._get_current_object()
    db = get_db()
    rows = [(item, filters.describe(db, item.source, item.filter, current_language()), _back(item.source, item.filter))
            for item in subscriptions.for_email(db, me.email)]
    return render_template("alerts/mine.html", rows=rows, frequencies=ALERT_FREQUENCIES)


@account_bp.post("/<int:subscription_id>")
def change(subscription_id: int):
    me = current_user._get_current_object()
    db = get_db()
    if request.form.get("action") == "remove":
        found = subscriptions.remove(db, me.email, subscription_id)
        message = _("U volgt deze zoekopdracht niet meer.")
    else:
        try:
            found = subscriptions.set_frequency(db, me.email, subscription_id, request.form.get("frequency", ""))
        except subscriptions.AlertError:
            db.rollback()
            flash(_messages()["frequency"], "error")
            return redirect(url_for(".overview"))
        message = _("Opgeslagen.")
    if not found:
        abort(404)
    db.commit()
    flash(message, "success")
    return redirect(url_for(".overview"))
