"""The import of one file: read and map it, turn every row into a record, match it with an instrument and check it
without writing (`checking`); a preview stops there. A real import whose file passed (no errors, every conflict
chosen) then writes the checked rows in committed batches (`writing`), so the preview and the import report the same
rows, warnings and conflicts."""
from __future__ import annotations

from typing import Callable

from sqlalchemy.orm import Session

from ..editing import Editor
from ..exports import COLUMNS_BY_KEY
from ..models import Region, User
from .cells import CellProblem, parse_cell
from .checking import Planned, check_create, check_update
from .files import ImportFileError, Sheet, Table, read_table
from .header import Mapping, coverage_marker, map_header, norm
from .known import KnownInstruments
from .matching import match_existing
from .messages import RowReport
from .resolve import Resolver, row_record
from .result import ImportResult, RowResult
from .writing import write_planned


SYSTEM_EMAIL = "catalogue-cli"


def system_user() -> User:
    """The command line acts as an administrator (it has the database anyway). Never added to a session."""
    return User(email=SYSTEM_EMAIL, name="catalogue import (command line)", is_admin=True, active=True,
                session_token="-", password_hash="-")


def run_import(session: Session, filename: str, data: bytes, region: Region | None, user: User | None = None,
               dry_run: bool = False, allow_national: bool = False, via: str = "web",
               progress: Callable[[int, int, bool], None] | None = None,
               resolutions: dict[str, str] | None = None) -> ImportResult:
    """Reads and checks the file without writing; unless `dry_run`, any error or an open conflict, then writes the
    checked rows in committed batches (see `writing`).

    `region`: rows may only write instruments of that region's gemeenten and its werkgeversservicepunt (None: any
    region, for administrators). `allow_national`: national providers too (administrators). `user`: whose permissions
    apply and who is named in the audit trail; None means the command line (an administrator). `progress(done, total,
    writing)` is called after every row checked and every row written (background jobs show it). `resolutions`: the
    editor's choice per conflict with newer work ({"slug:field": "current" | "file"}); while any conflict is open,
    nothing is written.
    """
    result = ImportResult(filename=filename, region=region.code if region is not None else None, dry_run=dry_run)
    try:
        table = read_table(filename, data)
        result.warnings.extend(table.warnings)
        editor = Editor(session, user if user is not None else system_user(), via=via)
        planned = check_table(session, editor, table, result, region, allow_national, progress,
                               resolutions if resolutions is not None else {})
        if not dry_run and result.ready:
            result.saved = write_planned(session, editor, planned, session.commit, progress=None if progress is None
                                         else lambda done: progress(done, len(planned), True))
            result.errors.extend(e for item in planned for e in item.report.result.errors)  # a row refused now
            result.committed = result.saved == len(planned)
    except ImportFileError as exc:
        result.errors.insert(0, str(exc))
    except Exception:
        session.rollback()
        raise
    if result.committed:
        session.commit()
    else:
        session.rollback()
    return result


def _data_sheets(table: Table) -> list[tuple[Sheet, Mapping]]:
    out = []
    for sheet in table.sheets:
        if not sheet.header:
            continue
        mapping = map_header(sheet.header)
        if "name" in mapping.headers and len(mapping.headers) >= 2:
            out.append((sheet, mapping))
    return out


