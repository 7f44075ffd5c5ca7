"""Turning one cell into the Python value of its column (dates, ja/nee, numbers, lists, contacts, links)."""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from ..exports import CONTACT_KEYS, DATED_KEYS, FORMULA_START, LINK_KEYS, Column
from .files import CellError, Formula


class CellProblem(ValueError):
    pass


_TRUE = {"ja", "j", "yes", "y", "true", "waar", "1", "x", "wel"}
_FALSE = {"nee", "n", "no", "false", "onwaar", "0", "niet"}
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date() if value.time() == datetime.min.time() else value
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).replace("\r\n", "\n").strip()
    if text[:1] == "'" and text[1:2] in FORMULA_START:
        text = text[1:]  # the export's protection against formulas
    return text or None


def parse_cell(col: Column, value):
    """A cell value -> the column's Python value (None when empty). Raises CellProblem with a Dutch message."""
    if isinstance(value, Formula):
        raise CellProblem(f"formules zijn niet toegestaan ('{str(value)[:40]}'); vul de waarde zelf in")
    if isinstance(value, CellError):
        raise CellProblem(f"de cel bevat een foutwaarde ({value})")
    if isinstance(value, str) and value.strip().startswith("="):
        raise CellProblem(f"formules zijn niet toegestaan ('{value.strip()[:40]}'); vul de waarde zelf in")
    if col.type == "date":
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        text = _text(value)
        if text is None:
            return None
        if not _DATE_RE.match(text):
            raise CellProblem(f"'{text[:40]}' is geen datum in de vorm JJJJ-MM-DD (bijvoorbeeld 2025-03-31)")
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise CellProblem(f"'{text}' is geen bestaande datum") from None
    if col.type == "bool":
        if isinstance(value, bool):
            return value
        text = _text(value)
        if text is None:
            return False
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise CellProblem(f"'{text[:40]}' is geen ja of nee")
    if col.type == "int":
        if isinstance(value, bool):
            raise CellProblem("verwacht een geheel getal")
        if isinstance(value, int):
            return value
        if isinstance(value, float):
            if value.is_integer():
                return int(value)
            raise CellProblem(f"'{value}' is geen geheel getal")
        text = _text(value)
        if text is None:
            return None
        if re.fullmatch(r"\d+", text):
            return int(text)
        raise CellProblem(f"'{text[:40]}' is geen geheel getal")
    if col.type == "decimal":
        if isinstance(value, bool):
            raise CellProblem("verwacht een getal")
        if isinstance(value, (int, float, Decimal)):
            return Decimal(str(value))
        text = _text(value)
        if text is None:
            return None
        cleaned = text.replace("€", "").replace("%", "").replace(" ", "").replace("\u00a0", "")
        if "," in cleaned and "." in cleaned:
            cleaned = cleaned.replace(".", "").replace(",", ".") if cleaned.rfind(",") > cleaned.rfind(".") \
                else cleaned.replace(",", "")
        elif "," in cleaned:
            cleaned = cleaned.replace(",", ".")
        try:
            number = Decimal(cleaned)
        except InvalidOperation:
            raise CellProblem(f"'{text[:40]}' is geen getal") from None
        if not number.is_finite():
            raise CellProblem(f"'{text[:40]}' is geen getal")
        return number
    text = _text(value)
    if col.type in ("codes", "regions", "municipalities"):
        if text is None:
            return []
        return [part.strip() for part in re.split(r"[;\n]", text) if part.strip()]
    if col.type == "contacts":
        return _parse_lines(text, CONTACT_KEYS, "contact")
    if col.type == "links":
        return _parse_lines(text, LINK_KEYS, "link")
    if col.type == "dated":  # empty: leave the dated values as they are (the key is dropped by the caller)
        values = _parse_lines(text, DATED_KEYS, "gedateerde waarde")
        for item in values:
            number = item.get("value") or ""
            if "," in number and "." not in number:
                item["value"] = number.replace(",", ".")
        return values or None
    return text


def _parse_lines(text: str | None, keys: tuple[str, ...], what: str) -> list[dict]:
    out = []
    for line in (text or "").split("\n"):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) > len(keys):
            raise CellProblem(f"een {what} heeft hoogstens {len(keys)} delen, gescheiden door '|': '{line[:60]}'")
        out.append({k: (parts[i] if i < len(parts) and parts[i] else None) for i, k in enumerate(keys)})
    return out
