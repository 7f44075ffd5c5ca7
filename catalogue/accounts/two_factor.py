"""TOTP two-factor authentication (RFC 6238, 30-second steps, 6 digits; any authenticator app) with one-time recovery
codes. Optional for every account, required for admins and coordinators (`User.requires_two_factor`).

The secret is confirmed with a first code before it is stored; a code is accepted once (the last used time step is
kept, so an observed code cannot be replayed) and failed attempts are limited per account. Recovery codes are random,
shown once and stored as SHA-256 hashes; each works once."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta, timezone

import pyotp
import segno
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import LoginAttempt, RecoveryCode, User
from . import sessions
from .audit import record

ISSUER = "Instrumentengids"
STEP = 30
ATTEMPT_WINDOW = timedelta(minutes=15)
MAX_FAILED_CODES = 5
RECOVERY_CODES = 10


class CodeRefused(Exception):
    """The code is wrong, used before, or too many codes were tried (`blocked`)."""

    def __init__(self, message: str, blocked: bool = False):
        super().__init__(message)
        self.blocked = blocked


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_data_uri(uri: str) -> str:
    """The otpauth URI as an SVG QR code (a data: URI for an <img>)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing it into an app."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def _clean(code: str | None) -> str:
    return "".join(ch for ch in (code or "") if ch.isalnum()).lower()[:64]


def matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step (current, or one either side for clock drift) at which `code` is valid, or None."""
    code = _clean(code)
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = int((sessions.clock() if now is None else now) // STEP)
    for step in (current, current - 1, current + 1):
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


# ---------------------------------------------------------------------------------------------------------------------
# Attempts: stored with the login attempts (username '2fa:<user id>'), so the limit holds across workers.


def _attempt_key(user: User) -> str:
    return f"2fa:{user.id}"


def blocked(session: Session, user: User) -> bool:
    since = datetime.now(timezone.utc) - ATTEMPT_WINDOW
    key = _attempt_key(user)
    last_success = session.scalar(select(func.max(LoginAttempt.created_at)).where(
        LoginAttempt.username == key, LoginAttempt.success.is_(True)))
    if last_success is not None:
        if last_success.tzinfo is None:
            last_success = last_success.replace(tzinfo=timezone.utc)
        since = max(since, last_success)
    failures = session.scalar(select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.username == key, LoginAttempt.success.is_(False), LoginAttempt.created_at > since))
    return failures >= MAX_FAILED_CODES


def _attempt(session: Session, user: User, ip: str, success: bool) -> None:
    session.add(LoginAttempt(ip=(ip or "unknown")[:64], username=_attempt_key(user), success=success))
    session.flush()


# ---------------------------------------------------------------------------------------------------------------------


def verify(session: Session, user: User, code: str, ip: str, allow_recovery: bool = True) -> str:
    """Checks a login's second factor: a current TOTP code or an unused recovery code. Returns "totp" or "recovery";
    raises CodeRefused. Every attempt is counted."""
    if not user.totp_enabled:
        raise CodeRefused("Voor dit account is geen tweestapsverificatie ingesteld.")
    if blocked(session, user):
        _attempt(session, user, ip, False)
        raise CodeRefused("Te veel onjuiste codes. Wacht een kwartier en probeer het dan opnieuw.", blocked=True)
    step = matching_step(user.totp_secret, code)
    if step is not None and (user.totp_last_step is None or step > user.totp_last_step):
        user.totp_last_step = step
        _attempt(session, user, ip, True)
        return "totp"
    if allow_recovery and _use_recovery_code(session, user, code):
        _attempt(session, user, ip, True)
        return "recovery"
    _attempt(session, user, ip, False)
    if step is not None:
        raise CodeRefused("Deze code is al gebruikt. Wacht op de volgende code van uw app.")
    raise CodeRefused("Deze code klopt niet. Controleer de tijd op uw telefoon en probeer de nieuwe code.")


def _hash(code: str) -> str:
    return hashlib.sha256(_clean(code).encode()).hexdigest()


def _use_recovery_code(session: Session, user: User, code: str) -> bool:
    cleaned = _clean(code)
    if len(cleaned) != 10:
        return False
    row = session.scalar(select(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                                    RecoveryCode.code_hash == _hash(cleaned),
                                                    RecoveryCode.used_at.is_(None)))
    if row is None:
        return False
    row.used_at = datetime.now(timezone.utc)
    return True


def unused_recovery_codes(session: Session, user: User) -> int:
    return session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)))


def _new_recovery_codes(session: Session, user: User) -> list[str]:
    for row in list(user.recovery_codes):
        session.delete(row)
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(alphabet) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        session.add(RecoveryCode(user=user, code_hash=_hash(raw)))
    session.flush()
    return codes


def enable(session: Session, user: User, secret: str, code: str, ip: str, via: str = "web") -> list[str]:
    """Confirms a new secret with a code from the app and stores it (replacing an earlier one). Returns fresh recovery
    codes, to be shown once. Raises CodeRefused."""
    if blocked(session, user):
        _attempt(session, user, ip, False)
        raise CodeRefused("Te veel onjuiste codes. Wacht een kwartier en probeer het dan opnieuw.", blocked=True)
    step = matching_step(secret, code)
    if step is None:
        _attempt(session, user, ip, False)
        raise CodeRefused("Deze code klopt niet. Voer de zescijferige code in die uw app nu toont.")
    _attempt(session, user, ip, True)
    user.totp_secret, user.totp_enabled_at, user.totp_last_step = secret, datetime.now(timezone.utc), step
    codes = _new_recovery_codes(session, user)
    record(session, user, "two_factor_enable", subject=user, via=via)
    return codes


def renew_recovery_codes(session: Session, user: User, via: str = "web") -> list[str]:
    codes = _new_recovery_codes(session, user)
    record(session, user, "recovery_codes_renew", subject=user, via=via)
    return codes


def remove(session: Session, user: User) -> None:
    """Removes the second factor and its recovery codes, and ends the user's sessions. Callers check who may, and audit."""
    user.totp_secret = user.totp_enabled_at = user.totp_last_step = None
    for row in list(user.recovery_codes):
        session.delete(row)
    sessions.end_sessions(user)
    session.flush()
