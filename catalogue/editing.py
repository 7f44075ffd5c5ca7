"""Editing instruments and region pages, without Flask.

Every change goes through `Editor`: it validates with the shared `InstrumentInputSchema` (through `InstrumentLoader`, the
same validation and the same writing code as the seed), checks permissions with `auth.can`, enforces optimistic locking on
`Instrument.version`, and records in the same transaction an audit entry (who, when, per field old and new value, relations
included), a full version snapshot, and a notification for everyone watching the instrument. The caller commits.
"""
from __future__ import annotations

import hashlib
import json
from copy import deepcopy
from datetime import date, datetime
from decimal import Decimal

from marshmallow import RAISE, Schema, ValidationError, fields, post_load, pre_load, validate
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from .auth import can
from .models import (
    AuditEntry,
    Instrument,
    InstrumentVersion,
    Notification,
    ParameterValue,
    Region,
    User,
    Watch,
)
from .sanitize import plain_text
from .schemas import URL_OR_EMPTY_METADATA, InstrumentInputSchema
from .seed import TAXONOMY_KEYS, TERM_FIELDS, InstrumentLoader
from .db import utc_now

TERM_KEYS = TERM_FIELDS
SNAPSHOT_FIELDS = tuple(InstrumentInputSchema().fields)
RELATION_FIELDS = ("kind", "provider", "regions", "municipalities") + TERM_KEYS


class EditingError(Exception):
    pass


class NotAllowed(EditingError):
    """The user may not do this."""


class NotFound(EditingError):
    pass


class InvalidInput(EditingError):
    def __init__(self, messages: dict):
        super().__init__(str(messages))
        self.messages = messages


class VersionConflict(EditingError):
    """Someone else saved a newer version. `current` is what is stored now, `submitted` what this user sent."""

    def __init__(self, instrument: Instrument, current: dict, submitted: dict, current_version: int):
        super().__init__(f"version conflict on {instrument.slug}")
        self.instrument = instrument
        self.current = current
        self.submitted = submitted
        self.current_version = current_version


def json_safe(value):
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal("0.01")))
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


def snapshot(instrument: Instrument) -> dict:
    """The instrument in the input schema's shape (codes for relations), JSON-safe: what versions store and restore."""
    out: dict = {}
    for name in SNAPSHOT_FIELDS:
        if name == "kind":
            value = instrument.kind.code if instrument.kind else None
        elif name == "provider":
            value = instrument.provider.slug if instrument.provider else None
        elif name == "regions":
            value = sorted(r.code for r in instrument.regions)
        elif name == "municipalities":
            value = sorted(m.code for m in instrument.municipalities)
        elif name == "parameter_values":
            value = [pv.to_record() for pv in instrument.parameter_values]
        elif name in TERM_KEYS:
            terms = instrument.terms_of(TAXONOMY_KEYS[name])
            value = [t.code for t in sorted(terms, key=lambda t: (t.sort_order, t.code))]
        else:
            value = deepcopy(getattr(instrument, name))
        out[name] = json_safe(value)
    return out


def applied_snapshot(loader: InstrumentLoader, before: dict, data: dict) -> dict:
    """The snapshot an instrument whose snapshot is `before` would have after `loader.apply(instrument, data)`, without
    applying it (an import's check shows the changes it would make)."""
    out = dict(before)
    provider = loader.providers[data["provider"]]
    regions, municipalities = list(data.get("regions", [])), list(data.get("municipalities", []))
    if data["reach"] == "regionaal" and not regions and provider.region is not None:
        regions = [provider.region.code]
    if data["reach"] == "lokaal" and not municipalities and provider.municipality is not None:
        municipalities = [provider.municipality.code]
    out.update(kind=data["kind"], provider=provider.slug, regions=sorted(regions), municipalities=sorted(municipalities))
    for key in TERM_KEYS:
        terms = [loader.terms[(TAXONOMY_KEYS[key], code)] for code in data.get(key, [])]
        out[key] = [t.code for t in sorted(terms, key=lambda t: (t.sort_order, t.code))]
    if "parameter_values" in data:
        out["parameter_values"] = [ParameterValue(**pv).to_record() for pv in data["parameter_values"]]
    for key, value in data.items():
        if key in out and key not in RELATION_FIELDS and key != "parameter_values":
            out[key] = json_safe(deepcopy(value))
    return out


