"""Accounts and authorisation, without Flask: password hashing (argon2id), login with rate limiting, password-reset tokens,
API tokens and the permission check `can(user, action, target)`.

Roles (see README): admin (everything, global), coordinator (instruments of every provider in the organisation's
arbeidsmarktregio, and that region's page), editor (the organisation's own instruments), account manager (reads internal
notes and drafts of every instrument, edits nothing). Ownership follows organisation membership.
"""
from __future__ import annotations

import hashlib
import logging
import secrets
import time
from datetime import datetime, timedelta, timezone
from typing import Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import (
    ROLES,
    ApiToken,
    Instrument,
    LoginAttempt,
    Membership,
    Organisation,
    OutboxMessage,
    Provider,
    Region,
    User,
)
from .db import utc_now

log = logging.getLogger(__name__)

INSTRUMENT_ACTIONS = ("view_internal", "create", "edit", "publish", "delete", "restore", "review")
ACTIONS = INSTRUMENT_ACTIONS + ("edit_region", "manage")
EDITING_ROLES = ("editor", "coordinator")

LOGIN_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_USER_AND_IP = 5
MAX_FAILURES_PER_IP = 50  # failures from one client address in the window before its attempts are slowed down
SLOWDOWN_SECONDS = 0.5  # ... by this much, once more per SLOWDOWN_STEP further failures, up to MAX_SLOWDOWN_SECONDS
SLOWDOWN_STEP = 25
MAX_SLOWDOWN_SECONDS = 4.0
KNOWN_CLIENT_DAYS = 30  # an address that logged in from this client this recently is not slowed down
RESET_SUBJECT = "Wachtwoord opnieuw instellen"
RESET_MAIL_WINDOW = timedelta(hours=1)
MAX_RESET_MAILS_PER_WINDOW = 3
RESET_MAX_AGE = 3600  # seconds
MIN_PASSWORD_LENGTH = 10

_hasher = PasswordHasher()
_DUMMY_HASH: str | None = None


def configure_hasher(**parameters) -> None:
    """E.g. configure_hasher(time_cost=1, memory_cost=1024) in tests."""
    global _hasher, _DUMMY_HASH
    _hasher = PasswordHasher(**parameters)
    _DUMMY_HASH = None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _dummy_hash() -> str:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = _hasher.hash(secrets.token_hex(16))
    return _DUMMY_HASH


def normalise_email(email: str | None) -> str:
    return (email or "").strip().lower()[:254]


def password_problem(password: str) -> str | None:
    """A Dutch message when a new password is not acceptable."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        return f"Kies een wachtwoord van minstens {MIN_PASSWORD_LENGTH} tekens."
    if len(password) > 1000:
        return "Dit wachtwoord is te lang."
    return None


def set_password(user: User, password: str) -> None:
    """Sets a new password and ends every existing session of the user (and invalidates open reset links)."""
    user.password_hash = hash_password(password)
    user.session_token = secrets.token_hex(16)


def create_user(session: Session, email: str, name: str, password: str, is_admin: bool = False) -> User:
    user = User(email=normalise_email(email), name=name.strip() or email, is_admin=is_admin,
                password_hash=hash_password(password), session_token=secrets.token_hex(16))
    session.add(user)
    return user


def user_by_session_id(session: Session, session_id: str) -> User | None:
    """Flask-Login's user loader: '<id>:<session_token>'."""
    user_id, _, token = (session_id or "").partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = session.get(User, int(user_id))
    if user is None or not user.is_active or not secrets.compare_digest(user.session_token, token):
        return None
    return user


# ---------------------------------------------------------------------------------------------------------------------
# Login with rate limiting. Attempts are stored in the database, so the limit holds across requests and worker processes.


def _username_key(email: str) -> str:
    # A hash, so a password typed into the e-mail field is never stored.
    return hashlib.sha256(normalise_email(email).encode()).hexdigest()


