"""Spreadsheet import (XLSX and CSV) of instruments into one arbeidsmarktregio. No Flask.

1. `read_table(filename, data)` reads the file and refuses what is not a clean spreadsheet: wrong type, empty, too large
   (> 5 MB or > 5,000 rows), formulas, merged cells, unreadable encodings.
2. Headers are mapped onto the column model of `catalogue.exports` (Dutch and English names and aliases).
3. `run_import(...)` turns every row into an instrument record (names of gemeenten, kinds and target groups resolved to
   codes), matches it with an existing instrument (external id, else slug, else provider + name; looked up in bulk) and
   checks it without writing: the shared `InstrumentInputSchema` and every check of `editing.Editor` (permissions,
   region scope, slugs, conflicts with newer work). Rows that would change nothing are "unchanged". A preview (dry run)
   stops there and writes nothing, so it is fast and reports exactly what the import would do.
4. A real import of a file without errors or open conflicts writes the checked rows through `Editor` (permissions, the
   audit trail and versions as for editing by hand) in batches of `writing.BATCH_ROWS` rows, each committed, so other
   editors can save during a large import. Any error in the file: nothing is written.

Messages are Dutch and name the row, the column (as headed in the file) and what is wrong:
"Rij 7, kolom 'Soort': onbekende soort 'loonsubsidie'".

The package, one concept per module: `files` (reading), `limits` (hostile and damaged files), `header` (column mapping), `cells` (cell values),
`resolve` (names to codes, row to record), `known` and `matching` (which instrument a row is about), `checking` (a row
checked without writing), `writing` (the checked rows, through the editing service, in batches), `conflicts` (re-imports never lose newer work), `messages` (Dutch row messages), `result` (what happened),
`run` (check, then write) and `proposals` (the review list of parameters read from imported text). `dennis/` is the
migration from Dennis, the VNG instrumentengids.
"""
from .files import (MAX_BYTES, MAX_ROWS, MAX_UNCOMPRESSED, CellError, Formula, ImportFileError, Sheet, Table,
                    estimate_rows, read_table)
from .limits import MAX_EMPTY_RUN
from .header import HEADER_INDEX, Mapping, map_header
from .result import ACTION_LABELS, ACTIONS, ImportResult, RowResult, format_result
from .run import SYSTEM_EMAIL, run_import, system_user
from .resolve import Resolver

__all__ = ["ACTIONS", "ACTION_LABELS", "CellError", "Formula", "HEADER_INDEX", "ImportFileError", "ImportResult",
           "MAX_BYTES", "MAX_EMPTY_RUN", "MAX_ROWS", "MAX_UNCOMPRESSED", "Mapping", "Resolver", "RowResult", "SYSTEM_EMAIL", "Sheet",
           "Table", "estimate_rows", "format_result", "map_header", "read_table", "run_import", "system_user"]
