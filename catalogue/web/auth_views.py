"""Login, logout and password reset (blueprint `auth`)."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from .. import get_db
from ..auth import authenticate, password_problem, request_password_reset, set_password, user_for_reset_token
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
    session.clear()  # a fresh session (and CSRF token) after login
    session.permanent = True
    login_user(user)
    return redirect(next_url or url_for("manage.dashboard"))


@bp.post("/uitloggen")
def logout():
    logout_user()
    session.clear()
    return redirect(url_for("public.home"))


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
