"""Comparable parameters read from Dennis's free text, as proposals for an editor. No Flask.

Dennis keeps duration, amounts and decision periods only as HTML text. Only what can be read with confidence is proposed:
a duration with an explicit maximum ("maximaal 3 maanden", "ten hoogste 26 weken"), one euro amount with its unit
("€ 2.500 eenmalig", "€ 450 per maand", "maximaal € 5.000"), a percentage of the minimum wage ("70% van het WML") and a
decision period ("binnen 8 weken een besluit"). A text that names two different values for the same parameter gives no
proposal (which one would be meant?). Proposals are never applied here; see `catalogue.imports.proposals`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from ...sanitize import plain_text

_NUMBER_WORDS = {"een": 1, "één": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6, "zeven": 7, "acht": 8,
                 "negen": 9, "tien": 10, "elf": 11, "twaalf": 12, "achttien": 18, "vierentwintig": 24}
_UNITS = {"dag": "dag", "dagen": "dag", "week": "week", "weken": "week", "maand": "maand", "maanden": "maand",
          "jaar": "jaar", "jaren": "jaar"}
_COUNT = r"(\d{1,3}|" + "|".join(_NUMBER_WORDS) + r")"
_DURATION = re.compile(
    r"\b(?:maximaal|max\.?|maximum van|ten hoogste|hooguit|hoogstens|uiterlijk|tot een maximum van|duurt|duur van|"
    r"gedurende maximaal|voor maximaal|voor de duur van maximaal)\s+" + _COUNT + r"\s+(dagen|dag|weken|week|maanden|maand|"
    r"jaren|jaar)\b", re.I)
_EURO = r"(?:€|eur\b|euro\b)\s?(\d{1,3}(?:[.\s]\d{3})+|\d+)(?:,(\d{2}|-{1,2}))?"
_AMOUNT_PER_MONTH = re.compile(_EURO + r"\s*(?:bruto\s+)?per\s+maand\b", re.I)
_AMOUNT_ONCE = re.compile(r"\b(?:eenmalige?|een premie van|een bedrag van|een vergoeding van|een bijdrage van)\s+"
                          r"(?:\w+\s+){0,2}?" + _EURO, re.I)
_AMOUNT_MAX = re.compile(r"\b(?:maximaal|ten hoogste|tot maximaal|hooguit|tot een maximum van)\s+" + _EURO +
                         r"(?!\s*(?:bruto\s+)?per\b)", re.I)
_PERCENT_WML = re.compile(r"\b(\d{1,3})\s?%\s+van\s+het\s+(?:wettelijk\s+)?(?:minimumloon|wml)\b", re.I)
_DECISION = re.compile(r"\bbinnen\s+" + _COUNT + r"\s+(weken|week)\s+(?:\w+\s+){0,4}?(?:besluit|beslissing|beslist|"
                       r"bericht)\b", re.I)
_ANY_EURO = re.compile(_EURO, re.I)


@dataclass
class Proposal:
    values: dict  # {field: value} in the input schema's shape, to be applied together
    excerpt: str  # the sentence it was read from
    field_name: str  # the instrument text it was in: conditions, description, how_to_apply, summary


def _count(text: str) -> int:
    return int(text) if text.isdigit() else _NUMBER_WORDS[text.lower()]


def _euro(whole: str, cents: str | None) -> Decimal | None:
    try:
        value = Decimal(re.sub(r"[.\s]", "", whole))
    except InvalidOperation:
        return None
    if cents and cents.isdigit():
        value += Decimal(cents) / 100
    return value.quantize(Decimal("0.01"))


def _excerpt(text: str, match: re.Match) -> str:
    start = max(text.rfind(".", 0, match.start()) + 1, match.start() - 160)
    end = text.find(".", match.end())
    end = min(end + 1 if end != -1 else len(text), match.end() + 160)
    return text[start:end].strip()


def _one(matches: list[tuple[object, str, re.Match]]):
    """The single distinct value found (with its text and match), or None when none or several."""
    values = {m[0] for m in matches}
    return matches[0] if len(values) == 1 else None


def extract(texts: dict[str, str | None]) -> list[Proposal]:
    """Proposals from the instrument's texts ({field name: HTML or text}), at most one per parameter."""
    found: dict[str, list[tuple[object, str, re.Match]]] = {"duration": [], "monthly": [], "once": [], "max": [],
                                                             "wml": [], "decision": [], "euro": []}
    for name, raw in texts.items():
        text = plain_text(raw) or ""
        if not text:
            continue
        for m in _DURATION.finditer(text):
            found["duration"].append(((_count(m.group(1)), _UNITS[m.group(2).lower()]), name, m, text))
        for m in _AMOUNT_PER_MONTH.finditer(text):
            found["monthly"].append((_euro(m.group(1), m.group(2)), name, m, text))
        for m in _AMOUNT_ONCE.finditer(text):
            found["once"].append((_euro(m.group(1), m.group(2)), name, m, text))
        for m in _AMOUNT_MAX.finditer(text):
            found["max"].append((_euro(m.group(1), m.group(2)), name, m, text))
        for m in _PERCENT_WML.finditer(text):
            found["wml"].append((Decimal(m.group(1)), name, m, text))
        for m in _DECISION.finditer(text):
            found["decision"].append((_count(m.group(1)), name, m, text))
        for m in _ANY_EURO.finditer(text):
            found["euro"].append((_euro(m.group(1), m.group(2)), name, m, text))

    out: list[Proposal] = []

    def propose(key, make):
        hit = _one([(v, n, m) for v, n, m, _t in found[key] if v is not None])
        if hit is None:
            return
        text = next(t for v, n, m, t in found[key] if m is hit[2])
        values = make(hit[0])
        if values:
            out.append(Proposal(values=values, excerpt=_excerpt(text, hit[2]), field_name=hit[1]))

    def duration(value):
        count, unit = value
        return {"duration_max": count, "duration_unit": unit} if 1 <= count <= 600 else None

    propose("duration", duration)
    euros = {v for v, *_ in found["euro"] if v is not None}
    if len(euros) == 1:  # one amount in all of the text: its unit decides what it is
        if found["monthly"]:
            propose("monthly", lambda v: {"amount_type": "per_maand", "amount_value": str(v)})
        elif found["once"]:
            propose("once", lambda v: {"amount_type": "vast", "amount_value": str(v)})
        elif found["max"]:
            propose("max", lambda v: {"amount_max_total": str(v)})
    elif not euros and found["wml"]:
        propose("wml", lambda v: {"amount_type": "percentage_wml", "amount_value": str(v)} if v <= 100 else None)
    propose("decision", lambda v: {"decision_period_weeks": v} if 0 <= v <= 104 else None)
    return out
