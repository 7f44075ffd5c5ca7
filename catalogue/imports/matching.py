"""Finding the existing instrument a row is about: external id, else slug, else provider + name."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import Instrument, Provider


def match_existing(session: Session, values: dict, provider: Provider | None):
    """The existing instrument this row is about: external id, else slug, else provider + name."""
    ext = values.get("external_id")
    if ext:
        found = session.scalars(select(Instrument).where(Instrument.external_id == ext).limit(2)).all()
        if len(found) > 1:
            return None, ("external_id", f"extern ID '{ext}' hoort bij meer dan één instrument")
        if found:
            return _not_deleted(found[0], "external_id")
    slug = values.get("slug")
    if slug:
        found = session.scalar(select(Instrument).where(Instrument.slug == slug))
        if found is not None:
            if ext and found.external_id and found.external_id != ext:
                return None, ("slug", f"slug '{slug}' hoort bij een instrument met een ander extern ID "
                                      f"('{found.external_id}')")
            return _not_deleted(found, "slug")
    name = values.get("name")
    if name and provider is not None:
        found = session.scalars(select(Instrument).where(
            Instrument.provider_id == provider.id, func.lower(Instrument.name) == name.lower(),
            Instrument.deleted_at.is_(None)).limit(2)).all()
        if len(found) > 1:
            return None, ("name", f"'{provider.name}' heeft meer dan één instrument met de naam '{name}'; "
                                  "vul de slug of het extern ID in")
        if found and not (ext and found[0].external_id and found[0].external_id != ext):
            return found[0], None
    return None, None


def _not_deleted(instrument: Instrument, key: str):
    if instrument.deleted_at is not None:
        return None, (key, f"instrument '{instrument.slug}' is verwijderd; zet het eerst terug in het beheer")
    return instrument, None
