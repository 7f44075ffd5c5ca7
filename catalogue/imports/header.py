"""Mapping a sheet's header row onto the column model of `catalogue.exports` (Dutch and English names and aliases)."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ..exports import COLUMNS, COLUMNS_BY_KEY
from ..exports.coverage_rows import COVERAGE_LABEL, MARKER_START
from .files import ImportFileError


def norm(text: str) -> str:
    text = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def _header_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for col in COLUMNS:
        for name in (col.key, col.key.replace("_", " "), col.label, *col.aliases):
            index.setdefault(norm(name), col.key)
    return index


HEADER_INDEX = _header_index()


@dataclass
class Mapping:
    columns: dict[int, str]  # position -> column key
    headers: dict[str, str]  # column key -> header as written in the file
    ignored: list[str]
    coverage: int | None = None  # position of the exports' "Dekking" column (read by nobody, marks unknown-offer rows)


def map_header(header: list[str]) -> Mapping:
    columns: dict[int, str] = {}
    headers: dict[str, str] = {}
    ignored: list[str] = []
    coverage = None
    for position, raw in enumerate(header):
        text = str(raw or "").strip()
        if not text:
            continue
        if norm(text) == norm(COVERAGE_LABEL):
            coverage = position  # export-only: not imported
            continue
        key = HEADER_INDEX.get(norm(text))
        if key is None:
            ignored.append(text)
            continue
        if key in headers:
            raise ImportFileError(f"De kolommen '{headers[key]}' en '{text}' betekenen allebei "
                                  f"'{COLUMNS_BY_KEY[key].label}'. Laat er één over.")
        columns[position] = key
        headers[key] = text
    return Mapping(columns, headers, ignored, coverage)


def coverage_marker(mapping: Mapping, cells: list) -> bool:
    """An export's "onbekend — nog niet ingevoerd" row for a gemeente: no instrument, so not imported."""
    if mapping.coverage is None or mapping.coverage >= len(cells):
        return False
    name_at = next((p for p, k in mapping.columns.items() if k == "name"), None)
    name = cells[name_at] if name_at is not None and name_at < len(cells) else None
    return not str(name or "").strip() and str(cells[mapping.coverage] or "").strip().startswith(MARKER_START)
