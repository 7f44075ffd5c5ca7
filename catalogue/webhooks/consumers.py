"""Registering and changing webhook consumers, and who may. No Flask.

A consumer belongs to an organisation. Admins manage every organisation's consumers; a coordinator manages those of
their own organisation; nobody else sees them."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import InstrumentKind, Organisation, Provider, Region, WebhookConsumer
from .urls import UrlRefused, check_url

MIN_SECRET = 24


class ConsumerInvalid(ValueError):
    def __init__(self, errors: dict[str, tuple[str, dict]]):
        super().__init__(str(errors))
        self.errors = errors


@dataclass
class ConsumerInput:
    name: str
    url: str
    secret: str  # empty when editing: keep the stored one
    regions: list[str]
    providers: list[str]
    kinds: list[str]


def manageable_organisations(session: Session, user) -> list[Organisation]:
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    stmt = select(Organisation).order_by(Organisation.name)
    if user.is_admin:
        return list(session.scalars(stmt))
    ids = {m.organisation_id for m in user.memberships if m.role == "coordinator"}
    return list(session.scalars(stmt.where(Organisation.id.in_(ids)))) if ids else []


def may_manage(user, consumer_or_organisation) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.is_admin:
        return True
    organisation_id = (consumer_or_organisation.organisation_id if isinstance(consumer_or_organisation, WebhookConsumer)
                       else consumer_or_organisation.id)
    return any(m.role == "coordinator" and m.organisation_id == organisation_id for m in user.memberships)


def generate_secret() -> str:
    return secrets.token_urlsafe(32)


def validate(session: Session, data: ConsumerInput, allow_local: bool, new: bool) -> ConsumerInput:
    """The cleaned input, or ConsumerInvalid with per field (code, params) for the web layer to word."""
    errors: dict[str, tuple[str, dict]] = {}
    name = data.name.strip()
    if not name:
        errors["name"] = ("required", {})
    elif len(name) > 120:
        errors["name"] = ("too_long", {"max": 120})
    try:
        check_url(data.url, allow_local=allow_local)
    except UrlRefused as exc:
        errors["url"] = (f"url_{exc.code}", exc.params)
    secret = data.secret.strip()
    if (new or secret) and len(secret) < MIN_SECRET:
        errors["secret"] = ("secret_short", {"min": MIN_SECRET})
    elif len(secret) > 200:
        errors["secret"] = ("too_long", {"max": 200})
    for field, column in (("regions", Region.code), ("providers", Provider.slug), ("kinds", InstrumentKind.code)):
        values = [v for v in dict.fromkeys(getattr(data, field)) if v]
        known = set(session.scalars(select(column).where(column.in_(values)))) if values else set()
        unknown = [v for v in values if v not in known]
        if unknown:
            errors[field] = ("unknown", {"codes": ", ".join(unknown)[:200]})
        setattr(data, field, values)
    if errors:
        raise ConsumerInvalid(errors)
    return ConsumerInput(name, data.url.strip(), secret, data.regions, data.providers, data.kinds)


def register(session: Session, organisation: Organisation, data: ConsumerInput, user, allow_local: bool) \
        -> WebhookConsumer:
    clean = validate(session, data, allow_local, new=True)
    consumer = WebhookConsumer(organisation_id=organisation.id, name=clean.name, url=clean.url, secret=clean.secret,
                               regions=clean.regions, providers=clean.providers, kinds=clean.kinds, status="active",
                               created_by_id=getattr(user, "id", None))
    session.add(consumer)
    session.flush()
    return consumer


def update(session: Session, consumer: WebhookConsumer, data: ConsumerInput, allow_local: bool) -> WebhookConsumer:
    clean = validate(session, data, allow_local, new=False)
    consumer.name, consumer.url = clean.name, clean.url
    if clean.secret:
        consumer.secret = clean.secret
    consumer.regions, consumer.providers, consumer.kinds = clean.regions, clean.providers, clean.kinds
    return consumer


def resume(consumer: WebhookConsumer) -> None:
    """Active again; its failure clock starts afresh and the deliveries it collected while paused go out."""
    consumer.status, consumer.paused_at, consumer.failing_since = "active", None, None


def pause(consumer: WebhookConsumer) -> None:
    consumer.status, consumer.paused_at = "paused", datetime.now(timezone.utc)
