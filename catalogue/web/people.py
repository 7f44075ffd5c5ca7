"""Organisations and users (blueprint `people`, under /beheer): admins manage everything, coordinators the organisations
and users of their own arbeidsmarktregio. The rules are in `catalogue.accounts.admin`; this module only turns them into
pages (403 when not allowed; errors next to the fields, nothing changed, input kept)."""
from __future__ import annotations


from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import or_, select

from .. import get_db
from ..accounts.admin import AccountAdmin, InvalidInput, organisation_by_slug
from ..accounts.audit import ACTIONS as EVENT_LABELS
from ..models import ROLES, AccountEvent, ApiToken, Invitation, Membership, Organisation, User
from .forms import translate_error
from .guards import refusals_as_http

bp = Blueprint("people", __name__)

ROLE_LABELS = {"coordinator": "Regiocoördinator", "editor": "Redacteur", "account_manager": "Accountmanager"}
TYPE_LABELS = {"gemeente": "Gemeente", "regio": "Regio (werkgeversservicepunt)", "uwv": "UWV",
               "belastingdienst": "Belastingdienst", "landelijk": "Landelijke organisatie"}


def _admin() -> AccountAdmin:
    return AccountAdmin(get_db(), current_user._get_current_object())


@bp.before_request
@login_required
def _require_administrator():
    if not _admin().may_administer():
        abort(403)


@bp.app_context_processor
def _may_administer():
    def may_administer() -> bool:
        return current_user.is_authenticated and _admin().may_administer()
    return {"may_administer": may_administer}


@bp.app_template_filter("role_label")
def _role_label(role: str) -> str:
    return _(ROLE_LABELS.get(role, role))


@bp.app_template_filter("event_label")
def _event_label(action: str) -> str:
    return _(EVENT_LABELS.get(action, action))


@bp.app_template_filter("organisation_type_label")
def _type_label(kind: str) -> str:
    return _(TYPE_LABELS.get(kind, kind))


def _found(model, key: int):
    row = get_db().get(model, key)
    if row is None:
        abort(404)
    return row


def _errors(exc: InvalidInput) -> dict[str, list[str]]:
    return {name: [translate_error(message)] for name, message in exc.errors.items()}


def _events(*conditions):
    return get_db().scalars(select(AccountEvent).where(or_(*conditions)).order_by(AccountEvent.id.desc())
                            .limit(50)).all()


# --- organisations ---------------------------------------------------------------------------------------------------


def _organisations_page(errors=None, values=None, status=200):
    admin = _admin()
    return render_template("manage/organisations.html", organisations=admin.organisations(),
                           providers=admin.providers_without_organisation(), errors=errors or {},
                           values=values or {"provider": ""}), status


@bp.get("/organisaties")
def organisations():
    return _organisations_page()


@bp.post("/organisaties")
@refusals_as_http
def create_organisation():
    db = get_db()
    provider = (request.form.get("provider") or "").strip()[:200]
    try:
        organisation = _admin().create_organisation(provider)
    except InvalidInput as exc:
        db.rollback()
        return _organisations_page(_errors(exc), {"provider": provider}, 400)
    db.commit()
    flash(_("Organisatie %(name)s aangemaakt. Nodig nu de medewerkers uit.", name=organisation.name), "success")
    return redirect(url_for("people.organisation", slug=organisation.slug))


def _organisation(slug: str) -> Organisation:
    organisation = organisation_by_slug(get_db(), slug)
    if organisation is None:
        abort(404)
    if not _admin().may_manage_organisation(organisation):
        abort(403)
    return organisation


def _organisation_page(organisation, errors=None, values=None, status=200):
    admin = _admin()
    members = get_db().scalars(select(Membership).where(Membership.organisation_id == organisation.id)
                               .join(Membership.user).order_by(User.email)).all()
    return render_template("manage/organisation.html", organisation=organisation, members=members,
                           invitations=admin.open_invitations(organisation), roles=ROLES, errors=errors or {},
                           values=values or {"email": "", "role": "editor"},
                           events=_events(AccountEvent.organisation_id == organisation.id),
                           may_manage_user=admin.may_manage_user), status


@bp.get("/organisaties/<slug>")
def organisation(slug: str):
    return _organisation_page(_organisation(slug))


@bp.post("/organisaties/<slug>/uitnodigen")
@refusals_as_http
def invite(slug: str):
    db = get_db()
    organisation = _organisation(slug)
    values = {"email": (request.form.get("email") or "").strip()[:254], "role": request.form.get("role") or ""}
    try:
        _admin().invite(organisation, values["email"], values["role"], current_app.config["SECRET_KEY"],
                        lambda token: url_for("auth.accept_invitation", token=token, _external=True))
    except InvalidInput as exc:
        db.rollback()
        return _organisation_page(organisation, _errors(exc), values, 400)
    db.commit()
    flash(_("Uitnodiging verstuurd naar %(email)s (7 dagen geldig).", email=values["email"].lower()), "success")
    return redirect(url_for("people.organisation", slug=organisation.slug))


