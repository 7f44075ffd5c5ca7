"""Finding the existing instrument a row is about: external id, else slug, else provider + name."""
from __future__ import annotations

from ..models import Provider
from .known import Known, KnownInstruments


def match_existing(known: KnownInstruments, values: dict, provider: Provider | None):
    """The instrument this row is about (a `Known`, or None for a new one) and a problem (column key, message) or None:
    external id, else slug, else provider + name."""
    ext = values.get("external_id")
    if ext:
        found = known.by_external_id.get(ext) or []
        if len(found) > 1:
            return None, ("external_id", f"extern ID '{ext}' hoort bij meer dan één instrument")
        if found:
            return _not_deleted(found[0], "external_id")
    slug = values.get("slug")
    if slug:
        item = known.by_slug.get(slug)
        if item is not None:
            if ext and item.external_id and item.external_id != ext:
                return None, ("slug", f"slug '{slug}' hoort bij een instrument met een ander extern ID "
                                      f"('{item.external_id}')")
            return _not_deleted(item, "slug")
    name = values.get("name")
    if name and provider is not None:
        found = known.named(provider.id, name)
        if len(found) > 1:
            return None, ("name", f"'{provider.name}' heeft meer dan één instrument met de naam '{name}'; "
                                  "vul de slug of het extern ID in")
        if found and not (ext and found[0].external_id and found[0].external_id != ext):
            return found[0], None
    return None, None


def _not_deleted(item: Known, key: str):
    if item.deleted:
        return None, (key, f"instrument '{item.slug}' is verwijderd; zet het eerst terug in het beheer")
    return item, None
