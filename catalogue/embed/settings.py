"""The coordinator's embed settings of a region: accent colour, logo and the origins allowed to frame its pages.

All three are checked together; with any error nothing changes (`EmbedInputError` holds a message per field). A
change is audited like any region edit (`AuditEntry`, action "region_update"; the logo as its type and digest, never
its bytes) and, being an update of the region row, lands in the change log, so cached embedded pages and their headers
follow at once.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from ..auth import can
from ..editing import NotAllowed, _actor
from ..models import AuditEntry, Region, User
from .branding import BrandingError, check_logo, parse_colour
from .origins import parse_origins


class EmbedInputError(ValueError):
    def __init__(self, errors: dict[str, list]):
        super().__init__(", ".join(errors))
        self.errors = errors  # field -> [OriginError | BrandingError] (msgid and values, translated by the caller)


@dataclass
class EmbedInput:
    colour: str = ""
    origins: str = ""
    logo: bytes | None = None  # a newly uploaded file (None: keep the current one)
    remove_logo: bool = False


def snapshot(region: Region) -> dict:
    return {"embed_colour": region.embed_colour, "embed_origins": list(region.embed_origins or []),
            "embed_logo": f"{region.embed_logo_type} {region.embed_logo_hash}" if region.embed_logo_hash else None}


def update(session: Session, user, region: Region, data: EmbedInput, via: str = "web") -> AuditEntry | None:
    if not can(user, "edit_region", region):
        raise NotAllowed(f"{_actor(user)} may not change the embed settings of {region.code}")
    errors: dict[str, list] = {}
    colour = origins = logo = None
    try:
        colour = parse_colour(data.colour)
    except BrandingError as exc:
        errors["embed_colour"] = [exc]
    origins, origin_errors = parse_origins(data.origins)
    if origin_errors:
        errors["embed_origins"] = origin_errors
    if data.logo:
        try:
            logo = check_logo(data.logo)
        except BrandingError as exc:
            errors["embed_logo"] = [exc]
    if errors:
        raise EmbedInputError(errors)
    before = snapshot(region)
    region.embed_colour = colour
    region.embed_origins = origins
    if logo is not None:
        region.embed_logo, region.embed_logo_type, region.embed_logo_hash = logo.data, logo.content_type, logo.digest
    elif data.remove_logo:
        region.embed_logo = region.embed_logo_type = region.embed_logo_hash = None
    after = snapshot(region)
    changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if not changes:
        return None
    entry = AuditEntry(user_id=user.id if isinstance(user, User) else None, actor=_actor(user), via=via,
                       region_id=region.id, action="region_update", changes=changes)
    session.add(entry)
    session.flush()
    return entry
