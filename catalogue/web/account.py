"""My account (blueprint `account`, /beheer/account): two-factor authentication (set up, set up again, recovery codes,
switch off where it is not required) and one's own write-API tokens. Only reachable with a complete login, so a
coordinator or admin creates tokens only after enrolling."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import get_db
from ..accounts import two_factor
from ..accounts.admin import AccountAdmin, NotAllowed
from ..accounts.audit import record
from ..auth import create_api_token, verify_password
from ..models import ApiToken
from .accounts import SECOND_FACTOR
from .auth_views import enrolment_step
from .forms import translate_error

bp = Blueprint("account", __name__)


@bp.before_request
@login_required
def _require_login():
    pass


def _me():
    return current_user._get_current_object()


def _page(errors=None, values=None, new_token=None, status=200):
    me = _me()
    db = get_db()
    tokens = db.scalars(select(ApiToken).where(ApiToken.user_id == me.id).order_by(ApiToken.id.desc())).all()
    return render_template("manage/account.html", me=me, tokens=tokens, new_token=new_token,
                           recovery_left=two_factor.unused_recovery_codes(db, me) if me.totp_enabled else 0,
                           errors=errors or {}, values=values or {"name": ""}), status


@bp.get("/")
def overview():
    return _page()


@bp.route("/tweestapsverificatie", methods=["GET", "POST"])
def enrol():
    page, codes = enrolment_step(_me(), required=False)
    if page is not None:
        return page
    session[SECOND_FACTOR] = True  # the code was just given
    return render_template("auth/recovery_codes.html", codes=codes, next=url_for("account.overview"))


@bp.post("/herstelcodes")
def renew_recovery_codes():
    me = _me()
    if not me.totp_enabled:
        abort(400)
    db = get_db()
    codes = two_factor.renew_recovery_codes(db, me)
    db.commit()
    return render_template("auth/recovery_codes.html", codes=codes, next=url_for("account.overview"))


@bp.post("/tweestapsverificatie/uitschakelen")
def disable_two_factor():
    me = _me()
    if me.requires_two_factor:
        abort(403)  # the page offers "set up again" instead
    db = get_db()
    errors = {}
    if not verify_password(me.password_hash, request.form.get("password") or ""):
        errors["password"] = [_("Dit wachtwoord klopt niet.")]
    else:
        try:
            two_factor.verify(db, me, request.form.get("code"), request.remote_addr or "unknown")
        except two_factor.CodeRefused as exc:
            errors["code"] = [translate_error(str(exc))]
    if errors:
        db.commit()  # the failed attempt counts
        return _page(errors=errors, status=400)
    two_factor.remove(db, me)
    record(db, me, "two_factor_disable", subject=me)
    db.commit()
    flash(_("Tweestapsverificatie is uitgeschakeld. Log opnieuw in."), "success")
    return redirect(url_for("auth.login"))


@bp.post("/tokens")
def create_token():
    me = _me()
    name = (request.form.get("name") or "").strip()[:120]
    if not name:
        return _page(errors={"name": [_("Geef het token een naam, bijvoorbeeld waarvoor u het gebruikt.")]}, status=400)
    db = get_db()
    token = create_api_token(db, me, name)
    db.flush()
    record(db, me, "token_create", subject=me, name=name, token=token[:12])
    db.commit()
    return _page(new_token=token)


@bp.post("/tokens/<int:token_id>/intrekken")
def revoke_token(token_id: int):
    db = get_db()
    token = db.get(ApiToken, token_id)
    if token is None or token.user_id != _me().id:
        abort(404)
    try:
        AccountAdmin(db, _me()).revoke_token(_me(), token)
    except NotAllowed:
        abort(403)
    db.commit()
    flash(_("API-token ingetrokken."), "success")
    return redirect(url_for("account.overview"))
