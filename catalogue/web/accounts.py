"""Wires accounts into the app: Flask-Login sessions, CSRF protection on every form, cookie flags, and the `auth` and
`manage` blueprints. Called once from create_app."""
from __future__ import annotations

import os

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFError, CSRFProtect

csrf = CSRFProtect()
login_manager = LoginManager()


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
    app.config.setdefault("PERMANENT_SESSION_LIFETIME", 8 * 3600)
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=bool(secure),
        REMEMBER_COOKIE_HTTPONLY=True, REMEMBER_COOKIE_SAMESITE="Lax", REMEMBER_COOKIE_SECURE=bool(secure),
        SESSION_PROTECTION="basic",  # sessions are permanent; a password change ends them (User.session_token)
    )
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", 8 * 3600)

    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None

    @login_manager.user_loader
    def _load_user(session_id: str):
        from .. import get_db
        from ..auth import user_by_session_id

        return user_by_session_id(get_db(), session_id)

    from . import api_write, auth_views, manage

    app.register_blueprint(auth_views.bp)
    app.register_blueprint(manage.bp, url_prefix="/beheer")
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
        if request.endpoint and (request.endpoint.startswith(("auth.", "manage.")) or current_user.is_authenticated):
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
