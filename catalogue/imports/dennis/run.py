"""The Dennis import of one export file, in one transaction through the editing service. No Flask.

Idempotent by the Dennis uuid (our external id; `ImportRecord` keeps Dennis's `updated_at` and our version right after
each import). A second run leaves an instrument alone when Dennis did not change it since (so edits made here stay);
when Dennis did change it and someone here changed the same field since the last import, that field is a conflict and
nothing is written until the editor chooses (see `catalogue.imports.conflicts`). The soort and the source, which Dennis
does not have, are set on creation only. A dry run, any error or any open conflict rolls everything back.
"""
from __future__ import annotations

from typing import Callable

from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...editing import Editor, InvalidInput, NotAllowed, snapshot
from ...models import ImportRecord, Instrument, ParameterProposal, Region, User
from ...seed import SeedError
from ...slugs import slugify
from ..conflicts import apply_choices, find_conflicts
from ..messages import dutch, flatten
from ..run import system_user
from ..checking import comparable, in_scope, normalise
from .extract import Proposal, extract
from .mapping import DennisMapper, Mapped
from .reading import DennisFileError, describe, read_export
from .result import DennisResult, DennisRow

SOURCE = "dennis"
ON_CREATE_ONLY = ("kind", "source_url", "internal_notes")


def run_dennis_import(session: Session, filename: str, data: bytes, region: Region | None = None,
                      user: User | None = None, dry_run: bool = False, allow_national: bool = False,
                      resolutions: dict[str, str] | None = None, default_kind: str | None = None,
                      source_url: str | None = None, via: str = "cli",
                      progress: Callable[[int, int], None] | None = None) -> DennisResult:
    """Reads, maps and (unless `dry_run`, any error or an open conflict) commits a Dennis export.

    `region`: only instruments of that region's gemeenten and its werkgeversservicepunt are imported; the others are
    listed as skipped. `allow_national`: national providers' instruments too (else skipped). `user`: whose
    permissions apply and who is named in the audit trail (None: the command line, an administrator).
    `progress(done, total)` is called after every instrument (background jobs show it).
    """
    result = DennisResult(filename=filename, region=region.code if region is not None else None, dry_run=dry_run)
    try:
        items = read_export(data)
        try:
            mapper = DennisMapper(session, default_kind=default_kind, source_url=source_url)
        except ValueError as exc:
            raise DennisFileError(f"Standaardsoort: {exc}.") from exc
        _import(session, items, mapper, result, region, user if user is not None else system_user(),
                allow_national, resolutions if resolutions is not None else {}, via, progress)
    except DennisFileError as exc:
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


def _import(session: Session, items: list[dict], mapper: DennisMapper, result: DennisResult, region: Region | None,
            user: User, allow_national: bool, resolutions: dict[str, str], via: str,
            progress: Callable[[int, int], None] | None = None) -> None:
    editor = Editor(session, user, via=via)
    states = {r.external_id: r for r in session.scalars(select(ImportRecord).where(ImportRecord.source == SOURCE))}
    slugs = set(session.scalars(select(Instrument.slug)))  # taken slugs, kept up to date below
    for position, item in enumerate(items, start=1):
        mapped = mapper.map(position, item)
        row = DennisRow(position=position, uuid=item["uuid"].strip(), name=mapped.record.get("name"),
                        notes=list(mapped.notes))
        result.rows.append(row)
        if mapped.errors:
            row.errors = mapped.errors
        else:
            _import_one(session, editor, row, mapped, item, region, allow_national, states, slugs, resolutions)
        result.errors.extend(row.errors)
        if progress is not None:
            progress(position, len(items))


def _import_one(session: Session, editor: Editor, row: DennisRow, mapped: Mapped, item: dict, region: Region | None,
                allow_national: bool, states: dict, slugs: set[str], resolutions: dict[str, str]) -> None:
    row.provider = mapped.provider.name
    reason = in_scope(mapped.provider, region, allow_national)
    if reason:
        row.action = "skipped"
        row.notes.insert(0, f"overgeslagen: {reason}")
        return
    state = states.get(row.uuid)
    instrument = state.instrument if state is not None else session.scalar(
        select(Instrument).where(Instrument.external_id == row.uuid).limit(1))
    who = describe(row.position, item)
    if instrument is not None and instrument.deleted_at is not None:
        row.errors.append(f"{who}: het instrument '{instrument.slug}' is hier verwijderd; zet het eerst terug "
                          "in het beheer (of haal het uit de export)")
    elif instrument is None:
        _create(session, editor, row, mapped, who, slugs, states)
    else:
        _update(session, editor, row, mapped, who, instrument, state, states, resolutions)


