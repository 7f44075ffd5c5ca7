"""The import of one file: read, map, turn every row into a record, match, validate and write it, all in one
transaction that a dry run or any error rolls back."""
from __future__ import annotations

from typing import Callable

from sqlalchemy.orm import Session

from ..editing import Editor
from ..exports import COLUMNS_BY_KEY
from ..models import Region, User
from .cells import CellProblem, parse_cell
from .files import ImportFileError, Sheet, Table, read_table
from .header import Mapping, coverage_marker, map_header, norm
from .matching import match_existing
from .messages import RowReport
from .resolve import Resolver, row_record
from .result import ImportResult, RowResult
from .writing import create_new, update_existing


SYSTEM_EMAIL = "catalogue-cli"


def system_user() -> User:
    """The command line acts as an administrator (it has the database anyway). Never added to a session."""
    return User(email=SYSTEM_EMAIL, name="catalogue import (command line)", is_admin=True, active=True,
                session_token="-", password_hash="-")


def run_import(session: Session, filename: str, data: bytes, region: Region | None, user: User | None = None,
               dry_run: bool = False, allow_national: bool = False, via: str = "web",
               progress: Callable[[int, int], None] | None = None,
               resolutions: dict[str, str] | None = None) -> ImportResult:
    """Reads, checks and (unless `dry_run` or any error) commits the file, all in one transaction.

    `region`: rows may only write instruments of that region's gemeenten and its werkgeversservicepunt (None: any
    region, for administrators). `allow_national`: national providers too (administrators). `user`: whose permissions
    apply and who is named in the audit trail; None means the command line (an administrator). `progress(done, total)`
    is called after every row (background jobs show it). `resolutions`: the editor's choice per conflict with newer
    work ({"slug:field": "current" | "file"}); while any conflict is open, nothing is written.
    """
    result = ImportResult(filename=filename, region=region.code if region is not None else None, dry_run=dry_run)
    try:
        table = read_table(filename, data)
        result.warnings.extend(table.warnings)
        _import_table(session, table, result, region, user if user is not None else system_user(), allow_national, via,
                      progress, resolutions if resolutions is not None else {})
    except ImportFileError as exc:
        result.errors.insert(0, str(exc))
    except Exception:
        session.rollback()
        raise
    if dry_run or not result.ready:
        session.rollback()
    else:
        session.commit()
        result.committed = True
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


def _import_table(session: Session, table: Table, result: ImportResult, region: Region | None, user: User,
                  allow_national: bool, via: str, progress: Callable[[int, int], None] | None = None,
                  resolutions: dict[str, str] | None = None) -> None:
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
        if "internal_notes" in mapping.headers and not _may_write_notes(user):
            raise ImportFileError("U mag geen interne notities importeren; verwijder de kolom "
                                  f"'{mapping.headers['internal_notes']}'.")

    resolver = Resolver(session)
    editor = Editor(session, user, via=via)
    seen: dict[tuple, int] = {}
    slugs_in_file: set[str] = set()
    total = sum(len(sheet.rows) for sheet, _ in sheets)
    for sheet, mapping in sheets:
        for number, cells in sheet.rows:
            if coverage_marker(mapping, cells):
                continue
            row = RowResult(row=number, sheet=sheet.name if table.kind == "xlsx" else None)
            result.rows.append(row)
            r = RowReport(row, mapping.headers, len(sheets))
            _import_row(session, editor, resolver, r, mapping, cells, region, user, allow_national, seen, slugs_in_file,
                        resolutions)
            result.errors.extend(row.errors)
            if progress is not None:
                progress(len(result.rows), total)


def _may_write_notes(user: User) -> bool:
    from ..auth import can

    return can(user, "view_internal")


def _import_row(session: Session, editor: Editor, resolver: Resolver, r: RowReport, mapping: Mapping, cells: list,
                region: Region | None, user: User, allow_national: bool, seen: dict, slugs_in_file: set,
                resolutions: dict[str, str]) -> None:
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
        return
    row.provider = provider.name if provider is not None else None

    existing, problem = match_existing(session, values, provider)
    if problem:
        r.error(problem[0], problem[1])
        return
    # duplicate rows: the same instrument twice in one file
    key = ("id", existing.id) if existing is not None else (
        ("slug", values["slug"]) if values.get("slug") else ("name", provider.id if provider else None,
                                                            norm(values.get("name") or "")))
    ext = values.get("external_id")
    for k in [key] + ([("external_id", ext)] if ext else []):
        if k in seen:
            r.error(None, f"dubbele rij: rij {seen[k]} gaat over hetzelfde instrument")
            return
    for k in [key] + ([("external_id", ext)] if ext else []):
        seen[k] = row.row

    if existing is not None:
        update_existing(session, editor, r, existing, record, region, user, allow_national, base_version, resolutions)
    else:
        created = create_new(session, editor, r, record, provider, region, allow_national, slugs_in_file)
        if created is not None:
            seen[("id", created.id)] = row.row  # a later row about the same (new) instrument is a duplicate