def login_blocked(session: Session, ip: str, email: str, now: datetime | None = None) -> bool:
    """Is this address locked for this client: MAX_FAILURES_PER_USER_AND_IP failures since the window began (or since
    its last successful login from here)? A locked address is refused even with the right password."""
    since = (now or utc_now()) - LOGIN_WINDOW
    key = _username_key(email)
    last_success = session.scalar(select(func.max(LoginAttempt.created_at)).where(
        LoginAttempt.ip == ip, LoginAttempt.username == key, LoginAttempt.success.is_(True)))
    if last_success is not None:
        if last_success.tzinfo is None:
            last_success = last_success.replace(tzinfo=timezone.utc)
        since = max(since, last_success)
    failures = session.scalar(select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.ip == ip, LoginAttempt.username == key, LoginAttempt.success.is_(False),
        LoginAttempt.created_at > since))
    return failures >= MAX_FAILURES_PER_USER_AND_IP


def login_slowdown(session: Session, ip: str, email: str, now: datetime | None = None) -> float:
    """Seconds to wait before checking this attempt: guessing from one client address (MAX_FAILURES_PER_IP failures in
    the window, whatever the addresses tried) is slowed down, growing with the failures, but never refused, so a
    colleague behind the same address still gets in with the right password. An address that logged in successfully
    from this client within KNOWN_CLIENT_DAYS is not slowed at all."""
    now = now or utc_now()
    per_ip = session.scalar(select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.ip == ip, LoginAttempt.success.is_(False), LoginAttempt.created_at > now - LOGIN_WINDOW))
    if per_ip < MAX_FAILURES_PER_IP:
        return 0.0
    known = session.scalar(select(LoginAttempt.id).where(
        LoginAttempt.ip == ip, LoginAttempt.username == _username_key(email), LoginAttempt.success.is_(True),
        LoginAttempt.created_at > now - timedelta(days=KNOWN_CLIENT_DAYS)).limit(1))
    if known is not None:
        return 0.0
    steps = 1 + (per_ip - MAX_FAILURES_PER_IP) // SLOWDOWN_STEP
    return min(MAX_SLOWDOWN_SECONDS, SLOWDOWN_SECONDS * steps)


def _pause(seconds: float) -> None:
    time.sleep(seconds)


def authenticate(session: Session, email: str, password: str, ip: str) -> tuple[User | None, bool]:
    """Returns (user or None, blocked). Unknown address and wrong password take the same time and give the same answer.

    blocked: the address is locked for this client (login_blocked). Heavy guessing from one client is slowed down
    (login_slowdown), not refused: the right password of an address that is not locked always gets in."""
    ip = (ip or "unknown")[:64]
    if login_blocked(session, ip, email):
        session.add(LoginAttempt(ip=ip, username=_username_key(email), success=False))
        return None, True
    delay = login_slowdown(session, ip, email)
    if delay:
        log.info("login from %s slowed down by %.1f s (many failures from this address)", ip, delay)
        _pause(delay)
    user = session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        verify_password(_dummy_hash(), password or "")
        ok = False
    else:
        ok = verify_password(user.password_hash, password or "") and user.is_active
    session.add(LoginAttempt(ip=ip, username=_username_key(email), success=ok))
    if not ok:
        return None, False
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utc_now()
    return user, False


# ---------------------------------------------------------------------------------------------------------------------
# Password reset: a signed, time-limited token whose salt contains the current password hash, so it works once.


def _reset_serializer(secret_key: str, password_hash: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=f"password-reset:{password_hash}")


def make_reset_token(secret_key: str, user: User) -> str:
    return _reset_serializer(secret_key, user.password_hash).dumps(user.id)


def user_for_reset_token(session: Session, secret_key: str, token: str, max_age: int = RESET_MAX_AGE) -> User | None:
    try:
        _, user_id = URLSafeTimedSerializer(secret_key).loads_unsafe(token)
    except Exception:  # noqa: BLE001 - any malformed token is simply invalid
        return None
    if not isinstance(user_id, int):
        return None
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        return None
    try:
        if _reset_serializer(secret_key, user.password_hash).loads(token, max_age=max_age) != user.id:
            return None
    except (BadSignature, SignatureExpired):
        return None
    return user