def normalised(value):
    """The value as compared for the audit: strings stripped, "" = None, None/empty keys dropped from dicts and empty
    rows from lists, so a contact saved back unchanged from the form ({"phone": ""}) equals the stored one (no key)."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, dict):
        out = {k: n for k, v in value.items() if (n := normalised(v)) is not None}
        return out or None
    if isinstance(value, (list, tuple)):
        out = [n for v in value if (n := normalised(v)) is not None]
        return out or None
    return value


def diff(before: dict, after: dict) -> dict:
    """{field: [old, new]} for every field whose normalised value differs."""
    keys = list(before) + [k for k in after if k not in before]
    return {k: [before.get(k), after.get(k)] for k in keys if normalised(before.get(k)) != normalised(after.get(k))}


def record_version(session: Session, instrument: Instrument, action: str, user=None, state: dict | None = None) -> None:
    """Stores `state` (default: the instrument as it is now) as the instrument's current version, e.g. the seeded state
    (action "seed") or, before the first edit of an instrument that has no versions yet, its state then ("initial"), so
    the history shows real earlier values."""
    session.add(InstrumentVersion(instrument_id=instrument.id, version=instrument.version,
                                  user_id=user.id if isinstance(user, User) else None, actor=_actor(user), action=action,
                                  snapshot=state if state is not None else snapshot(instrument),
                                  deleted=instrument.deleted_at is not None))


def _has_versions(session: Session, instrument: Instrument) -> bool:
    return session.scalar(select(InstrumentVersion.id).where(InstrumentVersion.instrument_id == instrument.id)
                          .limit(1)) is not None


def _actor(user) -> str:
    return getattr(user, "email", None) or "system"


class Editor:
    def __init__(self, session: Session, user: User | None, via: str = "web"):
        self.session = session
        self.user = user
        self.via = via
        self._loader: InstrumentLoader | None = None

    @property
    def loader(self) -> InstrumentLoader:
        if self._loader is None:
            self._loader = InstrumentLoader(self.session)
        return self._loader

    # -- helpers ------------------------------------------------------------------------------------------------------

    def _require(self, action: str, target) -> None:
        if not can(self.user, action, target):
            raise NotAllowed(action)

    def validate(self, raw: dict, data: dict | None = None) -> dict:
        """The validated record; `data`: `raw` as the loader already validated it (an import checks it first)."""
        if not isinstance(raw, dict):
            raise InvalidInput({"_schema": ["Verwacht een object met velden."]})
        if data is None:
            try:
                data = self.loader.validate(raw)
            except ValidationError as exc:
                raise InvalidInput(exc.messages) from exc
        provider = self.loader.providers[data["provider"]]
        if data["reach"] == "regionaal" and not data.get("regions") and provider.region is None:
            raise InvalidInput({"regions": ["Kies minstens één arbeidsmarktregio."]})
        if data["reach"] == "lokaal" and not data.get("municipalities") and provider.municipality is None:
            raise InvalidInput({"municipalities": ["Kies minstens één gemeente."]})
        return data

    def _slug_taken(self, slug: str, instrument: Instrument | None = None) -> bool:
        other = self.session.scalar(select(Instrument.id).where(Instrument.slug == slug))
        return other is not None and (instrument is None or other != instrument.id)

    def get(self, slug: str, include_deleted: bool = True) -> Instrument:
        item = self.session.scalar(select(Instrument).where(Instrument.slug == slug))
        if item is None or (item.deleted_at is not None and not include_deleted):
            raise NotFound(slug)
        return item

    def _check_version(self, instrument: Instrument, expected_version, submitted: dict) -> None:
        if expected_version is None or expected_version == "":
            return
        try:
            expected = int(expected_version)
        except (TypeError, ValueError):
            raise InvalidInput({"version": ["Geen geldig versienummer."]}) from None
        if expected != instrument.version:
            raise VersionConflict(instrument, snapshot(instrument), submitted, instrument.version)

    def _save(self, instrument: Instrument, action: str, before: dict, extra: dict | None = None,
              submitted: dict | None = None) -> AuditEntry | None:
        after = snapshot(instrument)
        changes = diff(before, after)
        changes.update(extra or {})
        if not changes and action not in ("create",):
            return None
        if action != "create":
            instrument.updated_at = utc_now()  # forces an UPDATE (and a version bump) even when only relations changed
        self.session.add(instrument)
        try:
            self.session.flush()
        except StaleDataError as exc:
            self.session.rollback()
            current = self.session.get(Instrument, instrument.id)
            self.session.refresh(current)
            raise VersionConflict(current, snapshot(current), submitted or after, current.version) from exc
        user_id = self.user.id if isinstance(self.user, User) else None
        entry = AuditEntry(user_id=user_id, actor=_actor(self.user), via=self.via, instrument_id=instrument.id,
                           action=action, version=instrument.version, changes=changes)
        self.session.add(entry)
        self.session.add(InstrumentVersion(instrument_id=instrument.id, version=instrument.version, user_id=user_id,
                                           actor=_actor(self.user), action=action, snapshot=after,
                                           deleted=instrument.deleted_at is not None))
        self.session.flush()
        self._notify(instrument, entry)
        return entry

    def _notify(self, instrument: Instrument, entry: AuditEntry) -> None:
        watchers = self.session.scalars(select(Watch.user_id).where(Watch.instrument_id == instrument.id))
        fields_changed = ", ".join(sorted(entry.changes)) or "-"
        message = f"{entry.actor}: {entry.action} '{instrument.name}' ({fields_changed})"
        for user_id in watchers:
            if isinstance(self.user, User) and user_id == self.user.id:
                continue
            self.session.add(Notification(user_id=user_id, instrument_id=instrument.id, audit_entry_id=entry.id,
                                          message=message[:2000]))
        self.session.flush()

    # -- instrument actions -------------------------------------------------------------------------------------------

    def check_create(self, raw: dict, slug_taken=None, data: dict | None = None) -> dict:
        """Everything `create` checks, without writing: the validated record, or NotAllowed / InvalidInput.
        `slug_taken(slug)`: whether the slug is in use (default: asks the database)."""
        if not can(self.user, "create"):
            raise NotAllowed("create")
        data = self.validate(raw, data)
        provider = self.loader.providers[data["provider"]]
        self._require("create", provider)
        if data.get("status") == "published":
            self._require("publish", provider)
        if (slug_taken or self._slug_taken)(data["slug"]):
            raise InvalidInput({"slug": ["Deze slug is al in gebruik."]})
        return data

    def create(self, raw: dict) -> Instrument:
        data = self.check_create(raw)
        instrument = Instrument(slug=data["slug"])
        self.loader.apply(instrument, data)
        self.session.add(instrument)
        self.session.flush()
        self._save(instrument, "create", {}, submitted=raw)
        return instrument

    def check_update(self, instrument: Instrument, raw: dict, expected_version=None, partial: bool = False,
                     permission: str = "edit", action: str = "update", slug_taken=None,
                     data: dict | None = None) -> tuple[dict, dict, dict]:
        """Everything `update` checks, without writing: (the snapshot before, the full record, the validated record),
        or NotAllowed / NotFound / InvalidInput / VersionConflict. `slug_taken(slug)`: whether another instrument uses
        the slug (default: asks the database)."""
        self._require(permission, instrument)
        if instrument.deleted_at is not None and action != "restore_version":
            raise NotFound(instrument.slug)
        raw = dict(raw)
        self._check_version(instrument, expected_version, raw)
        before = snapshot(instrument)
        full = {**before, **raw} if partial else raw
        data = self.validate(full, data)
        provider = self.loader.providers[data["provider"]]
        if provider.id != instrument.provider_id:
            self._require("edit", provider)
        if data.get("status") != before.get("status") or data.get("publish_from") != instrument.publish_from \
                or data.get("publish_to") != instrument.publish_to:
            self._require("publish", instrument)
        if data["slug"] != instrument.slug and (slug_taken or (lambda s: self._slug_taken(s, instrument)))(data["slug"]):
            raise InvalidInput({"slug": ["Deze slug is al in gebruik."]})
        return before, full, data

    def update(self, instrument: Instrument, raw: dict, expected_version=None, partial: bool = False,
               action: str = "update", permission: str = "edit") -> AuditEntry | None:
        before, full, data = self.check_update(instrument, raw, expected_version, partial, permission, action)
        if not _has_versions(self.session, instrument):
            record_version(self.session, instrument, "initial", state=before)
        self.loader.apply(instrument, data)
        return self._save(instrument, action, before, submitted=full)

    def publish(self, instrument: Instrument, expected_version=None) -> AuditEntry | None:
        return self.update(instrument, {"status": "published"}, expected_version, partial=True, action="publish",
                           permission="publish")

    def unpublish(self, instrument: Instrument, expected_version=None) -> AuditEntry | None:
        return self.update(instrument, {"status": "draft"}, expected_version, partial=True, action="unpublish",
                           permission="publish")

    def schedule(self, instrument: Instrument, publish_from, publish_to, expected_version=None) -> AuditEntry | None:
        """Publish within a window (either end may be open)."""
        return self.update(instrument, {"status": "published", "publish_from": publish_from or None,
                                        "publish_to": publish_to or None},
                           expected_version, partial=True, action="schedule", permission="publish")

    def mark_checked(self, instrument: Instrument, today: date | None = None) -> AuditEntry | None:
        return self.update(instrument, {"last_checked": (today or date.today()).isoformat()}, partial=True,
                           action="review", permission="review")

    def delete(self, instrument: Instrument, expected_version=None) -> AuditEntry | None:
        """Soft delete: the instrument disappears from every public list and page, and can be restored."""
        self._require("delete", instrument)
        if instrument.deleted_at is not None:
            return None
        self._check_version(instrument, expected_version, {})
        before = snapshot(instrument)
        instrument.deleted_at = utc_now()
        return self._save(instrument, "delete", before, extra={"deleted_at": [None, instrument.deleted_at.isoformat()]})

    def restore(self, instrument: Instrument) -> AuditEntry | None:
        self._require("restore", instrument)
        if instrument.deleted_at is None:
            return None
        before = snapshot(instrument)
        old = instrument.deleted_at.isoformat()
        instrument.deleted_at = None
        return self._save(instrument, "restore", before, extra={"deleted_at": [old, None]})

    def restore_version(self, instrument: Instrument, version: int, expected_version=None) -> AuditEntry | None:
        row = self.session.scalar(select(InstrumentVersion).where(
            InstrumentVersion.instrument_id == instrument.id, InstrumentVersion.version == version))
        if row is None:
            raise NotFound(f"{instrument.slug} v{version}")
        return self.update(instrument, deepcopy(row.snapshot), expected_version, action="restore_version")

    # -- watching -----------------------------------------------------------------------------------------------------

    def watch(self, instrument: Instrument) -> None:
        self._require("view_internal", instrument)
        if not isinstance(self.user, User):
            raise NotAllowed("watch")
        if self.session.get(Watch, (self.user.id, instrument.id)) is None:
            self.session.add(Watch(user_id=self.user.id, instrument_id=instrument.id))
            self.session.flush()

    def unwatch(self, instrument: Instrument) -> None:
        if not isinstance(self.user, User):
            raise NotAllowed("watch")
        row = self.session.get(Watch, (self.user.id, instrument.id))
        if row is not None:
            self.session.delete(row)
            self.session.flush()

    # -- region pages -------------------------------------------------------------------------------------------------

    def update_region(self, region: Region, raw: dict, expected_fingerprint: str | None = None) -> AuditEntry | None:
        self._require("edit_region", region)
        before = region_snapshot(region)
        if expected_fingerprint and expected_fingerprint != region_fingerprint(region):
            raise RegionConflict(region, before, raw)
        try:
            data = RegionInputSchema().load(raw)
        except ValidationError as exc:
            raise InvalidInput(exc.messages) from exc
        for key, value in data.items():
            setattr(region, key, value)
        after = region_snapshot(region)
        changes = diff(before, after)
        if not changes:
            return None
        user_id = self.user.id if isinstance(self.user, User) else None
        entry = AuditEntry(user_id=user_id, actor=_actor(self.user), via=self.via, region_id=region.id,
                           action="region_update", changes=changes)
        self.session.add(entry)
        self.session.flush()
        return entry


class RegionConflict(EditingError):
    def __init__(self, region: Region, current: dict, submitted: dict):
        super().__init__(f"region conflict on {region.code}")
        self.region = region
        self.current = current
        self.submitted = submitted


# ---------------------------------------------------------------------------------------------------------------------
# Region pages: the werkgeversservicepunt contact point, terminology and partners.

_url = validate.URL(schemes={"http", "https"}, error="Geen geldige webadres (http of https).")
REGION_FIELDS = ("wsp_name", "wsp_website", "wsp_phone", "wsp_email", "description", "partners", "terminology",
                 "source_url")


class TermInputSchema(Schema):
    class Meta:
        unknown = RAISE

    term = fields.String(required=True, validate=validate.Length(1, 200))
    meaning = fields.String(required=True, validate=validate.Length(1, 2000))


class RegionInputSchema(Schema):
    """Validates a region page as edited by its coordinator (form or API)."""

    class Meta:
        unknown = RAISE

    wsp_name = fields.String(allow_none=True, validate=validate.Length(max=200))
    wsp_website = fields.String(allow_none=True, validate=_url, metadata=URL_OR_EMPTY_METADATA)
    wsp_phone = fields.String(allow_none=True, validate=validate.Length(max=50))
    wsp_email = fields.String(allow_none=True, validate=[validate.Email(error="Not a valid email address."),
                                                         validate.Length(max=200)],
                              metadata={"pattern": r"^$|^[a-z0-9._-]+@([a-z0-9-]+\.)+[a-z]{2,6}$",
                                        "description": "e-mailadres; leeg = geen"})
    description = fields.String(allow_none=True, validate=validate.Length(max=5000))
    partners = fields.List(fields.String(validate=validate.Length(1, 200)), load_default=list,
                           validate=validate.Length(max=60))
    terminology = fields.List(fields.Nested(TermInputSchema), load_default=list, validate=validate.Length(max=60))
    source_url = fields.String(allow_none=True, validate=_url, metadata=URL_OR_EMPTY_METADATA)

    @pre_load
    def _strip(self, data, **kwargs):
        if isinstance(data, dict):
            return {k: ((v.strip() or None) if isinstance(v, str) else v) for k, v in data.items()}
        return data

    @post_load
    def _sanitise(self, data, **kwargs):
        for key in ("wsp_name", "wsp_phone", "description"):
            if key in data:
                data[key] = plain_text(data[key])
        if "partners" in data:
            data["partners"] = [p for p in (plain_text(x) for x in data["partners"]) if p]
        if "terminology" in data:
            data["terminology"] = [{"term": plain_text(t["term"]), "meaning": plain_text(t["meaning"])}
                                   for t in data["terminology"]]
        return data


def region_snapshot(region: Region) -> dict:
    return {k: json_safe(deepcopy(getattr(region, k))) for k in REGION_FIELDS}


def region_fingerprint(region: Region) -> str:
    return hashlib.sha256(json.dumps(region_snapshot(region), sort_keys=True).encode()).hexdigest()[:32]
