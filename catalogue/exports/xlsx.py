"""XLSX export (openpyxl, write-only: streamed, little memory)."""
from __future__ import annotations

import re
from collections import OrderedDict
from typing import Callable, Sequence

from sqlalchemy.orm import Session

from ..models import Instrument
from .columns import FORMULA_START, LIST_SEPARATOR, TERM_COLUMNS, Column, columns
from .coverage_rows import COVERAGE_LABEL, ExportCoverage
from .selection import PROVIDER_TYPE_ORDER, ExportRow, ExportSpec
from .values import ProgressCallback, _notes_allowed, cell_text, provider_reference_of, record
from .xlsx_overview import write_overview_sheet

SHEET_NAMES = {"gemeente": "Gemeenten", "regio": "Regio (WSP)", "uwv": "UWV", "belastingdienst": "Belastingdienst",
               "landelijk": "Landelijk overig"}
_ILLEGAL_XML = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


_NATIVE = ("int", "decimal", "date")  # written as numbers and dates


def _xlsx_value(col: Column, value):
    if value is None or value is False:
        return None  # an empty ja/nee cell is "nee" (and the import reads it so): fewer cells, faster files
    if col.type in ("int", "decimal") and not isinstance(value, bool):
        return value
    if col.type == "date":
        return value  # a real date; openpyxl gives it a yyyy-mm-dd format
    text = cell_text(col, value)
    return _ILLEGAL_XML.sub("", text) if _ILLEGAL_XML.search(text) else text


def _xlsx_getter(col: Column) -> Callable[[ExportRow], object]:
    """A fast ExportRow -> XLSX cell value function for one column (20,000 rows × 50 columns add up)."""
    key = col.key

    def text(value):
        if value is None or value is False:
            return None
        if value is True:
            return "ja"
        value = str(value)
        if value[:1] in FORMULA_START:
            value = "'" + value
        return _ILLEGAL_XML.sub("", value) if _ILLEGAL_XML.search(value) else value

    if col.type in _NATIVE:
        return lambda row: getattr(row, key)
    if col.type == "bool":
        return lambda row: "ja" if getattr(row, key) else None
    if col.type == "kind":
        return lambda row: row.kind_code
    if col.type == "provider":
        return lambda row: text(provider_reference_of(row))
    if col.type == "regions":
        return lambda row: LIST_SEPARATOR.join(row.region_codes) or None
    if col.type == "municipalities":
        return lambda row: text(LIST_SEPARATOR.join(row.municipality_names) or None)
    if col.type == "codes":
        taxonomy = TERM_COLUMNS[key]
        return lambda row: LIST_SEPARATOR.join(row.term_codes.get(taxonomy, ())) or None
    if col.type in ("contacts", "links", "dated", "translation"):
        return lambda row: text(record(row, (col,))[key])
    return lambda row: text(getattr(row, key))


def write_xlsx(instruments: Sequence, out, spec: ExportSpec, progress: ProgressCallback | None = None,
               coverage: ExportCoverage | None = None, session: Session | None = None) -> int:
    """A readable overview sheet first (with a session), then one exchange sheet per provider type: frozen header row,
    autofilter, column widths, clickable links, and with `coverage` a last "Dekking" column and marker rows."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    cols = columns(spec.internal)
    link_cols = {i for i, c in enumerate(cols) if c.key in ("source_url", "regulation_url")}
    groups: OrderedDict[str, list] = OrderedDict()
    for instrument in instruments:
        ptype = instrument.provider.type if isinstance(instrument, Instrument) else instrument.provider_type
        groups.setdefault(ptype, []).append(instrument)
    if not groups:
        groups["gemeente"] = []
    getters = [_xlsx_getter(c) for c in cols]
    internal_indexes = [i for i, c in enumerate(cols) if c.group != "public"]
    wb = Workbook(write_only=True)
    if session is not None:
        write_overview_sheet(wb, session, instruments, spec, coverage)
    markers = coverage.markers if coverage is not None else []
    if markers and "gemeente" not in groups:
        groups["gemeente"] = []
    provider_at = next(i for i, c in enumerate(cols) if c.key == "provider")
    header_font, header_fill = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="1F4E79")
    link_font = Font(color="0563C1", underline="single")
    wrap = Alignment(vertical="top", wrap_text=True)
    last = get_column_letter(len(cols))
    n = 0
    for ptype in sorted(groups, key=lambda t: PROVIDER_TYPE_ORDER.index(t) if t in PROVIDER_TYPE_ORDER else 99):
        items = groups[ptype]
        ws = wb.create_sheet(SHEET_NAMES.get(ptype, ptype)[:31])
        for i, col in enumerate(cols, start=1):
            ws.column_dimensions[get_column_letter(i)].width = col.width
        ws.freeze_panes = "C2"
        ws.auto_filter.ref = f"A1:{last}{len(items) + 1}"
        header = []
        for label in [c.label for c in cols] + ([COVERAGE_LABEL] if coverage is not None else []):
            cell = WriteOnlyCell(ws, value=label)
            cell.font, cell.fill, cell.alignment = header_font, header_fill, wrap
            header.append(cell)
        ws.append(header)
        for instrument in items:
            if isinstance(instrument, ExportRow):
                row = [get(instrument) for get in getters]
                if internal_indexes and not _notes_allowed(spec, instrument):
                    for i in internal_indexes:
                        row[i] = None
            else:
                rec = record(instrument, cols, _notes_allowed(spec, instrument))
                row = [None if (v := rec[c.key]) is None or v is False else
                       (v if c.type in _NATIVE else _xlsx_value(c, v)) for c in cols]
            for i in link_cols:
                url = row[i]
                if url and url.startswith(("http://", "https://")):
                    cell = WriteOnlyCell(ws, value=url)
                    cell.hyperlink = url
                    cell.font = link_font
                    row[i] = cell
            if coverage is not None:
                row.append(coverage.label_for(instrument))
            ws.append(row)
            n += 1
            if progress:
                progress(1)
        if ptype == "gemeente":
            for marker in markers:
                row = [None] * len(cols)
                row[provider_at] = marker.provider
                ws.append(row + [marker.text])
    wb.save(out)
    return n