def request_password_reset(session: Session, secret_key: str, email: str, link_for) -> None:
    """Mails a reset link when the address belongs to an active user, and a notice that there is no account otherwise.

    Both paths do the same work in the same order (look the user up, count recent mails to the address, sign a token,
    build the link, write one outbox message), so neither the answer nor its timing tells whether an address has an
    account. At most MAX_RESET_MAILS_PER_WINDOW mails per address per window, known or not (no mail-bombing).
    `link_for(token)` builds the absolute URL. The message never contains a password."""
    address = normalise_email(email)
    user = session.scalar(select(User).where(User.email == address))
    known = user is not None and user.is_active
    recent = session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.recipient == address, OutboxMessage.subject == RESET_SUBJECT,
        OutboxMessage.created_at > utc_now() - RESET_MAIL_WINDOW))
    if recent >= MAX_RESET_MAILS_PER_WINDOW:
        return
    # unknown addresses sign a token too (with a dummy salt), and throw it away
    token = _reset_serializer(secret_key, user.password_hash if known else _dummy_hash()).dumps(user.id if known else 0)
    link = link_for(token)
    if known:
        body = (f"Beste {user.name},\n\nIemand (hopelijk u) vroeg om uw wachtwoord voor de Instrumentengids opnieuw in "
                f"te stellen. Dat kan binnen een uur, één keer, via:\n\n{link}\n\nVroeg u dit niet? Dan kunt u dit "
                "bericht negeren; uw wachtwoord blijft hetzelfde.")
    else:
        body = ("Beste lezer,\n\nIemand vroeg om het wachtwoord voor de Instrumentengids opnieuw in te stellen voor dit "
                "e-mailadres, maar bij dit adres hoort geen (actief) account. Heeft u een account met een ander "
                "e-mailadres? Vraag het dan daarvoor aan, of vraag de beheerder van uw organisatie om een uitnodiging."
                "\n\nVroeg u dit niet? Dan kunt u dit bericht negeren.")
    send_mail(session, address, RESET_SUBJECT, body)


def send_mail(session: Session, recipient: str, subject: str, body: str) -> OutboxMessage:
    """The pluggable outbox: stored in the database and logged. A mail relay can deliver from outbox_message."""
    message = OutboxMessage(recipient=recipient, subject=subject, body=body)
    session.add(message)
    log.info("outbox: mail to %s: %s", recipient, subject)
    return message


# ---------------------------------------------------------------------------------------------------------------------
# API tokens: only a SHA-256 hash is stored.

TOKEN_PREFIX = "igt_"
TOKEN_USE_RESOLUTION = timedelta(minutes=1)  # how precisely `last_used_at` is kept


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(session: Session, user: User, name: str) -> str:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(user=user, name=name[:120] or "token", token_hash=_token_hash(token), prefix=token[:12]))
    return token


def user_for_api_token(session: Session, token: str) -> User | None:
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(token)))
    if row is None or row.revoked_at is not None or not row.user.is_active:
        return None
    now = utc_now()
    last = row.last_used_at
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=timezone.utc)
    if last is None or now - last >= TOKEN_USE_RESOLUTION:
        row.last_used_at = now  # at most once a minute: a token's reads do not turn into writes
    return row.user


# ---------------------------------------------------------------------------------------------------------------------
# Permissions


def _authenticated(user) -> bool:
    return user is not None and bool(getattr(user, "is_authenticated", False)) and bool(getattr(user, "is_active", False)) \
        and isinstance(user, User)


def _memberships(user: User, roles: Iterable[str] | None = None) -> list[Membership]:
    return [m for m in user.memberships if roles is None or m.role in roles]


def _provider_of(target) -> Provider | None:
    if isinstance(target, Instrument):
        return target.provider
    if isinstance(target, Provider):
        return target
    return None


def _membership_covers(membership: Membership, provider: Provider) -> bool:
    org = membership.organisation
    if membership.role == "editor":
        return org.owns_provider(provider)
    if membership.role == "coordinator":
        region = org.home_region
        return region is not None and provider.region_id == region.id
    return False


def can(user, action: str, target=None) -> bool:
    """May `user` do `action` on `target` (an Instrument, a Provider for creating, a Region, or None = "on anything")?"""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if not _authenticated(user):
        return False
    if user.is_admin:
        return True
    if action == "manage":
        return bool(_memberships(user, ROLES))
    if action == "edit_region":
        coordinators = _memberships(user, ("coordinator",))
        if target is None:
            return bool(coordinators)
        if not isinstance(target, Region):
            return False
        return any(m.organisation.home_region is not None and m.organisation.home_region.id == target.id
                   for m in coordinators)
    if action == "view_internal" and _memberships(user, ("account_manager",)):
        return True
    editing = _memberships(user, EDITING_ROLES)
    if target is None:
        return bool(editing)
    provider = _provider_of(target)
    if provider is None:
        return False
    return any(_membership_covers(m, provider) for m in editing)