@bp.post("/uitnodigingen/<int:invitation_id>/intrekken")
@refusals_as_http
def revoke_invitation(invitation_id: int):
    db = get_db()
    invitation = db.get(Invitation, invitation_id)
    if invitation is None:
        abort(404)
    _admin().revoke_invitation(invitation)
    db.commit()
    flash(_("Uitnodiging voor %(email)s ingetrokken.", email=invitation.email), "success")
    return redirect(url_for("people.organisation", slug=invitation.organisation.slug))


@bp.get("/logboek")
def events():
    return render_template("manage/account_events.html", events=_admin().events())


# --- users -----------------------------------------------------------------------------------------------------------


@bp.get("/gebruikers")
def users():
    return render_template("manage/users.html", users=_admin().users())


def _user(user_id: int) -> User:
    user = _found(User, user_id)
    if not _admin().may_manage_user(user):
        abort(403)
    return user


def _user_page(user, errors=None, values=None, status=200):
    admin = _admin()
    tokens = get_db().scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())).all()
    return render_template("manage/user.html", person=user, tokens=tokens, organisations=admin.organisations(),
                           roles=ROLES, errors=errors or {}, values=values or {"organisation": "", "role": "editor"},
                           events=_events(AccountEvent.subject_id == user.id), is_admin=admin.is_admin,
                           is_self=user.id == current_user.id), status


@bp.get("/gebruikers/<int:user_id>")
def user(user_id: int):
    return _user_page(_user(user_id))


def _user_action(user_id: int, change, message: str):
    db = get_db()
    person = _user(user_id)
    try:
        change(_admin(), person)
    except InvalidInput as exc:
        db.rollback()
        return _user_page(person, _errors(exc), status=400)
    db.commit()
    flash(message % {"email": person.email}, "success")
    return redirect(url_for("people.user", user_id=person.id))


@bp.post("/gebruikers/<int:user_id>/rollen")
@refusals_as_http
def add_role(user_id: int):
    db = get_db()
    person = _user(user_id)
    values = {"organisation": (request.form.get("organisation") or "")[:120], "role": request.form.get("role") or ""}
    organisation = organisation_by_slug(db, values["organisation"]) if values["organisation"] else None
    try:
        _admin().add_role(person, organisation, values["role"])
    except InvalidInput as exc:
        db.rollback()
        return _user_page(person, _errors(exc), values, 400)
    db.commit()
    flash(_("Rol toegekend."), "success")
    return redirect(url_for("people.user", user_id=person.id))


@bp.post("/gebruikers/<int:user_id>/rollen/<int:membership_id>/intrekken")
@refusals_as_http
def remove_role(user_id: int, membership_id: int):
    membership = _found(Membership, membership_id)
    return _user_action(user_id, lambda admin, person: admin.remove_role(person, membership), _("Rol ingetrokken."))


@bp.post("/gebruikers/<int:user_id>/beheerder")
@refusals_as_http
def set_admin(user_id: int):
    grant = request.form.get("admin") == "1"
    return _user_action(user_id, lambda admin, person: admin.set_admin(person, grant),
                        _("%(email)s is nu beheerder.") if grant else _("%(email)s is geen beheerder meer."))


@bp.post("/gebruikers/<int:user_id>/deactiveren")
@refusals_as_http
def deactivate(user_id: int):
    return _user_action(user_id, lambda admin, person: admin.deactivate(person),
                        _("%(email)s is gedeactiveerd: sessies en API-tokens werken niet meer."))


@bp.post("/gebruikers/<int:user_id>/activeren")
@refusals_as_http
def activate(user_id: int):
    return _user_action(user_id, lambda admin, person: admin.activate(person), _("%(email)s is weer actief."))


@bp.post("/gebruikers/<int:user_id>/tokens/<int:token_id>/intrekken")
@refusals_as_http
def revoke_token(user_id: int, token_id: int):
    token = _found(ApiToken, token_id)
    return _user_action(user_id, lambda admin, person: admin.revoke_token(person, token), _("API-token ingetrokken."))


@bp.post("/gebruikers/<int:user_id>/tweestapsverificatie-resetten")
@refusals_as_http
def reset_two_factor(user_id: int):
    return _user_action(user_id, lambda admin, person: admin.reset_two_factor(person),
                        _("De tweestapsverificatie van %(email)s is verwijderd; zijn of haar sessies zijn beëindigd."))
