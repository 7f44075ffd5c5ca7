"""Import benchmark (not part of the tests): how long the preview (dry run) of a 5,000-row spreadsheet takes.

    .venv/bin/python bench/import_bench.py [--rows 5000] [--format xlsx|csv] [--no-baseline]

Seeds a fresh SQLite database in bench/out/import-bench.sqlite with the real seed data, makes a spreadsheet of new
instruments for the gemeenten of Midden-Holland (AM20) from the region's own export (every row a copy with its own name,
so each row is a "nieuw" row that is fully validated), and times `run_import(..., dry_run=True)`, the work behind the
preview, in this process: every row checked without writing. Target: <= 10 s for 5,000 rows (issue 10).

Baseline, "write+rollback": the preview as it was before, every row written through the editing service (instrument,
audit entry, version) in one transaction that is then rolled back; here the same checked rows are written that way.
Printed with the ratio baseline / preview. Wall-clock seconds depend on what else the machine runs, so the CPU seconds
of this process are printed too. Also times reading the file alone and the empty-rows bomb (1,048,575 empty rows in a
250 KB file: must be refused or cut within 2 s). Exit code 1 when a target is missed.
"""
from __future__ import annotations

import argparse
import csv
import io
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"
TARGET_SECONDS = 10.0
BOMB_TARGET_SECONDS = 2.0


def spreadsheet(session, rows: int, fmt: str) -> bytes:
    """`rows` new instruments (copies of AM20's gemeente instruments under new names) as an import file."""
    from catalogue.exports import ExportSpec, spec_for_region, to_bytes

    spec: ExportSpec = spec_for_region(session, "AM20")
    text = to_bytes(session, spec, "csv").decode("utf-8-sig")
    reader = list(csv.reader(io.StringIO(text)))
    header, body = reader[0], reader[1:]
    col = {name: i for i, name in enumerate(header)}
    local = [r for r in body if r[col["Aanbieder"]].lower().startswith(("gemeente", "gouda", "waddinxveen", "zuidplas",
                                                                        "bodegraven", "krimpenerwaard", "alphen"))]
    source = [r for r in (local or body) if not (r[col["Dekking"]] if "Dekking" in col else "").startswith("onbekend")]
    out_rows = []
    for n in range(rows):
        row = list(source[n % len(source)])
        row[col["Slug"]] = ""
        row[col["Extern ID"]] = f"BENCH-{n}"
        row[col["Naam"]] = f"{row[col['Naam']]} (benchmark {n})"
        out_rows.append(row)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        writer.writerows(out_rows)
        return buffer.getvalue().encode("utf-8")
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Instrumenten")
    ws.append(header)
    for row in out_rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def empty_rows_bomb() -> bytes:
    """A valid .xlsx with a header row and then 1,048,575 empty (styled) rows: ~250 KB that unpacks to ~72 MB."""
    rows = '<row spans="1:5" s="1" customFormat="1" ht="15" x14ac:dyDescent="0.25"/>' * 1_048_575  # numbered by order
    sheet = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
             'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"><sheetData>'
             '<row r="1"><c r="A1" t="inlineStr"><is><t>Naam</t></is></c><c r="B1" t="inlineStr"><is><t>Soort</t></is>'
             f'</c></row>{rows}</sheetData></worksheet>')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.'
                   'openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/'
                   'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/'
                   'xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
                   'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" '
                   'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
        z.writestr("_rels/.rels", '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
                   'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
                   'openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
                   '</Relationships>')
        z.writestr("xl/workbook.xml", '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.'
                   'openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/'
                   'officeDocument/2006/relationships"><sheets><sheet name="Blad1" sheetId="1" r:id="rId1"/></sheets>'
                   '</workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://'
                   'schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
                   'schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
                   'Target="worksheets/sheet1.xml"/></Relationships>')
        z.writestr("xl/worksheets/sheet1.xml", sheet)
    return buffer.getvalue()


