"""The whole public catalogue as one HSDS dataset: a zip with JSON files (`services.json`, `organizations.json`,
`taxonomies.json`, `taxonomy_terms.json`, `metadata.json`). Services carry their service areas, cost options, contacts
and attributes; their organization and taxonomy terms are in their own files, referred to by id (`organization_id`,
`taxonomy_term_id`), so a provider or term is written once instead of with every instrument.

Written as a stream: instruments are read in bulk 1,000 at a time (`bulk.py`) and each service is compressed as soon
as it is mapped, so memory stays bounded whatever the size of the catalogue, and `iter_zip` can feed an HTTP response.
"""
from __future__ import annotations

import json
import zipfile
from datetime import date, datetime, timezone
from typing import Iterable, Iterator

from sqlalchemy.orm import Session

from . import HSDS_VERSION
from .bulk import public_instruments
from .listing import providers
from .organizations import organization_out
from .services import service_out
from .taxonomies import TAXONOMIES, all_terms, instrument_wide_terms, taxonomy_out, term_out

LICENCE = {"name": "CC0 1.0 Universal (Public Domain Dedication)",
           "url": "https://creativecommons.org/publicdomain/zero/1.0/"}


class _Pipe:
    """A write-only file for zipfile (which supports unseekable streams) whose bytes are collected for the next yield."""

    def __init__(self):
        self.chunks: list[bytes] = []

    def write(self, data) -> int:
        self.chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self.chunks)
        self.chunks.clear()
        return data


def _json_array(handle, items: Iterable[dict], pipe: _Pipe | None) -> Iterator[bytes]:
    handle.write(b"[")
    for n, item in enumerate(items):
        handle.write((b",\n" if n else b"\n") + json.dumps(item, ensure_ascii=False).encode())
        if pipe is not None and n % 50 == 49:
            yield pipe.take()
    handle.write(b"\n]\n")


def iter_zip(session: Session, guide_url: str, today: date | None = None, progress=None) -> Iterator[bytes]:
    """The zip's bytes, piece by piece. `progress(done)` is called every 500 services."""
    today = today or date.today()
    pipe = _Pipe()
    hsds_url = f"{guide_url}/api/hsds"
    counts = {}
    with zipfile.ZipFile(pipe, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        def entry(name: str, items: Iterable[dict]) -> Iterator[bytes]:
            with archive.open(name, "w", force_zip64=True) as handle:
                yield from _json_array(handle, items, pipe)
            yield pipe.take()

        def services():
            wide_terms = instrument_wide_terms(session)
            n = 0
            for instrument in public_instruments(session, today):
                n += 1
                if progress is not None and n % 500 == 0:
                    progress(n)
                yield service_out(instrument, guide_url, today, wide_terms=wide_terms, nested=False)
            counts["services"] = n

        yield from entry("services.json", services())
        orgs = [organization_out(p, guide_url) for p in providers(session)]
        counts["organizations"] = len(orgs)
        yield from entry("organizations.json", orgs)
        yield from entry("taxonomies.json", [taxonomy_out(t, hsds_url) for t in TAXONOMIES])
        terms = [term_out(t) for t in all_terms(session)]
        counts["taxonomy_terms"] = len(terms)
        yield from entry("taxonomy_terms.json", terms)
        metadata = {
            "hsds_version": HSDS_VERSION,
            "profile": f"{hsds_url}/profile",
            "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
            "peildatum": today.isoformat(),
            "license": LICENCE,
            "counts": counts,
            "files": {"services.json": "HSDS services, one per public instrument (ended schemes included), with their "
                                       "service areas, cost options, contacts and attributes",
                      "organizations.json": "HSDS organizations (the providers)",
                      "taxonomies.json": "HSDS taxonomies", "taxonomy_terms.json": "HSDS taxonomy terms"},
        }
        archive.writestr("metadata.json", json.dumps(metadata, ensure_ascii=False, indent=1))
    yield pipe.take()


def write_zip(session: Session, path, guide_url: str, today: date | None = None, progress=None) -> None:
    with open(path, "wb") as out:
        for chunk in iter_zip(session, guide_url, today, progress):
            out.write(chunk)
