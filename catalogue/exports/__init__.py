"""Exports of instruments: CSV, XLSX, JSON and PDF (arrangementenkaart, one-page A4 overview). No Flask.

One column model (`COLUMNS`) is shared by CSV, XLSX, the JSON parameters and the spreadsheet import (`catalogue.imports`),
so an export can be imported again without losing anything. Every structured parameter has its own column; lists of codes
are separated by ';'.

Public exports contain public instruments and public fields only. `internal=True` (for people who may read them) adds the
publication fields (status, publish_from, publish_to) and internal notes; `include_drafts=True` (command line only) also
exports drafts, for a lossless copy of the whole catalogue.
"""
from __future__ import annotations

import io
from typing import Sequence

from sqlalchemy.orm import Session

from ..models import Instrument
from .arrangementenkaart import render_arrangementenkaart, target_group_sections
from .columns import (
    COLUMNS,
    COLUMNS_BY_KEY,
    CONTACT_KEYS,
    EXAMPLE_LABEL,
    FIELD_SEPARATOR,
    FORMULA_START,
    DATED_KEYS,
    LINK_KEYS,
    LIST_SEPARATOR,
    STRUCTURED_PARAMETERS,
    TERM_COLUMNS,
    TRANSLATED,
    Column,
    columns,
)
from .coverage_rows import COVERAGE_LABEL, ExportCoverage, export_coverage
from .csvfile import write_csv
from .jsondoc import json_document, write_json
from .overview_a4 import render_overview_a4
from .pdf import write_pdf
from .selection import (
    PROVIDER_TYPE_ORDER,
    ExportRow,
    ExportSpec,
    count_instruments,
    load_rows,
    select_instruments,
    spec_for_municipality,
    spec_for_region,
)
from .template import allowed_values, template_csv, template_xlsx
from .values import ProgressCallback, cell_text, provider_reference, provider_reference_of, record
from .xlsx import write_xlsx

FORMATS = ("csv", "xlsx", "json", "pdf")
MIME_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
    "pdf": "application/pdf",
}


def export(session: Session, spec: ExportSpec, fmt: str, out, a4: bool = False,
           progress: ProgressCallback | None = None, instruments: Sequence[Instrument] | None = None) -> int:
    """Writes the export in `fmt` to `out` (a binary file object). Returns the number of instruments."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    if instruments is None:
        instruments = items_for(session, spec, fmt)
    coverage = export_coverage(session, spec) if fmt != "pdf" else None  # the PDFs compute their own
    if fmt == "xlsx":
        return write_xlsx(instruments, out, spec, progress, coverage, session)
    if fmt == "pdf":
        n = write_pdf(session, instruments, spec, out, a4=a4)
        if progress:
            progress(n)
        return n
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    try:
        if fmt == "csv":
            text.write("\ufeff")  # so Excel reads UTF-8
            return write_csv(instruments, text, spec, progress, coverage)
        return write_json(instruments, text, spec, progress, coverage)
    finally:
        text.flush()
        text.detach()


def items_for(session: Session, spec: ExportSpec, fmt: str) -> list:
    """What `export` writes: light rows for the spreadsheets (CSV, XLSX), full instruments for JSON and PDF."""
    return load_rows(session, spec) if fmt in ("csv", "xlsx") else select_instruments(session, spec)


def to_bytes(session: Session, spec: ExportSpec, fmt: str, a4: bool = False, **kwargs) -> bytes:
    buffer = io.BytesIO()
    export(session, spec, fmt, buffer, a4=a4, **kwargs)
    return buffer.getvalue()


def filename(spec: ExportSpec, fmt: str, a4: bool = False) -> str:
    suffix = "-overzicht-a4" if a4 and fmt == "pdf" else ("-arrangementenkaart" if fmt == "pdf" else "")
    return f"{spec.basename}{suffix}.{fmt}"


__all__ = [
    "COLUMNS", "COLUMNS_BY_KEY", "CONTACT_KEYS", "COVERAGE_LABEL", "Column", "DATED_KEYS", "EXAMPLE_LABEL", "ExportCoverage",
    "ExportRow", "ExportSpec", "FIELD_SEPARATOR", "FORMATS", "FORMULA_START", "LINK_KEYS", "LIST_SEPARATOR", "MIME_TYPES",
    "PROVIDER_TYPE_ORDER", "ProgressCallback", "export_coverage",
    "STRUCTURED_PARAMETERS", "TERM_COLUMNS", "TRANSLATED", "allowed_values", "cell_text", "columns", "export",
    "count_instruments", "filename", "items_for", "json_document", "load_rows", "provider_reference", "provider_reference_of", "record",
    "render_arrangementenkaart", "render_overview_a4", "select_instruments", "spec_for_municipality", "spec_for_region",
    "target_group_sections", "template_csv", "template_xlsx", "to_bytes", "write_csv", "write_json", "write_pdf",
    "write_xlsx",
]
