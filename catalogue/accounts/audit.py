"""The account audit trail: every administrative change to organisations, users, roles, tokens and second factors."""
from __future__ import annotations

from sqlalchemy.orm import Session

from ..models import AccountEvent, Organisation, User

ACTIONS = {
    "organisation_create": "Organisatie aangemaakt",
    "invite": "Uitgenodigd",
    "invitation_revoke": "Uitnodiging ingetrokken",
    "invitation_accept": "Uitnodiging aanvaard",
    "role_add": "Rol toegekend",
    "role_remove": "Rol ingetrokken",
    "admin_grant": "Beheerder gemaakt",
    "admin_revoke": "Beheerdersrecht ingetrokken",
    "deactivate": "Gedeactiveerd",
    "activate": "Geactiveerd",
    "token_create": "API-token aangemaakt",
    "token_revoke": "API-token ingetrokken",
    "two_factor_enable": "Tweestapsverificatie ingesteld",
    "two_factor_disable": "Tweestapsverificatie uitgeschakeld",
    "two_factor_reset": "Tweestapsverificatie gereset",
    "recovery_codes_renew": "Nieuwe herstelcodes",
}


def record(session: Session, actor: User | None, action: str, subject: User | None = None, subject_email: str = "",
           organisation: Organisation | None = None, via: str = "web", **details) -> AccountEvent:
    """Adds one entry. `actor` None means the command line (or the subject acting on their own behalf, if given)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown account action {action!r}")
    event = AccountEvent(actor_id=actor.id if actor is not None else None,
                         actor=actor.email if actor is not None else "cli", via=via, action=action,
                         subject_id=subject.id if subject is not None else None,
                         subject=subject.email if subject is not None else subject_email,
                         organisation_id=organisation.id if organisation is not None else None, details=details)
    session.add(event)
    return event
