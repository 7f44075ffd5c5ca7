"""The review list of parameter proposals read from imported text (e.g. a Dennis import). No Flask.

A proposal is never applied by itself: an editor who may edit the instrument accepts it (written through the editing
service: audit entry `accept_proposal`, a new version) or rejects it (audit entry `reject_proposal`, the instrument is
not touched). Either way the proposal keeps who decided and when. The instrument stays visible meanwhile.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..auth import can, editable_provider_ids
from ..editing import Editor, NotAllowed, NotFound, json_safe
from ..models import AuditEntry, Instrument, ParameterProposal, User


class ProposalDecided(Exception):
    """Someone else already accepted or rejected it."""


def open_proposals(session: Session, user: User) -> list[ParameterProposal]:
    """Open proposals for the instruments `user` may edit, by instrument name."""
    stmt = (select(ParameterProposal).join(ParameterProposal.instrument)
            .where(ParameterProposal.status == "open", Instrument.deleted_at.is_(None))
            .options(selectinload(ParameterProposal.instrument).selectinload(Instrument.provider))
            .order_by(Instrument.name, ParameterProposal.id))
    if not user.is_admin:
        ids = editable_provider_ids(session, user)
        if not ids:
            return []
        stmt = stmt.where(Instrument.provider_id.in_(ids))
    return [p for p in session.scalars(stmt) if can(user, "edit", p.instrument)]


def current_values(proposal: ParameterProposal) -> dict:
    """What the instrument has now for the proposal's fields (None when empty)."""
    return {k: json_safe(getattr(proposal.instrument, k)) for k in proposal.values}


def _get(session: Session, user: User, proposal_id: int) -> ParameterProposal:
    proposal = session.get(ParameterProposal, proposal_id)
    if proposal is None or proposal.instrument.deleted_at is not None:
        raise NotFound(str(proposal_id))
    if not can(user, "edit", proposal.instrument):
        raise NotAllowed("edit")
    if proposal.status != "open":
        raise ProposalDecided(proposal.status)
    return proposal


def _decided(proposal: ParameterProposal, user: User, status: str) -> None:
    proposal.status = status
    proposal.decided_at = datetime.now(timezone.utc)
    proposal.decided_by_id = user.id if isinstance(user, User) else None
    proposal.decided_by = getattr(user, "email", None) or "system"


def accept(session: Session, user: User, proposal_id: int, via: str = "web") -> AuditEntry | None:
    """Applies the proposal's values (validated like any edit). The caller commits."""
    proposal = _get(session, user, proposal_id)
    entry = Editor(session, user, via=via).update(proposal.instrument, dict(proposal.values), partial=True,
                                                  action="accept_proposal")
    _decided(proposal, user, "accepted")
    session.flush()
    return entry


def reject(session: Session, user: User, proposal_id: int, via: str = "web") -> AuditEntry:
    """Marks the proposal rejected and records that in the instrument's audit trail. The caller commits."""
    proposal = _get(session, user, proposal_id)
    _decided(proposal, user, "rejected")
    proposed = ", ".join(f"{k} = {v}" for k, v in proposal.values.items())
    entry = AuditEntry(user_id=proposal.decided_by_id, actor=proposal.decided_by, via=via,
                       instrument_id=proposal.instrument_id, action="reject_proposal",
                       version=proposal.instrument.version, changes={"voorstel": [proposed, "afgewezen"]})
    session.add(entry)
    session.flush()
    return entry
