"""Re-imports never lose newer work. No Flask.

A row says which version of the instrument it was exported at (the `Versie` column; for the Dennis import the version
after the previous import). When the instrument has been saved since, every field the row would change that was also
changed since that version is a conflict: nothing is written until the editor chooses, per conflict, to keep the current
value or to take the file's. Fields changed only in the file, or only here, are no conflict.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import AuditEntry, Instrument

KEEP_CURRENT = "current"
TAKE_FILE = "file"
CHOICES = (KEEP_CURRENT, TAKE_FILE)
UNKNOWN_AUTHOR = "onbekend (seed of eerdere import)"


@dataclass
class Conflict:
    slug: str
    field: str  # the input-schema field
    file_value: object
    current_value: object
    base_version: int
    current_version: int
    changed_by: str  # who last changed the field since the base version
    changed_at: datetime
    choice: str | None = None  # KEEP_CURRENT | TAKE_FILE once chosen

    @property
    def key(self) -> str:
        """Names the conflict in a form or on the command line: `slug:field`."""
        return f"{self.slug}:{self.field}"


def changed_since(session: Session, instrument: Instrument, base_version: int) -> dict[str, AuditEntry]:
    """Field -> the latest audit entry after `base_version` that changed it."""
    entries = session.scalars(select(AuditEntry).where(
        AuditEntry.instrument_id == instrument.id, AuditEntry.version > base_version)
        .order_by(AuditEntry.version, AuditEntry.id))
    out: dict[str, AuditEntry] = {}
    for entry in entries:
        for name in entry.changes or {}:
            out[name] = entry
    return out


def find_conflicts(session: Session, instrument: Instrument, base_version: int | None, before: dict, after: dict,
                   resolutions: dict[str, str]) -> list[Conflict]:
    """The conflicts of changing `instrument` from `before` to `after` (snapshot shape) when the file was based on
    `base_version`; each with the choice from `resolutions` ({conflict key: KEEP_CURRENT | TAKE_FILE}) if made.
    `base_version` 0 means "never seen": every difference is a conflict (it may all be work done here)."""
    if base_version is None or base_version >= instrument.version:
        return []
    since = changed_since(session, instrument, base_version)
    out = []
    for name in after:
        if (name in since or base_version == 0) and after.get(name) != before.get(name):
            entry = since.get(name)
            conflict = Conflict(slug=instrument.slug, field=name, file_value=after.get(name),
                                current_value=before.get(name), base_version=base_version,
                                current_version=instrument.version,
                                changed_by=entry.actor if entry is not None else UNKNOWN_AUTHOR,
                                changed_at=entry.created_at if entry is not None else instrument.updated_at)
            choice = resolutions.get(conflict.key)
            conflict.choice = choice if choice in CHOICES else None
            out.append(conflict)
    return out


def apply_choices(record: dict, before: dict, conflicts: list[Conflict]) -> dict:
    """The record with every 'keep current' choice applied (the current value instead of the file's)."""
    out = dict(record)
    for conflict in conflicts:
        if conflict.choice == KEEP_CURRENT:
            out[conflict.field] = before.get(conflict.field)
    return out
