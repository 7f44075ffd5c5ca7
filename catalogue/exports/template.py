"""The import template (CSV, and XLSX with a sheet explaining every column and its allowed values)."""
from __future__ import annotations

import csv
import io

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import InstrumentKind, Provider, TaxonomyTerm
from .columns import TERM_COLUMNS, columns


def template_csv() -> bytes:
    """The import template: the header row of the import columns (publication fields included, notes too)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([c.label for c in columns(internal=True)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def template_xlsx(session: Session) -> bytes:
    """The import template: an empty sheet with the header row, and a sheet explaining every column and its values."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    cols = columns(internal=True)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Instrumenten")
    for i, col in enumerate(cols, start=1):
        ws.column_dimensions[get_column_letter(i)].width = col.width
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for col in cols:
        cell = WriteOnlyCell(ws, value=col.label)
        cell.font = bold
        header.append(cell)
    ws.append(header)

    doc = wb.create_sheet("Toelichting")
    for letter, width in zip("ABCDE", (26, 10, 60, 60, 30)):
        doc.column_dimensions[letter].width = width
    wrap = Alignment(wrap_text=True, vertical="top")

    def line(*values, font=None):
        cells = []
        for value in values:
            cell = WriteOnlyCell(doc, value=value)
            cell.alignment = wrap
            if font:
                cell.font = font
            cells.append(cell)
        doc.append(cells)

    for text in IMPORT_INSTRUCTIONS:
        line(text)
    line()
    line("Kolom", "Verplicht", "Betekenis", "Toegestane waarden", "Ook herkend als kolomnaam", font=bold)
    allowed = allowed_values(session)
    for col in cols:
        line(col.label, "ja" if col.required else "", col.help, allowed.get(col.key, ", ".join(col.choices)),
             ", ".join(col.aliases))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


IMPORT_INSTRUCTIONS = (
    "Importsjabloon van de Open instrumentengids",
    "Eén rij per instrument, in het blad 'Instrumenten' (of in meerdere bladen met dezelfde kolommen, zoals in een "
    "export). Kolommen die ontbreken blijven bij een bestaand instrument ongewijzigd.",
    "Een rij hoort bij een bestaand instrument als het Extern ID overeenkomt, anders de slug, anders aanbieder + naam.",
    "Geen formules, geen samengevoegde cellen; datums als JJJJ-MM-DD; lijsten gescheiden door ';'; ja/nee voor ja-nee-"
    "velden. Hoogstens 5.000 rijen en 5 MB. CSV mag ook (UTF-8 of Windows-1252, gescheiden door ',' of ';').",
    "Eerst ziet u per rij wat er gebeurt (nieuw, bijwerken, ongewijzigd, fout); pas na bevestigen wordt alles in één "
    "keer opgeslagen. Bij één fout wordt niets opgeslagen.",
)


def allowed_values(session: Session) -> dict[str, str]:
    kinds = session.scalars(select(InstrumentKind).order_by(InstrumentKind.sort_order)).all()
    out = {"kind": ", ".join(f"{k.code} ({k.name})" for k in kinds)}
    terms = session.scalars(select(TaxonomyTerm).order_by(TaxonomyTerm.taxonomy, TaxonomyTerm.sort_order)).all()
    for key, taxonomy in TERM_COLUMNS.items():
        out[key] = ", ".join(f"{t.code} ({t.name})" for t in terms if t.taxonomy == taxonomy)
    national = session.scalars(select(Provider.name).where(Provider.type.in_(("uwv", "belastingdienst", "landelijk")))
                               .order_by(Provider.name)).all()
    out["provider"] = "een gemeentenaam of GM-code; 'regio AMxx'; " + ", ".join(national)
    return out
