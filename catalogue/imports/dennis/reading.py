"""Reading a Dennis export (`dennis:export-instruments`: a JSON array of instruments) and refusing what is not one:
too large, not UTF-8, truncated or invalid JSON, another JSON document, instruments without uuid or name, duplicate
uuids. Messages are Dutch and name the instrument (position, name, uuid) and the field."""
from __future__ import annotations

import json

MAX_BYTES = 50 * 1024 * 1024
MAX_INSTRUMENTS = 20_000
# At most this many in a web request (preview or confirmation), which must finish within 10 s; larger files run as a
# background job. Measured with bench/dennis_bench.py: 300 in 2.8 s (dry run) and 4.1 s (import) on a loaded 2-core
# machine.
WEB_MAX_INSTRUMENTS = 300
# keys every instrument of the export has (InstrumentResource::toArray); an array of objects without them is not one
SIGNATURE = ("uuid", "name", "organisation", "available_regions", "available_townships", "tiles", "target_groups")


class DennisFileError(ValueError):
    """The file as a whole cannot be imported; the message says why (in Dutch)."""


def describe(position: int, item) -> str:
    """'Instrument 12 'Proefplaatsing' (uuid 5f0c…)' for messages; position counts from 1."""
    text = f"Instrument {position}"
    if isinstance(item, dict):
        if isinstance(item.get("name"), str) and item["name"].strip():
            text += f" '{item['name'].strip()[:80]}'"
        if isinstance(item.get("uuid"), str) and item["uuid"].strip():
            text += f" (uuid {item['uuid'].strip()})"
    return text


def read_export(data: bytes) -> list[dict]:
    if not data or not data.strip():
        raise DennisFileError("Het bestand is leeg.")
    if len(data) > MAX_BYTES:
        raise DennisFileError(f"Het bestand is te groot ({len(data) / 1024 / 1024:.1f} MB); de grens is "
                              f"{MAX_BYTES // 1024 // 1024} MB. Exporteer per regio (dennis:export-instruments) en "
                              "importeer de delen na elkaar.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DennisFileError("Dit bestand is geen UTF-8-tekst en dus geen Dennis-export (die is JSON).") from exc
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.pos >= len(text.rstrip()) - 1 or exc.msg.startswith("Unterminated string"):  # the file stops early
            raise DennisFileError(f"Het bestand houdt halverwege op (onvolledige JSON, regel {exc.lineno}): is het "
                                  "helemaal gedownload of gekopieerd? Er is niets opgeslagen.") from exc
        raise DennisFileError(f"Dit is geen geldige JSON (regel {exc.lineno}, kolom {exc.colno}: {exc.msg}).") from exc
    if isinstance(doc, dict):
        if "instruments" in doc and "columns" in doc:
            raise DennisFileError("Dit is een JSON-export van de instrumentengids zelf, geen Dennis-export. Gebruik "
                                  "daarvoor de spreadsheet-import (CSV of XLSX).")
        raise DennisFileError("Dit is geen Dennis-export: die is een lijst (JSON-array) van instrumenten, dit is één "
                              "object.")
    if not isinstance(doc, list):
        raise DennisFileError("Dit is geen Dennis-export: verwacht een lijst (JSON-array) van instrumenten.")
    if not doc:
        raise DennisFileError("De export bevat geen instrumenten.")
    if len(doc) > MAX_INSTRUMENTS:
        raise DennisFileError(f"De export bevat {len(doc):,} instrumenten; de grens is {MAX_INSTRUMENTS:,}. Exporteer "
                              "per regio.".replace(",", "."))
    if not any(isinstance(item, dict) and sum(k in item for k in SIGNATURE) >= 4 for item in doc[:50]):
        raise DennisFileError("Dit is geen Dennis-export: de objecten hebben niet de velden van een Dennis-instrument "
                              "(uuid, name, organisation, available_regions, tiles, target_groups, ...).")
    seen: dict[str, int] = {}
    for position, item in enumerate(doc, start=1):
        if not isinstance(item, dict):
            raise DennisFileError(f"Instrument {position}: geen object maar {type(item).__name__}.")
        uuid = item.get("uuid")
        if not isinstance(uuid, str) or not uuid.strip():
            raise DennisFileError(f"{describe(position, item)}, veld 'uuid': ontbreekt; zonder uuid kan een volgende "
                                  "import het instrument niet terugvinden.")
        if len(uuid.strip()) > 120:
            raise DennisFileError(f"{describe(position, item)}, veld 'uuid': langer dan 120 tekens.")
        key = uuid.strip().lower()
        if key in seen:
            first = seen[key]
            raise DennisFileError(f"{describe(position, item)}, veld 'uuid': dezelfde uuid als "
                                  f"{describe(first, doc[first - 1])}. Elke uuid mag één keer voorkomen.")
        seen[key] = position
    return doc