def write_and_roll_back(db, name: str, data: bytes):
    """The baseline: the old preview wrote every checked row through the editing service, then rolled back. Returns
    (seconds, CPU seconds, what writing the rows reported)."""
    from sqlalchemy import select

    from catalogue.editing import Editor
    from catalogue.imports import ImportResult, read_table, system_user
    from catalogue.imports.run import check_table
    from catalogue.imports.writing import write_planned
    from catalogue.models import Region

    with db.session() as session:
        region = session.scalar(select(Region).where(Region.code == "AM20"))
        started, cpu = time.perf_counter(), time.process_time()
        result = ImportResult(filename=name, region=region.code, dry_run=True)
        editor = Editor(session, system_user())
        planned = check_table(session, editor, read_table(name, data), result, region, False, None, {})
        written = write_planned(session, editor, planned, commit=session.flush)
        session.rollback()
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    if written != len(planned):
        raise SystemExit(f"baseline: only {written} of {len(planned)} rows written")
    return seconds, cpu_seconds, result


def reported(result) -> list:
    """What a preview shows per row, and for the file."""
    return [[(r.row, r.action, r.slug, r.name, r.provider, r.errors, r.changes, r.diffs, [c.key for c in r.conflicts])
             for r in result.rows], result.errors, result.warnings, result.mapping]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    parser.add_argument("--no-baseline", action="store_true", help="skip the (slow) write+rollback baseline")
    args = parser.parse_args()
    from sqlalchemy import select

    from catalogue.db import Database
    from catalogue.imports import read_table, run_import
    from catalogue.migrate import upgrade
    from catalogue.models import Region
    from catalogue.seed import seed

    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "import-bench.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    db = Database(f"sqlite:///{path}")
    upgrade(db.engine)
    with db.session() as session:
        seed(session)
    with db.session() as session:
        data = spreadsheet(session, args.rows, args.format)
    name = f"bench.{args.format}"
    (OUT / name).write_bytes(data)

    started = time.perf_counter()
    table = read_table(name, data)
    read_seconds = time.perf_counter() - started
    with db.session() as session:
        region = session.scalar(select(Region).where(Region.code == "AM20"))
        started, cpu = time.perf_counter(), time.process_time()
        result = run_import(session, name, data, region, user=None, dry_run=True)
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    baseline = None if args.no_baseline else write_and_roll_back(db, name, data)
    bomb = empty_rows_bomb()
    started = time.perf_counter()
    try:
        bomb_outcome = f"read, {sum(len(s.rows) for s in read_table('bomb.xlsx', bomb).sheets)} rows"
    except ValueError as exc:
        bomb_outcome = f"refused: {exc}"
    bomb_seconds = time.perf_counter() - started

    rows = sum(len(s.rows) for s in table.sheets)
    print(f"file: {args.format}, {len(data) / 1024:.0f} KB, {rows} rows; result: {result.summary()}")
    if result.errors:
        print("first errors:", *result.errors[:3], sep="\n  ")
    ok = seconds <= TARGET_SECONDS and not result.errors and bomb_seconds <= BOMB_TARGET_SECONDS
    print(f"\n{'measure':<44} {'time':>8} {'target':>8} {'ratio':>7}")
    print(f"{'reading the file':<44} {read_seconds:>7.2f}s {'-':>8} {'-':>7}")
    print(f"{f'preview (dry run) of {rows} rows':<44} {seconds:>7.2f}s {TARGET_SECONDS:>7.1f}s "
          f"{seconds / TARGET_SECONDS:>7.2f}  (CPU {cpu_seconds:.2f}s)")
    if baseline is not None:
        b_seconds, b_cpu, written = baseline
        same = reported(written) == reported(result)
        ok = ok and same
        print(f"preview reports the same rows, errors, warnings and conflicts as writing them: {'yes' if same else 'NO'}")
        print(f"{'baseline write+rollback, same rows':<44} {b_seconds:>7.2f}s {'-':>8} {'-':>7}  (CPU {b_cpu:.2f}s)")
        print(f"{'ratio baseline / preview':<44} {b_seconds / seconds:>7.1f}x {'':>8} {'':>7}  "
              f"(CPU {b_cpu / max(cpu_seconds, 1e-9):.1f}x)")
    print(f"{f'empty-rows bomb ({len(bomb) / 1024:.0f} KB)':<44} {bomb_seconds:>7.2f}s {BOMB_TARGET_SECONDS:>7.1f}s "
          f"{bomb_seconds / BOMB_TARGET_SECONDS:>7.2f}  {bomb_outcome[:80]}")
    print(f"per row: {1000 * seconds / max(rows, 1):.1f} ms; {'ok' if ok else 'MISSED'}")
    db.engine.dispose()
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
