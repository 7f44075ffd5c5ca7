"""Checking one row without writing: what may be written (region and national scope), whether it changes anything,
conflicts with newer work, and everything the editing service (`editing.Editor`) checks before it writes (permissions,
validation, slugs). A row that passes becomes a `Planned` write; `writing` carries it out. The preview stops here, so
it reports what the import would do without writing anything. No Flask."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from marshmallow import ValidationError

from ..editing import Editor, InvalidInput, NotAllowed, applied_snapshot, diff, snapshot
from ..exports import COLUMNS, TERM_COLUMNS
from ..models import Instrument, Provider, Region
from ..seed import SeedError
from ..slugs import slugify
from .conflicts import apply_choices, find_conflicts
from .known import Known, KnownInstruments
from .messages import RowReport, schema_errors


NATIONAL_TYPES = ("uwv", "belastingdienst", "landelijk")


DEFAULT_REACH = {"gemeente": "lokaal", "regio": "regionaal"}  # when a new row leaves 'Bereik' empty


@dataclass
class Planned:
    """A row that passed every check: what to write. `version`: the instrument's version when it was checked (an
    update of a newer version is a conflict, not an overwrite)."""
    report: RowReport
    record: dict
    instrument: Instrument | None = None  # None: create
    version: int | None = None
    provider: Provider | None = None


def in_scope(provider: Provider, region: Region | None, allow_national: bool) -> str | None:
    """None when rows may write instruments of this provider, else the reason why not."""
    if provider.type in NATIONAL_TYPES:
        return None if allow_national else (f"'{provider.name}' is een landelijke aanbieder; alleen beheerders mogen "
                                             "die importeren")
    if region is not None and provider.region_id != region.id:
        return f"'{provider.name}' hoort niet bij arbeidsmarktregio {region.name} ({region.code})"
    return None


def comparable(data: dict, loader) -> dict:
    """A validated record in the snapshot's shape, to tell whether a row changes anything."""
    from ..editing import json_safe

    out = {}
    provider = loader.providers[data["provider"]]
    for key, value in data.items():
        if key == "provider":
            value = provider.slug
        elif key in ("regions", "municipalities") or key in TERM_COLUMNS:
            value = sorted(value or [])
        out[key] = json_safe(value)
    if data["reach"] == "regionaal" and not data.get("regions") and provider.region is not None:
        out["regions"] = [provider.region.code]
    if data["reach"] == "lokaal" and not data.get("municipalities") and provider.municipality is not None:
        out["municipalities"] = [provider.municipality.code]
    return out


def normalise(snap: dict) -> dict:
    out = dict(snap)
    for key in ("regions", "municipalities", *TERM_COLUMNS):
        out[key] = sorted(out.get(key) or [])
    for key in ("contacts", "links"):
        out[key] = [{k: v for k, v in item.items() if v not in (None, "")} for item in out.get(key) or []]
    out["translations"] = {lang: {k: v for k, v in tr.items() if v} for lang, tr in (out.get("translations") or {}).items()
                           if any(tr.values())}
    if out.get("parameter_values") is not None:  # 6000.00 and 6000 are the same amount
        out["parameter_values"] = [dict(pv, value=format(Decimal(str(pv["value"])).normalize(), "f"))
                                   for pv in out["parameter_values"]]
    return out


def _merge(before: dict, record: dict) -> dict:
    merged = {**before, **record}
    if "translations" in record:
        current = dict((before.get("translations") or {}).get("en") or {})
        for k, v in record["translations"].items():
            if v:
                current[k] = v
            else:
                current.pop(k, None)
        merged["translations"] = {"en": current} if current else {}
    for key in ("contacts", "links"):
        if key in record:
            # keep the stored form when the content is the same (the spreadsheet cannot tell null from absent)
            same = [{k: v for k, v in i.items() if v not in (None, "")} for i in record[key]] == \
                   [{k: v for k, v in i.items() if v not in (None, "")} for i in before.get(key) or []]
            merged[key] = before.get(key) if same else record[key]
    return merged


