"""What combines for the same employee: rules as data with their source (seed_data/combinations.yaml), checked against a
selection of instruments, and the deadlines they set from a start date. No Flask."""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import yaml

from .config import SEED_DIR

COMBINATIONS_FILE = SEED_DIR / "combinations.yaml"
TYPES = ("excludes", "highest", "requires")


@dataclass(frozen=True)
class Rule:
    code: str
    type: str
    kinds: tuple[str, ...]
    message: str
    message_en: str
    source_title: str
    source_url: str
    requirement: str | None = None
    deadline_months: int | None = None

    def text(self, language: str) -> str:
        return self.message_en if language == "en" else self.message


@dataclass
class Warning:
    rule: Rule
    instruments: list  # the selected instruments the rule is about


@dataclass
class Deadline:
    rule: Rule
    instrument: object
    due: date  # the last day


def load_rules(path: Path | str | None = None) -> tuple[Rule, ...]:
    return _load(str(path or COMBINATIONS_FILE))


@lru_cache(maxsize=4)
def _load(path: str) -> tuple[Rule, ...]:
    with open(path, encoding="utf-8") as fh:
        rows = (yaml.safe_load(fh) or {}).get("rules") or []
    rules = []
    for row in rows:
        if row.get("type") not in TYPES or not row.get("kinds") or not row.get("source_url"):
            raise ValueError(f"{path}: rule '{row.get('code')}' needs a type ({', '.join(TYPES)}), kinds and source_url")
        rules.append(Rule(row["code"], row["type"], tuple(row["kinds"]), " ".join(str(row["message"]).split()),
                          " ".join(str(row.get("message_en") or row["message"]).split()), row.get("source_title") or "",
                          row["source_url"], row.get("requirement"), row.get("deadline_months")))
    return tuple(rules)


def check(instruments: Sequence, rules: Sequence[Rule] | None = None) -> list[Warning]:
    """The rules this selection breaks or touches: two excluding kinds both selected; several of a 'highest' kind;
    an instrument that needs a document within a deadline (always said, so the deadline is not missed)."""
    out = []
    for rule in rules or load_rules():
        chosen = [i for i in instruments if i.kind.code in rule.kinds]
        if rule.type == "excludes" and len({i.kind.code for i in chosen}) >= 2:
            out.append(Warning(rule, chosen))
        elif rule.type == "highest" and len(chosen) >= 2:
            out.append(Warning(rule, chosen))
        elif rule.type == "requires" and chosen:
            out.append(Warning(rule, chosen))
    return out


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def deadlines(instruments: Sequence, start: date, rules: Sequence[Rule] | None = None) -> list[Deadline]:
    """Deadlines computed from the first working day: 'within N months after the start' ends the day before the same
    date N months later (start 15 January, 3 months: the last day is 14 April)."""
    out = []
    for rule in rules or load_rules():
        if rule.type != "requires" or not rule.deadline_months:
            continue
        for item in instruments:
            if item.kind.code in rule.kinds:
                out.append(Deadline(rule, item, add_months(start, rule.deadline_months) - timedelta(days=1)))
    return sorted(out, key=lambda d: d.due)
