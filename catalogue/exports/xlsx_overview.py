"""The readable first sheet of the XLSX export ("Overzicht"): one row per instrument with the columns a region hands
out, labels instead of codes, plain text (no HTML), contacts as "name, phone, e-mail, website", the example mark and
the coverage of the offer, with a legend; then a row per gemeente whose offer is unknown. The exchange sheets after it
stay lossless. The sheet starts with a title line, so the import never mistakes it for data."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Instrument, InstrumentKind, TaxonomyTerm
from ..parameters import applicant_text, decision_period_text, duration_text
from ..sanitize import readable_text
from .coverage_rows import ExportCoverage
from .handout import handout_amount
from .selection import ExportSpec

SHEET_TITLE = "Overzicht"
MAX_ROWS = 2000  # larger exports: the exchange sheets only (a readable list of thousands helps nobody)
# (header, width)
OVERVIEW_COLUMNS = (
    ("Instrument", 34), ("Aanbieder", 26), ("Soort", 22), ("Voor wie", 26), ("Uitkering of regeling", 22),
    ("Wat krijgt de werkgever", 30), ("Duur", 16), ("In het kort", 48), ("Voorwaarden", 48), ("Aanvragen", 40),
    ("Wie vraagt aan", 16), ("Beslistermijn", 14), ("Contact", 36), ("Meer informatie", 34), ("Geldig tot en met", 12),
    ("Voorbeeld", 10), ("Dekking", 20),
)
EXAMPLE_LEGEND = "Voorbeeld = ja: voorbeeldinhoud, geen echte regeling; niet als feit gebruiken."


def _names(session: Session) -> tuple[dict, dict]:
    kinds = {k.code: k.name for k in session.scalars(select(InstrumentKind))}
    terms = {(t.taxonomy, t.code): t.name for t in session.scalars(select(TaxonomyTerm))}
    return kinds, terms


def _contact_lines(contacts) -> str | None:
    lines = []
    for c in contacts or []:
        parts = [str(c.get(k)) for k in ("name", "phone", "email", "website") if c.get(k)]
        if parts:
            lines.append(", ".join(parts))
    return "\n".join(lines) or None


def _amounts_today(row, today: date):
    """An ExportRow's amount fields as they stand today: its dated values (records) override the base values."""
    from types import SimpleNamespace

    from ..models import DATED_PARAMETERS

    values = {p: getattr(row, p) for p in DATED_PARAMETERS}
    found: dict = {}
    for rec in getattr(row, "parameter_values", None) or ():
        start = date.fromisoformat(rec["valid_from"]) if rec.get("valid_from") else None
        end = date.fromisoformat(rec["valid_until"]) if rec.get("valid_until") else None
        found.setdefault(rec["parameter"], None)
        if (start is None or start <= today) and (end is None or today <= end) and rec.get("value") is not None:
            found[rec["parameter"]] = Decimal(rec["value"])
    values.update(found)
    return SimpleNamespace(amount_type=row.amount_type, amount_note=row.amount_note, **values)


def overview_row(item, kinds: dict, terms: dict, coverage: ExportCoverage | None, today: date | None = None) -> list:
    """One instrument (an ExportRow or an Instrument) as the readable row."""
    orm = isinstance(item, Instrument)
    kind = item.kind.code if orm else item.kind_code
    provider = item.provider.name if orm else item.provider_name

    def term_names(taxonomy: str) -> str | None:
        codes = [t.code for t in item.terms_of(taxonomy)] if orm else item.term_codes.get(taxonomy, [])
        return ", ".join(terms.get((taxonomy, c), c) for c in codes) or None

    link = item.source_url or item.regulation_url or next((ln.get("url") for ln in (item.links or []) if ln.get("url")),
                                                          None)
    return [
        item.name, provider, kinds.get(kind, kind), term_names("target_group") or "iedereen",
        term_names("scheme") or "alle", handout_amount(item if orm else _amounts_today(item, today or date.today())) or None,
        duration_text(item.duration_max, item.duration_unit) or None, readable_text(item.summary),
        readable_text(item.conditions), readable_text(item.how_to_apply), applicant_text(item.applicant) or None,
        decision_period_text(item.decision_period_weeks) or None, _contact_lines(item.contacts), link,
        item.valid_until, "ja" if item.example else None, coverage.label_for(item) if coverage is not None else None,
    ]


def write_overview_sheet(wb, session: Session, instruments: Sequence, spec: ExportSpec,
                         coverage: ExportCoverage | None, today: date | None = None) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    today = today or date.today()
    ws = wb.create_sheet(SHEET_TITLE)
    for i, (_, width) in enumerate(OVERVIEW_COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    wrap = Alignment(vertical="top", wrap_text=True)
    bold = Font(bold=True)

    def line(text, font=None):
        cell = WriteOnlyCell(ws, value=text)
        if font is not None:
            cell.font = font
        ws.append([cell])

    line(f"Instrumenten voor werkgevers – {spec.title}", Font(bold=True, size=14))
    line(f"Stand: {today.isoformat()}. Leesbaar overzicht, één rij per instrument. De bladen hierna bevatten alle "
         "velden met codes, voor uitwisseling en import.")
    line(EXAMPLE_LEGEND)
    if coverage is not None and coverage.markers:
        line(f"Dekking: van {len(coverage.markers)} gemeenten of regio's is het aanbod niet compleet verklaard; zij staan "
             "onderaan als 'onbekend — nog niet ingevoerd'. Wat daar ontbreekt, kan er toch zijn. " + coverage.ask)
    if len(instruments) > MAX_ROWS:
        line(f"Deze export heeft {len(instruments)} instrumenten: te veel voor een leesbaar overzicht. Gebruik de "
             "bladen hierna, of exporteer één regio of gemeente.", bold)
        return
    ws.append([])
    header_font, header_fill = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="1F4E79")
    header = []
    for label, _ in OVERVIEW_COLUMNS:
        cell = WriteOnlyCell(ws, value=label)
        cell.font, cell.fill, cell.alignment = header_font, header_fill, wrap
        header.append(cell)
    ws.append(header)
    kinds, terms = _names(session)
    for item in instruments:
        cells = []
        for value in overview_row(item, kinds, terms, coverage, today):
            cell = WriteOnlyCell(ws, value=value)
            cell.alignment = wrap
            cells.append(cell)
        ws.append(cells)
    for marker in (coverage.markers if coverage is not None else []):
        row = [None] * len(OVERVIEW_COLUMNS)
        row[0], row[1], row[-1] = "onbekend — nog niet ingevoerd", marker.name, marker.text
        ws.append(row)
