"""Benefit categories: what a group of instrument kinds does for the employer (money, trying out, coaching, workplace,
risk cover). The mapping from instrument kind to category is data: seed_data/wizard.yaml `benefits`."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import yaml

from ..config import SEED_DIR

WIZARD_FILE = SEED_DIR / "wizard.yaml"
OTHER_CATEGORY = "overig"


@dataclass(frozen=True)
class Benefit:
    """A benefit category: what a group of instrument kinds does for the employer."""

    code: str
    name: str
    name_en: str
    description: str
    description_en: str
    kinds: tuple[str, ...]

    def label(self, language: str) -> str:
        return self.name_en if language == "en" and self.name_en else self.name

    def explanation(self, language: str) -> str:
        return self.description_en if language == "en" and self.description_en else self.description


OTHER = Benefit(OTHER_CATEGORY, "Overige regelingen", "Other schemes",
                "Regelingen die niet in een van de groepen hierboven vallen.",
                "Schemes that do not fall under one of the groups above.", ())


def load_benefits(path: Path | str | None = None) -> tuple[Benefit, ...]:
    """The benefit categories in page order. Refuses a kind that is mapped twice or a category without kinds."""
    return _load(str(path or WIZARD_FILE))


@lru_cache(maxsize=4)
def _load(path: str) -> tuple[Benefit, ...]:
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    benefits, seen = [], {}
    for row in data.get("benefits") or []:
        kinds = tuple(row.get("kinds") or ())
        if not kinds:
            raise ValueError(f"{path}: benefit category '{row.get('code')}' has no kinds")
        for kind in kinds:
            if kind in seen:
                raise ValueError(f"{path}: kind '{kind}' is in both '{seen[kind]}' and '{row['code']}'")
            seen[kind] = row["code"]
        benefits.append(Benefit(row["code"], row["name"], row.get("name_en") or row["name"],
                                row.get("description") or "", row.get("description_en") or "", kinds))
    return tuple(benefits)


def benefit_for_kind(kind_code: str, benefits: Sequence[Benefit] | None = None) -> Benefit:
    for benefit in benefits or load_benefits():
        if kind_code in benefit.kinds:
            return benefit
    return OTHER