def check_table(session: Session, editor: Editor, table: Table, result: ImportResult, region: Region | None,
                 allow_national: bool, progress: Callable[[int, int, bool], None] | None,
                 resolutions: dict[str, str]) -> list[Planned]:
    """Checks every row without writing; returns the rows to write, in order."""
    sheets = _data_sheets(table)
    if not sheets:
        found = ", ".join(f"'{h}'" for s in table.sheets for h in s.header[:6] if str(h).strip())
        raise ImportFileError("Geen bruikbare kolommen gevonden. De eerste rij moet kolomnamen bevatten zoals in het "
                              "importsjabloon (minstens 'Naam' en bijvoorbeeld 'Soort' en 'Aanbieder')"
                              + (f"; gevonden: {found}." if found else "."))
    if not any(sheet.rows for sheet, _ in sheets):
        raise ImportFileError("Het bestand bevat kolomnamen maar geen rijen met instrumenten.")
    for sheet, mapping in sheets:
        for position, key in sorted(mapping.columns.items()):
            result.mapping[mapping.headers[key]] = COLUMNS_BY_KEY[key].label
        for header in mapping.ignored:
            warning = f"Kolom '{header}' is niet bekend en wordt genegeerd."
            if warning not in result.warnings:
                result.warnings.append(warning)
        if "internal_notes" in mapping.headers and not _may_write_notes(editor.user):
            raise ImportFileError("U mag geen interne notities importeren; verwijder de kolom "
                                  f"'{mapping.headers['internal_notes']}'.")

    resolver = Resolver(session)
    parsed = []
    for sheet, mapping in sheets:
        for number, cells in sheet.rows:
            if coverage_marker(mapping, cells):
                continue
            row = RowResult(row=number, sheet=sheet.name if table.kind == "xlsx" else None)
            result.rows.append(row)
            r = RowReport(row, mapping.headers, len(sheets))
            parsed.append((r, *_parse_row(resolver, r, mapping, cells, region)))
    known = KnownInstruments(session)
    known.load({item.key for _, values, _, provider, _ in parsed if values is not None
                for item in _candidates(known, values, provider)})
    seen: dict[tuple, int] = {}
    slugs_in_file: set[str] = set()
    planned: list[Planned] = []
    for done, (r, values, record, provider, base_version) in enumerate(parsed, start=1):
        if values is not None:
            item = _check_row(editor, known, r, values, record, provider, base_version, region, allow_national, seen,
                              slugs_in_file, resolutions)
            if item is not None:
                planned.append(item)
        result.errors.extend(r.result.errors)
        if progress is not None:
            progress(done, len(parsed), False)
    return planned


def _may_write_notes(user: User) -> bool:
    from ..auth import can

    return can(user, "view_internal")


def _parse_row(resolver: Resolver, r: RowReport, mapping: Mapping, cells: list, region: Region | None):
    """(values, record, provider, base version) of a row; values None when a cell or name is wrong (reported)."""
    row = r.result
    values: dict[str, object] = {}
    for position, key in mapping.columns.items():
        cell = cells[position] if position < len(cells) else None
        try:
            values[key] = parse_cell(COLUMNS_BY_KEY[key], cell)
        except CellProblem as exc:
            r.error(key, str(exc))
    row.name = values.get("name") if isinstance(values.get("name"), str) else None
    base_version = values.pop("version", None)  # the version the row was exported at (conflicts with newer work)
    record, provider = row_record(resolver, r, values, region)
    if row.errors:
        return None, None, None, None
    row.provider = provider.name if provider is not None else None
    return values, record, provider, base_version


def _candidates(known: KnownInstruments, values: dict, provider) -> list:
    """The instruments a row may be about (loaded in bulk before the rows are checked)."""
    out = list(known.by_external_id.get(values.get("external_id") or "", []))
    if values.get("slug") in known.by_slug:
        out.append(known.by_slug[values["slug"]])
    if values.get("name") and provider is not None:
        out += known.named(provider.id, values["name"])
    return out


def _check_row(editor: Editor, known: KnownInstruments, r: RowReport, values: dict, record: dict, provider,
               base_version, region: Region | None, allow_national: bool, seen: dict, slugs_in_file: set,
               resolutions: dict[str, str]) -> Planned | None:
    row = r.result
    existing, problem = match_existing(known, values, provider)
    if problem:
        r.error(problem[0], problem[1])
        return None
    # duplicate rows: the same instrument twice in one file
    key = existing.key if existing is not None else (
        ("slug", values["slug"]) if values.get("slug") else ("name", provider.id if provider else None,
                                                            norm(values.get("name") or "")))
    ext = values.get("external_id")
    for k in [key] + ([("external_id", ext)] if ext else []):
        if k in seen:
            r.error(None, f"dubbele rij: rij {seen[k]} gaat over hetzelfde instrument")
            return None
    for k in [key] + ([("external_id", ext)] if ext else []):
        seen[k] = row.row

    if existing is not None:
        return check_update(editor, known, r, existing, record, region, allow_national, base_version, resolutions)
    planned = check_create(editor, known, r, record, provider, region, allow_national, slugs_in_file)
    if planned is not None:
        seen[("row", row.row)] = row.row  # a later row about the same (new) instrument is a duplicate
    return planned