def editable_providers(session: Session, user) -> list[Provider]:
    """The providers the user may create instruments for."""
    if not _authenticated(user):
        return []
    stmt = select(Provider).order_by(Provider.name)
    if user.is_admin:
        return list(session.scalars(stmt))
    ids = editable_provider_ids(session, user)
    if not ids:
        return []
    return list(session.scalars(stmt.where(Provider.id.in_(ids))))


def editable_provider_ids(session: Session, user) -> set[int] | None:
    """Provider ids whose instruments the user may edit; None means all (admin)."""
    if not _authenticated(user):
        return set()
    if user.is_admin:
        return None
    ids: set[int] = set()
    for m in _memberships(user, EDITING_ROLES):
        org: Organisation = m.organisation
        if m.role == "coordinator":
            region = org.home_region
            if region is not None:
                ids |= set(session.scalars(select(Provider.id).where(Provider.region_id == region.id)))
        else:
            if org.provider_id is not None:
                ids.add(org.provider_id)
            if org.municipality_id is not None:
                ids |= set(session.scalars(select(Provider.id).where(
                    Provider.type == "gemeente", Provider.municipality_id == org.municipality_id)))
            if org.region_id is not None:
                ids |= set(session.scalars(select(Provider.id).where(
                    Provider.type == "regio", Provider.region_id == org.region_id)))
    return ids


def organisation_provider_ids(session: Session, user) -> set[int]:
    """Provider ids of the user's own organisations, whatever the role (an account manager's own instruments)."""
    if not _authenticated(user):
        return set()
    ids: set[int] = set()
    providers = list(session.scalars(select(Provider)))
    for m in user.memberships:
        ids |= {p.id for p in providers if m.organisation.owns_provider(p)}
    return ids


def internal_provider_ids(session: Session, user) -> set[int] | None:
    """Provider ids whose instruments' internal notes and drafts the user may read; None means all."""
    if not _authenticated(user):
        return set()
    if user.is_admin or _memberships(user, ("account_manager",)):
        return None
    return editable_provider_ids(session, user)


def editable_regions(session: Session, user) -> list[Region]:
    if not _authenticated(user):
        return []
    if user.is_admin:
        return list(session.scalars(select(Region).order_by(Region.name)))
    regions = {m.organisation.home_region for m in _memberships(user, ("coordinator",))}
    return sorted((r for r in regions if r is not None), key=lambda r: r.name)


def organisation_for_provider(session: Session, provider_slug: str) -> Organisation:
    """The organisation behind a provider (created when missing): a gemeente, a regional WSP, or a national body."""
    from .slugs import slugify

    provider = session.scalar(select(Provider).where(Provider.slug == provider_slug))
    if provider is None:
        raise ValueError(f"onbekende aanbieder '{provider_slug}'")
    slug = slugify(provider.slug)
    org = session.scalar(select(Organisation).where(Organisation.slug == slug))
    if org is not None:
        return org
    org = Organisation(slug=slug, name=provider.name, review_after_months=12)
    if provider.type == "gemeente":
        org.type, org.municipality_id = "gemeente", provider.municipality_id
    elif provider.type == "regio":
        org.type, org.region_id = "regio", provider.region_id
    else:
        org.type, org.provider_id = ("uwv" if provider.type == "uwv" else "landelijk"), provider.id
    session.add(org)
    session.flush()
    return org


def add_membership(session: Session, user: User, organisation: Organisation, role: str) -> Membership:
    if role not in ROLES:
        raise ValueError(f"onbekende rol '{role}'; kies uit {', '.join(ROLES)}")
    for m in user.memberships:
        if m.organisation_id == organisation.id and m.role == role:
            return m
    membership = Membership(user=user, organisation=organisation, role=role)
    session.add(membership)
    return membership
