"""Wires accounts into the app: Flask-Login sessions (idle lifetime, server-side generation, second factor), CSRF
protection on every form, cookie flags, and the `auth`, `manage`, `people` and `account` blueprints. Called once from
create_app."""
from __future__ import annotations

import os
from datetime import timedelta

from flask import Flask, jsonify, render_template, request, session
from flask_babel import gettext as _
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFError, CSRFProtect

csrf = CSRFProtect()
login_manager = LoginManager()

# Session keys. A login session holds Flask-Login's "_user_id" ('<id>:<session generation>'), SECOND_FACTOR once a TOTP or
# recovery code was given, and SEEN (epoch seconds of the last request, for the idle lifetime). PENDING holds a user who
# gave the right password but still has to give a code or enrol.
SECOND_FACTOR = "_2fa"
SEEN = "_seen"
PENDING = "_pending"


def start_session(user, second_factor: bool) -> None:
    """A fresh, fully logged-in session (new CSRF token) for `user`."""
    from flask_login import login_user

    from ..accounts.sessions import clock

    session.clear()
    session.permanent = True
    login_user(user)
    session[SECOND_FACTOR] = bool(second_factor)
    session[SEEN] = clock()


def _flag(name: str) -> bool | None:
    value = os.environ.get(name)
    if value is None or value == "":
        return None
    return value.lower() in ("1", "true", "yes", "on")


def init_accounts(app: Flask) -> None:
    # Cookie flags: HttpOnly and SameSite=Lax always; Secure unless debugging/testing (CATALOGUE_SECURE_COOKIES overrides).
    secure = app.config.get("SECURE_COOKIES")
    if secure is None:
        secure = _flag("CATALOGUE_SECURE_COOKIES")
    if secure is None:
        secure = not (app.debug or app.testing)
    # Sessions end after SESSION_HOURS without a request (CATALOGUE_SESSION_HOURS, default 8): Flask's signed cookie
    # carries the time and each request renews it; SEEN enforces the same on the server side.
    from ..accounts.sessions import DEFAULT_IDLE_HOURS

    raw = app.config.get("SESSION_HOURS") or os.environ.get("CATALOGUE_SESSION_HOURS") or DEFAULT_IDLE_HOURS
    try:
        hours = float(raw)
    except (TypeError, ValueError):
        hours = 0.0
    if not 0 < hours <= 24 * 31:
        raise RuntimeError(f"CATALOGUE_SESSION_HOURS must be a number of hours between 0 and 744, not {raw!r}")
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=hours)
    app.config["SESSION_REFRESH_EACH_REQUEST"] = True
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=bool(secure),
        REMEMBER_COOKIE_HTTPONLY=True, REMEMBER_COOKIE_SAMESITE="Lax", REMEMBER_COOKIE_SECURE=bool(secure),
        SESSION_PROTECTION="basic",  # sessions are permanent; a password change ends them (User.session_token)
    )
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", int(hours * 3600))

    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None

    @login_manager.user_loader
    def _load_user(session_id: str):
        from .. import get_db
        from ..auth import user_by_session_id

        user = user_by_session_id(get_db(), session_id)
        if user is not None and (user.totp_enabled or user.requires_two_factor) and not session.get(SECOND_FACTOR):
            return None  # e.g. a role that needs a second factor was given during this session: log in again
        return user

    @app.before_request
    def _idle_lifetime():
        from ..accounts.sessions import clock, idle_expired, needs_refresh

        if "_user_id" not in session and PENDING not in session:
            return
        seen = session.get(SEEN)
        if idle_expired(seen, app.permanent_session_lifetime.total_seconds()):
            session.clear()
        elif needs_refresh(seen):
            session[SEEN] = clock()

    from . import account, api_write, auth_views, feedback, manage, people

    app.register_blueprint(auth_views.bp)
    app.register_blueprint(manage.bp, url_prefix="/beheer")
    app.register_blueprint(people.bp, url_prefix="/beheer")
    app.register_blueprint(account.bp, url_prefix="/beheer/account")
    app.register_blueprint(feedback.manage_bp, url_prefix="/beheer/terugmeldingen")
    for view in api_write.WRITE_VIEWS:  # token-authenticated, never cookie-authenticated: no CSRF
        csrf.exempt(view)

    @app.errorhandler(CSRFError)
    def _csrf_error(exc):
        if request.path.startswith("/api/"):
            return jsonify(error="CSRF-token ontbreekt of is ongeldig."), 400
        return render_template("error.html", title=_("Formulier verlopen"),
                               message=_("Dit formulier is verlopen of niet via deze website verstuurd. Laad de pagina "
                                         "opnieuw en probeer het nog eens.")), 400

    @app.after_request
    def _no_store(response):
        if request.endpoint and (request.endpoint.startswith(("auth.", "manage.", "people.", "account.", "feedback", "analytics.", "alerts")) or current_user.is_authenticated):
            response.headers["Cache-Control"] = "no-store"
            response.headers.setdefault("Vary", "Cookie")
        if app.config["SESSION_COOKIE_SECURE"]:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response

    @app.context_processor
    def _permissions():
        from ..auth import can as _can

        def can(action, target=None):
            return _can(current_user._get_current_object(), action, target)

        return {"can": can}
