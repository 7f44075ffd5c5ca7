"""The kinds of background job: large exports and large import previews/imports. Each handler rebuilds its work from
the job's JSON parameters (no request exists in the worker) and calls the same functions as the web views."""
from __future__ import annotations

from dataclasses import asdict
from typing import Callable, NamedTuple

from sqlalchemy import select

from ..models import Municipality, Region, User
from .queue import JobError
from .runner import JobContext

# Above these numbers of instruments an export runs as a job (measured with bench/export_bench.py: a region PDF of
# ~900 instruments takes ~10 s, the XLSX of 18,500 ~15 s on the 2-core reference machine under load).
EXPORT_JOB_THRESHOLDS = {"csv": 2000, "xlsx": 2000, "json": 1000, "pdf": 150}
PDF_MAX_INSTRUMENTS = 2000  # a handout of more is unreadable (and takes minutes and GBs): choose a region or XLSX


class Handler(NamedTuple):
    run: Callable[[JobContext], None]
    writes: bool | Callable[[dict], bool]  # takes the write lock up front (SQLite); a function of the job's parameters

    def takes_write_lock(self, params: dict) -> bool:
        return self.writes(params) if callable(self.writes) else self.writes


# ---------------------------------------------------------------------------------------------------------------------
# Exports


def export_params(scope: str, key: str | None, args: dict, fmt: str, a4: bool, title: str, language: str,
                  internal_user_id: int | None) -> dict:
    """What an export job needs to know: the page it came from (`scope` list/region/municipality with the region or
    gemeente slug as `key`), the request's filter arguments, format, title and language, and (only when the user may
    and asked for it) whose internal notes may be included."""
    return {"scope": scope, "key": key, "args": args, "fmt": fmt, "a4": a4, "title": title, "language": language,
            "internal_user_id": internal_user_id}


def export_spec(session, params: dict):
    """The ExportSpec for an export's parameters, the same for a request and a job. LookupError: no such region or
    gemeente; QueryError: an invalid filter."""
    from ..auth import internal_provider_ids
    from ..exports import ExportSpec, spec_for_municipality, spec_for_region
    from ..queries import parse_query

    query = parse_query(session, params.get("args") or {})
    scope, key = params.get("scope"), params.get("key")
    if scope == "region":
        item = session.scalar(select(Region).where(Region.slug == key))
        if item is None:
            raise LookupError(key)
        spec = spec_for_region(session, item.code, query=query)
    elif scope == "municipality":
        item = session.scalar(select(Municipality).where(Municipality.slug == key))
        if item is None:
            raise LookupError(key)
        spec = spec_for_municipality(session, item.code, query=query)
    else:
        spec = ExportSpec(query=query)
        if len(query.regions) == 1 and not query.municipalities:
            spec.region = session.scalar(select(Region).where(Region.code == query.regions[0]))
        if len(query.municipalities) == 1:
            spec.municipality = session.scalar(select(Municipality).where(Municipality.code == query.municipalities[0]))
            spec.region = spec.municipality.region if spec.municipality else spec.region
    if params.get("title"):
        spec.title = params["title"]
    spec.language = params.get("language") or "nl"
    user_id = params.get("internal_user_id")
    if user_id is not None:
        user = session.get(User, user_id)
        if user is None or not user.is_active:
            raise JobError("Deze export met interne notities hoort bij een account dat niet meer bestaat.")
        spec.internal = True
        spec.internal_provider_ids = internal_provider_ids(session, user)
    return spec


def needs_job(count: int, fmt: str, thresholds: dict | None = None) -> bool:
    return count > (thresholds or EXPORT_JOB_THRESHOLDS).get(fmt, 0)


def run_export(ctx: JobContext) -> None:
    from ..exports import MIME_TYPES, export, filename, items_for

    params = ctx.params
    fmt, a4 = params["fmt"], bool(params.get("a4"))
    try:
        spec = export_spec(ctx.session, params)
    except LookupError as exc:
        raise JobError("Deze regio of gemeente bestaat niet meer.") from exc
    ctx.progress(0, message="Instrumenten ophalen", force=True)
    instruments = items_for(ctx.session, spec, fmt)
    if fmt == "pdf" and len(instruments) > PDF_MAX_INSTRUMENTS:
        raise JobError(f"Een PDF van meer dan {PDF_MAX_INSTRUMENTS:,} instrumenten wordt onleesbaar. Kies een regio, "
                       "gemeente of filter, of download de XLSX.".replace(",", "."))
    ctx.progress(0, total=len(instruments), message="Bestand maken", force=True)
    path = ctx.output(filename(spec, fmt, a4), MIME_TYPES[fmt])
    with open(path, "wb") as out:
        count = export(ctx.session, spec, fmt, out, a4=a4, progress=ctx.step, instruments=instruments)
    ctx.result = {"instruments": count}
    ctx.progress(count, total=count, message="Klaar", force=True)


