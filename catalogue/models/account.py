"""Accounts: organisations (a gemeente, a regional WSP, UWV, another national body), their members and roles, API tokens,
login attempts (rate limiting), the mail outbox (password-reset and invitation links; there is no mail server), invitations,
two-factor recovery codes and the account audit trail."""
from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, utc_now
from .geo import Municipality, Region
from .provider import Provider

# admin is global (User.is_admin); these are the roles a member has within one organisation.
ROLES = ("coordinator", "editor", "account_manager")
ORGANISATION_TYPES = ("gemeente", "regio", "uwv", "landelijk")


def _session_token() -> str:
    return secrets.token_hex(16)


class Organisation(Base):
    """Who keeps instruments current. Linked to exactly one of: a gemeente, an arbeidsmarktregio (its WSP) or a national
    provider (UWV, Belastingdienst, RVO, ...). Ownership of instruments follows from that link."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(20))
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id"), index=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"), index=True)
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("provider.id"), index=True)
    review_after_months: Mapped[int] = mapped_column(Integer, default=12)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)

    municipality: Mapped[Municipality | None] = relationship()
    region: Mapped[Region | None] = relationship()
    provider: Mapped[Provider | None] = relationship()
    memberships: Mapped[list["Membership"]] = relationship(back_populates="organisation", cascade="all, delete-orphan")

    @property
    def home_region(self) -> Region | None:
        """The arbeidsmarktregio the organisation works in (none for national bodies)."""
        if self.region is not None:
            return self.region
        if self.municipality is not None:
            return self.municipality.region
        return None

    def owns_provider(self, provider: Provider | None) -> bool:
        if provider is None:
            return False
        if self.provider_id is not None and provider.id == self.provider_id:
            return True
        if self.municipality_id is not None:
            return provider.type == "gemeente" and provider.municipality_id == self.municipality_id
        if self.region_id is not None:
            return provider.type == "regio" and provider.region_id == self.region_id
        return False

    def __repr__(self) -> str:
        return f"<Organisation {self.slug}>"


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-case
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Part of the login session's id: changing it (logout, password change/reset, deactivation) ends every session.
    session_token: Mapped[str] = mapped_column(String(64), default=_session_token)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # TOTP two-factor authentication: the base32 secret once confirmed, and the last time step used (no replays).
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    totp_last_step: Mapped[int | None] = mapped_column(Integer)

    memberships: Mapped[list["Membership"]] = relationship(back_populates="user", cascade="all, delete-orphan")
    tokens: Mapped[list["ApiToken"]] = relationship(back_populates="user", cascade="all, delete-orphan")
    recovery_codes: Mapped[list["RecoveryCode"]] = relationship(back_populates="user", cascade="all, delete-orphan")

    @property
    def totp_enabled(self) -> bool:
        return self.totp_secret is not None and self.totp_enabled_at is not None

    @property
    def requires_two_factor(self) -> bool:
        """Admins and coordinators must use a second factor; everyone else may."""
        return bool(self.is_admin) or "coordinator" in self.roles()

    # Flask-Login protocol (kept here so the model does not depend on Flask)
    @property
    def is_active(self) -> bool:
        return bool(self.active)

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def roles(self) -> set[str]:
        return {m.role for m in self.memberships}

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class Membership(Base):
    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(30))

    user: Mapped[User] = relationship(back_populates="memberships")
    organisation: Mapped[Organisation] = relationship(back_populates="memberships")

    def __repr__(self) -> str:
        return f"<Membership {self.user_id} {self.role}@{self.organisation_id}>"


class ApiToken(Base):
    """A write-API token. Only a SHA-256 hash is stored; the token itself is shown once, when created."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship(back_populates="tokens")


class LoginAttempt(Base):
    """One login attempt; failed ones within a window limit further attempts per (ip, username) and per ip."""

    __tablename__ = "login_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    ip: Mapped[str] = mapped_column(String(64), index=True)
    username: Mapped[str] = mapped_column(String(254), index=True)
    success: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now, index=True)


class OutboxMessage(Base):
    """Mail that would be sent (password-reset links). Also logged; a deployment with a mail server delivers from here."""

    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Invitation(Base):
    """An invitation to join an organisation with a role. The link carries a signed (id, nonce); only the nonce's SHA-256
    is stored. It works once (accepted_at), until expires_at, and not after it is revoked or replaced."""

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(30))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    nonce_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    organisation: Mapped[Organisation] = relationship()
    invited_by: Mapped[User | None] = relationship()


class RecoveryCode(Base):
    """A one-time two-factor recovery code; only its SHA-256 is stored."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship(back_populates="recovery_codes")


class AccountEvent(Base):
    """The audit trail of account administration: who (actor), when, what (action, subject, organisation, details)."""

    __tablename__ = "account_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    actor: Mapped[str] = mapped_column(String(254))  # e-mail address at the time, or "cli"
    via: Mapped[str] = mapped_column(String(10), default="web")  # web | cli
    action: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    subject: Mapped[str] = mapped_column(String(254), default="")  # the user's (or invitee's) address at the time
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="SET NULL"), index=True)
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    organisation: Mapped[Organisation | None] = relationship()