def _schema_errors(row: DennisRow, who: str, messages) -> None:
    for key, message in flatten(messages):
        row.errors.append(f"{who}, veld '{key}': {dutch(message)}" if key and key != "_schema"
                          else f"{who}: {dutch(message)}")


def _unique_slug(base: str, taken: set[str]) -> str:
    base = base[:150].strip("-") or "instrument"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def _create(session: Session, editor: Editor, row: DennisRow, mapped: Mapped, who: str, slugs: set[str],
            states: dict) -> None:
    record = dict(mapped.record)
    record["slug"] = _unique_slug(slugify(f"{mapped.provider.slug} {record['name']}"), slugs)
    if mapped.kind_note:
        mapped.internal.insert(0, mapped.kind_note)
    if mapped.internal:
        record["internal_notes"] = "Uit Dennis overgenomen; nog na te kijken:\n" + "\n".join(
            f"- {line}" for line in mapped.internal)
    try:
        with session.begin_nested():
            instrument = editor.create(record)
    except InvalidInput as exc:
        _schema_errors(row, who, exc.messages)
        return
    except NotAllowed:
        row.errors.append(f"{who}: u mag geen instrumenten van '{mapped.provider.name}' toevoegen"
                          + (" of publiceren" if record.get("status") == "published" else ""))
        return
    except SeedError as exc:
        row.errors.append(f"{who}: {exc}")
        return
    row.action, row.slug = "create", instrument.slug
    state = ImportRecord(source="dennis", external_id=row.uuid, instrument=instrument,
                         source_updated_at=mapped.updated_at, version=instrument.version)
    session.add(state)
    states[row.uuid] = state
    row.proposals = _propose(session, instrument, mapped, known=[])


def _update(session: Session, editor: Editor, row: DennisRow, mapped: Mapped, who: str, instrument: Instrument,
            state: ImportRecord | None, states: dict, resolutions: dict[str, str]) -> None:
    row.slug = instrument.slug
    if state is not None and mapped.updated_at and state.source_updated_at == mapped.updated_at:
        row.action = "unchanged"  # Dennis did not change it since the last import: what changed here stays
        return
    before = snapshot(instrument)
    record = {k: v for k, v in mapped.record.items() if k not in ON_CREATE_ONLY}
    if mapped.active and before.get("source_url"):
        record["status"] = "published"  # a draft only for want of a source, which it has here
    merged = {**before, **record}
    try:
        data = editor.loader.validate(merged)
    except ValidationError as exc:
        _schema_errors(row, who, exc.messages)
        return
    current, proposed = normalise(before), normalise(comparable(data, editor.loader))
    # base: our version after the last import; never imported (matched by external id only): every difference is a
    # conflict, since any of it may be work done here
    base = state.version if state is not None else 0
    row.conflicts = find_conflicts(session, instrument, base, current, proposed, resolutions) \
        if proposed != current else []
    if any(c.choice is None for c in row.conflicts):
        row.action = "conflict"
        return
    entry = None
    if proposed != current:
        merged = apply_choices(merged, before, row.conflicts)
        try:
            with session.begin_nested():
                entry = editor.update(instrument, merged)
        except InvalidInput as exc:
            _schema_errors(row, who, exc.messages)
            return
        except NotAllowed:
            row.errors.append(f"{who}: u mag '{instrument.name}' ({instrument.provider.name}) niet wijzigen")
            return
        except SeedError as exc:
            row.errors.append(f"{who}: {exc}")
            return
    row.action = "update" if entry is not None else "unchanged"
    row.diffs = dict(entry.changes) if entry is not None else {}
    if state is None:
        state = ImportRecord(source="dennis", external_id=row.uuid, instrument=instrument)
        session.add(state)
        states[row.uuid] = state
    state.source_updated_at, state.version = mapped.updated_at, instrument.version
    row.proposals = _propose(session, instrument, mapped)


def _propose(session: Session, instrument: Instrument, mapped: Mapped, known: list | None = None) -> list[Proposal]:
    """New proposals from the instrument's Dennis texts: not for parameters already filled in here, and never the same
    values twice (an editor who rejected a proposal does not see it again). `known`: the values proposed before."""
    if known is None:
        known = [p.values for p in session.scalars(select(ParameterProposal).where(
            ParameterProposal.instrument_id == instrument.id))]
    out = []
    for proposal in extract(mapped.texts):
        if proposal.values in known or any(getattr(instrument, k) not in (None, "") for k in proposal.values):
            continue
        session.add(ParameterProposal(instrument_id=instrument.id, source=SOURCE, values=proposal.values,
                                      excerpt=proposal.excerpt[:2000], field_name=proposal.field_name))
        out.append(proposal)
    return out