def editor_refusal(r: RowReport, exc: Exception, instrument: Instrument | None, provider: Provider | None,
                   record: dict) -> None:
    """The row message for what the editing service refused (while checking or, after a race, while writing)."""
    if isinstance(exc, InvalidInput):
        schema_errors(r, exc.messages)
    elif isinstance(exc, NotAllowed) and instrument is not None:
        r.error(None, f"u mag '{instrument.name}' ({instrument.provider.name}) niet wijzigen"
                      + (" of publiceren" if record.get("status") else ""))
    elif isinstance(exc, NotAllowed):
        r.error(None, f"u mag geen instrumenten van '{provider.name}' toevoegen"
                      + (" of publiceren" if record.get("status") == "published" else ""))
    else:
        r.error(None, str(exc))


def check_update(editor: Editor, known: KnownInstruments, r: RowReport, item: Known, record: dict,
                 region: Region | None, allow_national: bool, base_version: int | None = None,
                 resolutions: dict[str, str] | None = None) -> Planned | None:
    """Checks the update of `item` from the row's `record`. `base_version`: the version the row was exported at;
    fields changed both in the file and here since then are conflicts, written only as `resolutions` say."""
    instrument = known.instrument(item)
    row = r.result
    row.slug = instrument.slug
    row.name = row.name or instrument.name
    before = snapshot(instrument)
    merged = _merge(before, record)
    try:
        data = editor.loader.validate(merged)
    except ValidationError as exc:
        schema_errors(r, exc.messages)
        return None
    current, proposed = normalise(before), normalise(comparable(data, editor.loader))
    if proposed == current:
        row.action = "unchanged"
        return None
    row.conflicts = find_conflicts(editor.session, instrument, base_version, current, proposed,
                                   resolutions if resolutions is not None else {})
    if any(c.choice is None for c in row.conflicts):
        row.action = "conflict"
        return None
    checked = data
    if row.conflicts:
        merged = apply_choices(merged, before, row.conflicts)
    for provider in {instrument.provider, editor.loader.providers[checked["provider"]]}:
        reason = in_scope(provider, region, allow_national)
        if reason:
            r.error("provider" if "provider" in r.headers else None, reason)
            return None
    try:  # validated again when a choice changed the record
        _, _, data = editor.check_update(instrument, merged, data=None if row.conflicts else checked,
                                         slug_taken=lambda slug: known.by_slug.get(slug) not in (None, item))
    except (InvalidInput, NotAllowed, SeedError) as exc:
        editor_refusal(r, exc, instrument, None, record)
        return None
    changes = diff(before, applied_snapshot(editor.loader, before, data))
    if not changes:
        row.action = "unchanged"
        return None
    row.action, row.changes, row.diffs = "update", sorted(changes), changes
    known.change(item, data["slug"], data.get("external_id"), editor.loader.providers[data["provider"]].id,
                 data["name"])
    return Planned(r, merged, instrument, instrument.version)


def check_create(editor: Editor, known: KnownInstruments, r: RowReport, record: dict, provider: Provider | None,
                 region: Region | None, allow_national: bool, slugs_in_file: set) -> Planned | None:
    row = r.result
    for col in COLUMNS:
        if col.required and record.get(col.key) in (None, ""):
            r.error(col.key, "verplicht bij een nieuw instrument; vul dit in")
    if row.errors or provider is None:
        return None
    if not record.get("reach"):
        record["reach"] = DEFAULT_REACH.get(provider.type, "landelijk")
    reason = in_scope(provider, region, allow_national)
    if reason:
        r.error("provider", reason)
        return None
    if not record.get("slug"):
        base = slugify(f"{provider.slug} {record['name']}")[:150].strip("-") or "instrument"
        slug, n = base, 2
        while slug in slugs_in_file or known.slug_taken(slug):
            slug, n = f"{base}-{n}", n + 1
        record["slug"] = slug
    if record["slug"] in slugs_in_file:
        r.error("slug", f"slug '{record['slug']}' staat al in een andere rij")
        return None
    slugs_in_file.add(record["slug"])
    if "translations" in record:
        record["translations"] = {"en": {k: v for k, v in record["translations"].items() if v}} \
            if any(record["translations"].values()) else {}
    row.slug = record["slug"]
    try:
        data = editor.check_create(record, slug_taken=known.slug_taken)
    except (InvalidInput, NotAllowed, SeedError) as exc:
        editor_refusal(r, exc, None, provider, record)
        return None
    row.action = "create"
    known.add_new(row.row, data["slug"], data.get("external_id"), editor.loader.providers[data["provider"]].id,
                  data["name"])
    return Planned(r, record, provider=provider)

