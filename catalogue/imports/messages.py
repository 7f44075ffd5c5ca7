"""Row error messages in Dutch, naming the row and the column as headed in the file, and marshmallow's messages translated:
"Rij 7, kolom 'Soort': onbekende soort 'loonsubsidie'"."""
from __future__ import annotations

import re

from ..exports import COLUMNS_BY_KEY
from .result import RowResult


_MESSAGES = (
    (re.compile(r"^Missing data for required field\.$"), lambda m: "verplicht; vul dit in"),
    (re.compile(r"^Field may not be null\.$"), lambda m: "verplicht; vul dit in"),
    (re.compile(r"^Shorter than minimum length (\d+)\.$"), lambda m: f"te kort (minstens {m.group(1)} tekens)"),
    (re.compile(r"^Longer than maximum length (\d+)\.$"), lambda m: f"te lang (hoogstens {m.group(1)} tekens)"),
    (re.compile(r"^Length must be between (\d+) and (\d+)\.$"),
     lambda m: f"lengte moet tussen {m.group(1)} en {m.group(2)} liggen"),
    (re.compile(r"^Must be greater than or equal to (\S+) and less than or equal to (\S+)\.$"),
     lambda m: f"moet tussen {m.group(1)} en {m.group(2)} liggen"),
    (re.compile(r"^Must be one of: (.*)\.$"), lambda m: f"kies uit: {m.group(1)}"),
    (re.compile(r"^Not a valid email address\.$"), lambda m: "geen geldig e-mailadres"),
    (re.compile(r"^Not a valid (.*)\.$"), lambda m: "ongeldige waarde"),
    (re.compile(r"^Onbekende code '(.*)'\.$"), lambda m: f"onbekende code '{m.group(1)}'"),
)


def dutch(message: str) -> str:
    for pattern, make in _MESSAGES:
        match = pattern.match(message)
        if match:
            return make(match)
    return message.rstrip(".")


def flatten(messages, top: str | None = None) -> list[tuple[str | None, str]]:
    """marshmallow messages (nested for contacts, links, translations) -> [(top-level field, message)]."""
    if isinstance(messages, str):
        return [(top, messages)]
    if isinstance(messages, (list, tuple)):
        return [pair for m in messages for pair in flatten(m, top)]
    if isinstance(messages, dict):
        return [pair for key, value in messages.items() for pair in flatten(value, top if top is not None else str(key))]
    return [(top, str(messages))]


class RowReport:
    def __init__(self, result: RowResult, headers: dict[str, str], sheet_count: int):
        self.result = result
        self.headers = headers
        self.prefix = f"Rij {result.row}" + (f" (blad '{result.sheet}')" if sheet_count > 1 and result.sheet else "")

    def column_name(self, key: str) -> str:
        if key in self.headers:
            return self.headers[key]
        if key.startswith("translations"):
            return self.headers.get("name_en", "Engelse vertaling")
        col = COLUMNS_BY_KEY.get(key)
        return col.label if col else key

    def error(self, key: str | None, message: str) -> None:
        if key and key != "_schema":
            self.result.errors.append(f"{self.prefix}, kolom '{self.column_name(key)}': {message}")
        else:
            self.result.errors.append(f"{self.prefix}: {message}")
        self.result.action = "error"


def schema_errors(r: RowReport, messages) -> None:
    for key, message in flatten(messages):
        r.error(key, dutch(message))
