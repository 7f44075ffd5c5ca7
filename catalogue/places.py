"""Finding a gemeente from what someone typed: CBS code, name, the name without accents or punctuation, or an everyday
name from seed_data/gemeente_aliases.yaml ("Den Haag"). No Flask."""
from __future__ import annotations

from functools import lru_cache

import yaml
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from .config import SEED_DIR
from .models import Municipality
from .slugs import slugify

ALIASES_FILE = SEED_DIR / "gemeente_aliases.yaml"
MAX_INPUT = 80


@lru_cache(maxsize=1)
def aliases() -> dict[str, str]:
    """slug of an everyday name -> CBS code."""
    with ALIASES_FILE.open(encoding="utf-8") as fh:
        return {slugify(str(name)): str(code).upper() for name, code in (yaml.safe_load(fh) or {}).items()}


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())[:MAX_INPUT]


def exact_municipality(session: Session, text: str | None) -> Municipality | None:
    """The gemeente this text names exactly (code, name in any case, accent- and punctuation-free name, or alias)."""
    text = _clean(text)
    if not text:
        return None
    slug = slugify(text)
    conditions = [Municipality.code == text.upper(), func.lower(Municipality.name) == text.lower(), Municipality.slug == slug]
    if slug in aliases():
        conditions.append(Municipality.code == aliases()[slug])
    return session.scalar(select(Municipality).where(or_(*conditions))
                          .order_by(Municipality.valid_until.is_not(None), Municipality.name).limit(1))


def find_municipality(session: Session, text: str | None, limit: int = 20) -> tuple[Municipality | None, list[Municipality]]:
    """(the gemeente, []) when the text names one, or only one contains it; otherwise (None, the candidates)."""
    match = exact_municipality(session, text)
    if match is not None:
        return match, []
    text, slug = _clean(text), slugify(_clean(text))
    if not slug:
        return None, []
    pattern = "%" + text.lower().replace("\\", "").replace("%", "").replace("_", "") + "%"
    candidates = list(session.scalars(
        select(Municipality).where(or_(func.lower(Municipality.name).like(pattern), Municipality.slug.like(f"%{slug}%")))
        .order_by(Municipality.name).limit(limit)
    ))
    if len(candidates) == 1:
        return candidates[0], []
    return None, candidates
