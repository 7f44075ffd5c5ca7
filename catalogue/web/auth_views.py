"""Login (password, then a TOTP or recovery code, or enrolment when a second factor is required), logout, password
reset and accepting an invitation (blueprint `auth`)."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from .. import get_db
from ..accounts import invitations, sessions, two_factor
from ..auth import (
    authenticate,
    password_problem,
    request_password_reset,
    set_password,
    user_by_session_id,
    user_for_reset_token,
)
from .accounts import PENDING, SEEN, start_session
from .forms import translate_error

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


@bp.route("/inloggen", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(url_for("manage.dashboard"))
        return render_template("auth/login.html", email="", next=request.args.get("next", ""), error=None)
    email = (request.form.get("email") or "").strip()[:254]
    password = request.form.get("password") or ""
    next_url = _safe_next(request.form.get("next"))
    db = get_db()
    user, blocked = authenticate(db, email, password, request.remote_addr or "unknown")
    db.commit()
    if blocked:
        return render_template("auth/login.html", email=email, next=next_url or "",
                               error=_("Te veel mislukte pogingen. Wacht een kwartier en probeer het dan opnieuw.")), 429
    if user is None:
        return render_template("auth/login.html", email=email, next=next_url or "",
                               error=_("Deze combinatie van e-mailadres en wachtwoord kennen we niet.")), 200
    if user.totp_enabled or user.requires_two_factor:
        session.clear()
        session.permanent = True
        session[PENDING] = {"user": user.get_id(), "at": sessions.clock(), "next": next_url or ""}
        session[SEEN] = sessions.clock()
        return redirect(url_for("auth.second_factor" if user.totp_enabled else "auth.enrol"))
    start_session(user, second_factor=False)  # a fresh session (and CSRF token) after login
    return redirect(next_url or url_for("manage.dashboard"))


PENDING_SECONDS = 600  # the code must follow the password within ten minutes


def _pending_user():
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or sessions.idle_expired(pending.get("at"), PENDING_SECONDS):
        return None
    return user_by_session_id(get_db(), pending.get("user"))


def _finish_login(user, message=None):
    next_url = _safe_next(session.get(PENDING, {}).get("next"))
    start_session(user, second_factor=True)
    if message:
        flash(message, "success")
    return redirect(next_url or url_for("manage.dashboard"))


def _login_again():
    session.pop(PENDING, None)
    flash(_("Log opnieuw in: de stap na het wachtwoord duurde te lang."), "error")
    return redirect(url_for("auth.login"))


@bp.route("/inloggen/code", methods=["GET", "POST"])
def second_factor():
    user = _pending_user()
    if user is None or not user.totp_enabled:
        return _login_again()
    if request.method == "GET":
        return render_template("auth/second_factor.html", error=None)
    db = get_db()
    try:
        kind = two_factor.verify(db, user, request.form.get("code"), request.remote_addr or "unknown")
    except two_factor.CodeRefused as exc:
        db.commit()
        return render_template("auth/second_factor.html", error=translate_error(str(exc))), 429 if exc.blocked else 400
    left = two_factor.unused_recovery_codes(db, user)
    db.commit()
    if kind == "recovery":
        return _finish_login(user, _("U bent ingelogd met een herstelcode; u heeft er nog %(n)d. Maak nieuwe aan onder "
                                     "Mijn account.", n=left))
    return _finish_login(user)


@bp.route("/inloggen/tweestapsverificatie", methods=["GET", "POST"])
def enrol():
    """Enrolment during login, for admins and coordinators who have no second factor yet."""
    user = _pending_user()
    if user is None:
        return _login_again()
    if user.totp_enabled:
        return redirect(url_for("auth.second_factor"))
    page, codes = enrolment_step(user, required=True)
    if page is not None:
        return page
    next_url = _safe_next(session.get(PENDING, {}).get("next")) or url_for("manage.dashboard")
    start_session(user, second_factor=True)
    return render_template("auth/recovery_codes.html", codes=codes, next=next_url)


def enrolment_step(user, required: bool):
    """Setting up the second factor (at login, or from Mijn account): the page with the QR code on GET or after a wrong
    code, else (None, recovery codes) once the code was right. The secret waits in the session until then."""
    secret = session.get("_enrol_secret") or two_factor.new_secret()
    session["_enrol_secret"] = secret
    uri = two_factor.provisioning_uri(secret, user.email)
    context = {"uri": uri, "qr": two_factor.qr_data_uri(uri), "secret": two_factor.grouped(secret)}
    if request.method == "GET":
        return render_template("auth/enrol.html", required=required, error=None, **context), None
    db = get_db()
    try:
        codes = two_factor.enable(db, user, secret, request.form.get("code"), request.remote_addr or "unknown")
    except two_factor.CodeRefused as exc:
        db.commit()
        page = render_template("auth/enrol.html", required=required, error=translate_error(str(exc)), **context)
        return (page, 429 if exc.blocked else 400), None
    db.commit()
    session.pop("_enrol_secret", None)
    return None, codes


@bp.post("/uitloggen")
def logout():
    """Ends the session on the server: the user's session generation changes, so copies of the cookie stop working (on
    every device of this user)."""
    if current_user.is_authenticated:
        db = get_db()
        sessions.end_sessions(current_user._get_current_object())
        db.commit()
    logout_user()
    session.clear()
    return redirect(url_for("public.home"))


@bp.route("/uitnodiging/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    db = get_db()
    secret_key = current_app.config["SECRET_KEY"]
    try:
        invitation = invitations.find(db, secret_key, token)
    except invitations.InvitationRefused as exc:
        return render_template("auth/invitation.html", refused=translate_error(str(exc)), errors={}, values={}), 400
    values = {"name": (request.form.get("name") or "").strip()[:200]}
    if request.method == "GET":
        return render_template("auth/invitation.html", refused=None, invitation=invitation, errors={}, values=values)
    try:
        invitations.accept(db, secret_key, token, request.form.get("name"), request.form.get("password") or "",
                           request.form.get("password_confirm") or "")
    except invitations.InvitationRefused as exc:
        db.rollback()
        return render_template("auth/invitation.html", refused=translate_error(str(exc)), errors={}, values={}), 400
    except ValueError as exc:
        db.rollback()
        errors = {k: translate_error(v) for k, v in exc.args[0].items()}
        return render_template("auth/invitation.html", refused=None, invitation=invitation, errors=errors,
                               values=values), 400
    db.commit()
    logout_user()
    session.clear()
    flash(_("Uw account is aangemaakt. U kunt nu inloggen."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/wachtwoord-vergeten", methods=["GET", "POST"])
def forgot_password():
    if request.method == "GET":
        return render_template("auth/forgot.html", sent=False)
    email = (request.form.get("email") or "").strip()[:254]
    db = get_db()
    if email:
        request_password_reset(db, current_app.config["SECRET_KEY"], email,
                               lambda token: url_for("auth.reset_password", token=token, _external=True))
        db.commit()
    # The same answer whether or not the address is known.
    return render_template("auth/forgot.html", sent=True)


@bp.route("/wachtwoord-herstellen/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    db = get_db()
    user = user_for_reset_token(db, current_app.config["SECRET_KEY"], token)
    if user is None:
        return render_template("auth/reset.html", invalid=True, error=None), 400
    if request.method == "GET":
        return render_template("auth/reset.html", invalid=False, error=None)
    password = request.form.get("password") or ""
    problem = password_problem(password)
    if problem is None and password != request.form.get("password_confirm"):
        problem = "De twee wachtwoorden zijn niet gelijk."
    if problem:
        return render_template("auth/reset.html", invalid=False, error=translate_error(problem)), 400
    set_password(user, password)
    db.commit()
    logout_user()
    session.clear()
    flash(_("Uw wachtwoord is gewijzigd. U kunt nu inloggen."), "success")
    return redirect(url_for("auth.login"))