# ---------------------------------------------------------------------------------------------------------------------
# Imports


def import_params(filename: str, region_code: str, user_id: int, dry_run: bool, allow_national: bool,
                  upload_token: str | None, resolutions: dict[str, str] | None = None) -> dict:
    return {"filename": filename, "region": region_code, "user_id": user_id, "dry_run": dry_run,
            "allow_national": allow_national, "upload_token": upload_token, "resolutions": resolutions or {}}


INPUT_NAME = "input.bin"


def _import_input(ctx: JobContext) -> tuple[User, Region, bytes]:
    """Whose import (an active user), into which region, of which uploaded file: what both kinds of import job need."""
    params = ctx.params
    user = ctx.session.get(User, params["user_id"])
    region = ctx.session.scalar(select(Region).where(Region.code == params["region"]))
    if user is None or not user.is_active or region is None:
        raise JobError("Deze import hoort bij een account of regio die niet meer bestaat.")
    try:
        data = (ctx.root / ctx.public_id / INPUT_NAME).read_bytes()
    except OSError as exc:
        raise JobError("Het geüploade bestand is niet meer beschikbaar. Kies het bestand opnieuw.") from exc
    ctx.progress(0, message="Bestand lezen", force=True)
    return user, region, data


def _finish_import(ctx: JobContext, result) -> None:
    ctx.result = result_payload(result)
    ctx.progress(len(result.rows), total=len(result.rows), message="Klaar", force=True)


def run_import_job(ctx: JobContext) -> None:
    from ..imports import run_import

    params = ctx.params
    user, region, data = _import_input(ctx)

    def progress(done: int, total: int, writing: bool) -> None:
        ctx.progress(done, total=total, message="Rijen opslaan" if writing else "Rijen controleren")

    _finish_import(ctx, run_import(ctx.session, params["filename"], data, region, user=user, dry_run=params["dry_run"],
                                   allow_national=bool(params.get("allow_national")), progress=progress,
                                   resolutions=params.get("resolutions") or {}))


def result_payload(result) -> dict:
    """An import result (spreadsheet or Dennis) as JSON: conflicts with their time as ISO text."""
    data = asdict(result)
    for row in data["rows"]:
        for conflict in row.get("conflicts") or []:
            conflict["changed_at"] = conflict["changed_at"].isoformat() if conflict["changed_at"] else None
        for proposal in row.get("proposals") or []:
            proposal["values"] = {k: str(v) if not isinstance(v, (int, str)) else v
                                  for k, v in proposal["values"].items()}
    return data


def _row_from_payload(row_class, row: dict):
    from datetime import datetime

    from ..imports.conflicts import Conflict
    from ..imports.dennis.extract import Proposal

    row = dict(row)
    row["conflicts"] = [Conflict(**{**c, "changed_at": datetime.fromisoformat(c["changed_at"])
                                    if c.get("changed_at") else None}) for c in row.get("conflicts") or []]
    if "proposals" in row:
        row["proposals"] = [Proposal(**p) for p in row["proposals"]]
    return row_class(**row)


def result_from_payload(payload: dict):
    from ..imports import ImportResult, RowResult

    data = dict(payload)
    data["rows"] = [_row_from_payload(RowResult, row) for row in data.get("rows") or []]
    return ImportResult(**data)


# ---------------------------------------------------------------------------------------------------------------------
# Dennis imports (more instruments than a request can do within 10 s: WEB_MAX_INSTRUMENTS)


def dennis_params(filename: str, region_code: str, user_id: int, dry_run: bool, allow_national: bool,
                  upload_token: str | None, default_kind: str | None, resolutions: dict[str, str]) -> dict:
    return {**import_params(filename, region_code, user_id, dry_run, allow_national, upload_token, resolutions),
            "default_kind": default_kind}


def run_dennis_job(ctx: JobContext) -> None:
    from ..imports.dennis import run_dennis_import

    params = ctx.params
    user, region, data = _import_input(ctx)

    def progress(done: int, total: int) -> None:
        ctx.progress(done, total=total, message="Instrumenten controleren" if params["dry_run"] else
                     "Instrumenten opslaan")

    _finish_import(ctx, run_dennis_import(
        ctx.session, params["filename"], data, region, user=user, dry_run=params["dry_run"],
        allow_national=bool(params.get("allow_national")), via="web", progress=progress,
        resolutions=params.get("resolutions") or {}, default_kind=params.get("default_kind")))


def dennis_result_from_payload(payload: dict):
    from ..imports.dennis import DennisResult, DennisRow

    data = dict(payload)
    data["rows"] = [_row_from_payload(DennisRow, row) for row in data.get("rows") or []]
    return DennisResult(**data)


HANDLERS: dict[str, Handler] = {
    "export": Handler(run_export, writes=False),
    "import": Handler(run_import_job, writes=lambda params: not params.get("dry_run")),  # a preview writes nothing
    "dennis": Handler(run_dennis_job, writes=True),
}
