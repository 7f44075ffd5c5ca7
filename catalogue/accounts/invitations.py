"""Invitations: a signed link (itsdangerous, with a lifetime) carrying the invitation's id and a random nonce whose
SHA-256 is stored. It works once, until it expires, and not after it is revoked or replaced by a newer invitation for the
same address and organisation. Accepting it creates the account with the invited role; the invitee sets a password.
Who may invite is checked by `admin.AccountAdmin`."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta, timezone

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..auth import add_membership, create_user, normalise_email, password_problem, send_mail
from ..models import Invitation, Organisation, User
from .audit import record
from ..db import utc_now

VALID_FOR = timedelta(days=7)
SUBJECT = "Uitnodiging voor de Instrumentengids"
_SALT = "invitation"
ROLE_NAMES = {"coordinator": "regiocoördinator", "editor": "redacteur", "account_manager": "accountmanager"}


class InvitationRefused(Exception):
    """The link is malformed, expired, used, revoked or replaced."""


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def _nonce_hash(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


def create(session: Session, secret_key: str, inviter: User | None, organisation: Organisation, email: str, role: str,
           link_for, via: str = "web") -> Invitation:
    """Stores the invitation, replaces open ones for the same address and organisation, and mails the link (outbox).
    `link_for(token)` builds the absolute URL. The caller has validated address and role."""
    email = normalise_email(email)
    now = utc_now()
    for open_one in session.scalars(select(Invitation).where(
            Invitation.email == email, Invitation.organisation_id == organisation.id,
            Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))):
        open_one.revoked_at = now
    nonce = secrets.token_urlsafe(24)
    invitation = Invitation(email=email, organisation=organisation, role=role, invited_by=inviter,
                            nonce_hash=_nonce_hash(nonce), created_at=now, expires_at=now + VALID_FOR)
    session.add(invitation)
    session.flush()
    token = URLSafeTimedSerializer(secret_key, salt=_SALT).dumps([invitation.id, nonce])
    who = inviter.name if inviter is not None else "De beheerder"
    body = (f"Goedendag,\n\n{who} nodigt u uit om als {ROLE_NAMES.get(role, role)} van {organisation.name} de "
            f"instrumenten in de Instrumentengids bij te houden.\n\nMaak uw account aan (binnen 7 dagen, één keer) via:\n\n"
            f"{link_for(token)}\n\nVerwacht u deze uitnodiging niet? Dan kunt u dit bericht negeren.")
    send_mail(session, email, SUBJECT, body)
    record(session, inviter, "invite", subject_email=email, organisation=organisation, via=via, role=role)
    return invitation


def find(session: Session, secret_key: str, token: str, now: datetime | None = None) -> Invitation:
    """The open invitation behind a link; raises InvitationRefused."""
    try:
        invitation_id, nonce = URLSafeTimedSerializer(secret_key, salt=_SALT).loads(
            token, max_age=int(VALID_FOR.total_seconds()))
    except (BadSignature, ValueError, TypeError) as exc:
        raise InvitationRefused("Deze uitnodiging is ongeldig of verlopen.") from exc
    if not isinstance(invitation_id, int) or not isinstance(nonce, str):
        raise InvitationRefused("Deze uitnodiging is ongeldig of verlopen.")
    invitation = session.get(Invitation, invitation_id)
    if invitation is None or not secrets.compare_digest(invitation.nonce_hash, _nonce_hash(nonce)):
        raise InvitationRefused("Deze uitnodiging is ongeldig of verlopen.")
    if invitation.accepted_at is not None:
        raise InvitationRefused("Deze uitnodiging is al gebruikt. Log in met uw account.")
    if invitation.revoked_at is not None:
        raise InvitationRefused("Deze uitnodiging is ingetrokken of vervangen door een nieuwere.")
    if _aware(invitation.expires_at) <= (now or utc_now()):
        raise InvitationRefused("Deze uitnodiging is verlopen. Vraag om een nieuwe uitnodiging.")
    return invitation


def accept(session: Session, secret_key: str, token: str, name: str, password: str, password_confirm: str,
           now: datetime | None = None) -> User:
    """Creates the account. Raises InvitationRefused, or ValueError with {field: message} for the form."""
    invitation = find(session, secret_key, token, now)
    errors = {}
    name = (name or "").strip()[:200]
    if not name:
        errors["name"] = "Vul uw naam in."
    problem = password_problem(password)
    if problem:
        errors["password"] = problem
    elif password != password_confirm:
        errors["password_confirm"] = "De twee wachtwoorden zijn niet gelijk."
    if errors:
        raise ValueError(errors)
    if session.scalar(select(User).where(User.email == invitation.email)) is not None:
        raise InvitationRefused("Er bestaat al een account met dit e-mailadres. Log in; een beheerder kan u de rol geven.")
    user = create_user(session, invitation.email, name, password)
    add_membership(session, user, invitation.organisation, invitation.role)
    invitation.accepted_at = now or utc_now()
    session.flush()
    record(session, user, "invitation_accept", subject=user, organisation=invitation.organisation, role=invitation.role)
    return user
