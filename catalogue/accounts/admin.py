"""Managing organisations and users, with scope and audit. Admins manage everything; a coordinator manages the
organisations of their own arbeidsmarktregio and the users whose every role lies in those organisations (never admins).
Everything else raises NotAllowed and changes nothing."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..auth import add_membership, normalise_email, organisation_for_provider
from ..models import ROLES, AccountEvent, ApiToken, Invitation, Membership, Organisation, Provider, User
from . import invitations, sessions, two_factor
from .audit import record
from ..db import utc_now


class NotAllowed(Exception):
    pass


class InvalidInput(Exception):
    """{field: Dutch message}"""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


class AccountAdmin:
    """`actor` None is the command line (everything allowed)."""

    def __init__(self, session: Session, actor: User | None, via: str = "web"):
        self.session, self.actor, self.via = session, actor, via

    # --- scope -------------------------------------------------------------------------------------------------------

    @property
    def is_admin(self) -> bool:
        return self.actor is None or bool(self.actor.is_admin)

    def regions(self) -> set[int]:
        """Ids of the regions the actor coordinates."""
        if self.actor is None:
            return set()
        return {m.organisation.home_region.id for m in self.actor.memberships
                if m.role == "coordinator" and m.organisation.home_region is not None}

    def may_administer(self) -> bool:
        return self.is_admin or bool(self.regions())

    def may_manage_organisation(self, organisation: Organisation) -> bool:
        if self.is_admin:
            return True
        region = organisation.home_region
        return region is not None and region.id in self.regions()

    def may_manage_user(self, user: User) -> bool:
        if self.is_admin:
            return True
        if user.is_admin or not user.memberships or (self.actor is not None and user.id == self.actor.id):
            return False
        return all(self.may_manage_organisation(m.organisation) for m in user.memberships)

    def _require(self, allowed: bool) -> None:
        if not allowed:
            raise NotAllowed()

    def organisations(self) -> list[Organisation]:
        rows = self.session.scalars(select(Organisation).order_by(Organisation.name)
                                    .options(selectinload(Organisation.memberships))).all()
        return [o for o in rows if self.may_manage_organisation(o)]

    def users(self) -> list[User]:
        rows = self.session.scalars(select(User).order_by(User.email)
                                    .options(selectinload(User.memberships).selectinload(Membership.organisation))).all()
        return [u for u in rows if self.may_manage_user(u)]

    def events(self, limit: int = 200) -> list[AccountEvent]:
        """The newest account audit entries the actor may see: everything for admins; for a coordinator those about
        the organisations of their region and the users they manage."""
        rows = self.session.scalars(select(AccountEvent).order_by(AccountEvent.id.desc())
                                    .options(selectinload(AccountEvent.organisation)).limit(limit * 5)).all()
        if self.is_admin:
            return list(rows[:limit])
        users = {u.id for u in self.users()}
        return [e for e in rows if (e.organisation is not None and self.may_manage_organisation(e.organisation))
                or e.subject_id in users][:limit]

    def providers_without_organisation(self) -> list[Provider]:
        """Providers the actor may create an organisation for (gemeenten, regions and national bodies)."""
        taken = {o.slug for o in self.session.scalars(select(Organisation))}
        providers = self.session.scalars(select(Provider).order_by(Provider.type, Provider.name)).all()
        regions = None if self.is_admin else self.regions()
        return [p for p in providers if p.slug not in taken
                and (regions is None or (p.type in ("gemeente", "regio") and p.region_id in regions))]

    # --- organisations -----------------------------------------------------------------------------------------------

    def create_organisation(self, provider_slug: str) -> Organisation:
        provider_slug = (provider_slug or "").strip()
        if not provider_slug:
            raise InvalidInput({"provider": "Kies de aanbieder (gemeente, regio of landelijke organisatie)."})
        allowed = {p.slug for p in self.providers_without_organisation()}
        if provider_slug not in allowed:
            exists = self.session.scalar(select(Provider).where(Provider.slug == provider_slug))
            if exists is None:
                raise InvalidInput({"provider": "Deze aanbieder bestaat niet."})
            if self.session.scalar(select(Organisation).where(Organisation.slug == provider_slug)) is not None:
                raise InvalidInput({"provider": "Voor deze aanbieder bestaat al een organisatie."})
            raise NotAllowed()
        organisation = organisation_for_provider(self.session, provider_slug)
        record(self.session, self.actor, "organisation_create", organisation=organisation, via=self.via)
        return organisation

    # --- invitations -------------------------------------------------------------------------------------------------

    def invite(self, organisation: Organisation, email: str, role: str, secret_key: str, link_for) -> Invitation:
        self._require(self.may_manage_organisation(organisation))
        email = normalise_email(email)
        errors = {}
        if not email or "@" not in email or " " in email or email.startswith("@") or email.endswith("@"):
            errors["email"] = "Vul een geldig e-mailadres in, zoals naam@gemeente.nl."
        elif self.session.scalar(select(User).where(User.email == email)) is not None:
            errors["email"] = ("Dit adres heeft al een account. Geef die gebruiker de rol op zijn of haar "
                               "gebruikerspagina.")
        if role not in ROLES:
            errors["role"] = "Kies een rol."
        if errors:
            raise InvalidInput(errors)
        return invitations.create(self.session, secret_key, self.actor, organisation, email, role, link_for, via=self.via)

    def revoke_invitation(self, invitation: Invitation) -> None:
        self._require(self.may_manage_organisation(invitation.organisation))
        if invitation.accepted_at is None and invitation.revoked_at is None:
            invitation.revoked_at = utc_now()
            record(self.session, self.actor, "invitation_revoke", subject_email=invitation.email,
                   organisation=invitation.organisation, via=self.via)

    def open_invitations(self, organisation: Organisation) -> list[Invitation]:
        now = utc_now()
        rows = self.session.scalars(select(Invitation).where(
            Invitation.organisation_id == organisation.id, Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None)).order_by(Invitation.created_at.desc())).all()
        return [i for i in rows if invitations._aware(i.expires_at) > now]

    # --- roles -------------------------------------------------------------------------------------------------------

    def add_role(self, user: User, organisation: Organisation | None, role: str) -> Membership:
        self._require(self.may_manage_user(user))
        errors = {}
        if organisation is None:
            errors["organisation"] = "Kies een organisatie."
        if role not in ROLES:
            errors["role"] = "Kies een rol."
        if errors:
            raise InvalidInput(errors)
        self._require(self.may_manage_organisation(organisation))
        if any(m.organisation_id == organisation.id and m.role == role for m in user.memberships):
            raise InvalidInput({"role": "Deze gebruiker heeft die rol al bij deze organisatie."})
        membership = add_membership(self.session, user, organisation, role)
        self.session.flush()
        record(self.session, self.actor, "role_add", subject=user, organisation=organisation, via=self.via, role=role)
        return membership

    def remove_role(self, user: User, membership: Membership) -> None:
        self._require(self.may_manage_user(user) and membership.user_id == user.id)
        organisation, role = membership.organisation, membership.role
        user.memberships.remove(membership)
        self.session.flush()
        record(self.session, self.actor, "role_remove", subject=user, organisation=organisation, via=self.via, role=role)

    def set_admin(self, user: User, admin: bool) -> None:
        self._require(self.is_admin)
        if self.actor is not None and user.id == self.actor.id and not admin:
            raise InvalidInput({"admin": "U kunt uw eigen beheerdersrecht niet intrekken."})
        if bool(user.is_admin) == admin:
            return
        user.is_admin = admin
        record(self.session, self.actor, "admin_grant" if admin else "admin_revoke", subject=user, via=self.via)

    # --- deactivation, tokens, second factor ---------------------------------------------------------------------------

    def deactivate(self, user: User) -> None:
        """Ends the user's sessions at once; the API tokens stop working while the user is inactive."""
        self._require(self.may_manage_user(user))
        if self.actor is not None and user.id == self.actor.id:
            raise InvalidInput({"active": "U kunt uw eigen account niet deactiveren."})
        if not user.active:
            return
        user.active = False
        sessions.end_sessions(user)
        record(self.session, self.actor, "deactivate", subject=user, via=self.via)

    def activate(self, user: User) -> None:
        self._require(self.may_manage_user(user))
        if user.active:
            return
        user.active = True
        record(self.session, self.actor, "activate", subject=user, via=self.via)

    def revoke_token(self, user: User, token: ApiToken) -> None:
        self._require(token.user_id == user.id and (self.may_manage_user(user)
                                                    or (self.actor is not None and user.id == self.actor.id)))
        if token.revoked_at is None:
            token.revoked_at = utc_now()
            record(self.session, self.actor, "token_revoke", subject=user, via=self.via, token=token.prefix,
                   name=token.name)

    def revoke_all_tokens(self, user: User) -> int:
        open_tokens = [t for t in user.tokens if t.revoked_at is None]
        for token in open_tokens:
            self.revoke_token(user, token)
        return len(open_tokens)

    def reset_two_factor(self, user: User) -> None:
        """Removes a user's second factor (lost phone and recovery codes); admins and coordinators must enrol again at
        their next login."""
        self._require(self.may_manage_user(user))
        two_factor.remove(self.session, user)
        record(self.session, self.actor, "two_factor_reset", subject=user, via=self.via)


def organisation_by_slug(session: Session, slug: str) -> Organisation | None:
    return session.scalar(select(Organisation).where(Organisation.slug == slug))
