"""The whoosh index: schema, documents, and where the index lives on disk.

Layout: INDEX_DIR/current is a symlink to INDEX_DIR/build-<timestamp>-<pid>. `build()` writes a complete new index into a
fresh directory and then swaps the symlink with os.replace(), which is atomic: readers see either the old or the new index,
never a half-built one, and a crash mid-build leaves only an unused directory behind, which the next build removes without
touching a build another process is still writing (`builds`: a lock per build, a marker when it is finished). Readers
open the index through the symlink and notice a swap (realpath changes) or a new generation (incremental updates).

Only published, non-deleted instruments are indexed; the publication window, location and facets are applied by the
facet table (`facettable`), which is built from SQL and is the authority on what is public.
"""
from __future__ import annotations

import functools
import json
import os
import shutil
import time
from collections import defaultdict
from pathlib import Path
from typing import Iterable, Iterator

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, aliased
from whoosh import index as whoosh_index
from whoosh.fields import ID, NUMERIC, Schema
from whoosh.writing import MERGE_SMALL, LockError

from ..models import Instrument, InstrumentKind, Municipality, Provider, Region, TaxonomyTerm, instrument_term
from . import builds, merging
from .bulk import BulkWriter
from .inline import InlineCodec
from .analysis import DUTCH, ENGLISH, PLAIN, strip_html
from .onepass import Text as TEXT
from .storage import IndexStorage

SCHEMA_VERSION = 1


def merge_small_in_order(writer, segments):
    """whoosh's MERGE_SMALL, keeping the segments it does not merge in their order: MERGE_SMALL returns them sorted by
    size, which put the small ones before the built one, so the next merge of small segments moved the built one's
    ~100,000 documents to other numbers and every carried bitset and the docnum map had to translate them all
    (bitsets.py, docmap.py: a located search 30 -> 80 ms at 100,000 instruments). Kept in order, a merge moves only
    the small segments' documents."""
    kept = MERGE_SMALL(writer, segments)
    if kept is segments:
        return segments
    names = {segment.segment_id() for segment in kept}
    return [segment for segment in segments if segment.segment_id() in names]

INDEX_NAME = f"instruments_v{SCHEMA_VERSION}"

# Field weights: name > kind > summary > the rest. Applied as query boosts (see querying.FIELDS).
SCHEMA = Schema(
    key=ID(unique=True, stored=True),
    iid=NUMERIC(int, bits=64, stored=True, sortable=True),
    name=TEXT(analyzer=DUTCH),
    kind=TEXT(analyzer=DUTCH),
    summary=TEXT(analyzer=DUTCH),
    tags=TEXT(analyzer=DUTCH),  # target groups, schemes, age groups, employment types, sectors (names)
    provider=TEXT(analyzer=DUTCH),  # provider name, its gemeente and region
    body=TEXT(analyzer=DUTCH),  # description, conditions, how to apply, amount note, legal basis
    en=TEXT(analyzer=ENGLISH),  # the English translations
    words=TEXT(analyzer=PLAIN, phrase=False),  # unstemmed words of name, kind, summary, tags, provider: spelling,
    # prefixes and completions (not the long texts: that would double the build time for little gain)
)
TERM_TAXONOMIES = ("target_group", "scheme", "age_group", "employment_type", "sector")


def is_indexable(status: str, deleted_at) -> bool:
    return status == "published" and deleted_at is None


def make_document(*, id: int, name: str, kind: str, kind_en: str | None, summary: str | None, description: str | None,
                  conditions: str | None, how_to_apply: str | None, amount_note: str | None, legal_basis: str | None,
                  provider: str, places: Iterable[str], tags: Iterable[str], translations: dict | None) -> dict:
    body = " \n ".join(strip_html(t) for t in (description, conditions, how_to_apply, amount_note, legal_basis) if t)
    en = (translations or {}).get("en") or {}
    english = " \n ".join(strip_html(str(en.get(f) or "")) for f in ("name", "summary", "description", "conditions"))
    provider_text = " ".join([provider, *places])
    tags_text = " \n ".join(tags)
    summary_text = strip_html(summary)
    return {
        "key": str(id), "iid": id, "name": name, "kind": kind, "summary": summary_text, "tags": tags_text,
        "provider": provider_text, "body": body, "en": f"{english} \n {kind_en or ''}",
        "words": " \n ".join([name, kind, summary_text, tags_text, provider_text]),
    }


def document_for(item: Instrument) -> dict:
    """The index document of one ORM instrument (relationships are loaded as needed)."""
    provider = item.provider
    places = []
    if provider is not None:
        if provider.municipality is not None:
            places.append(provider.municipality.name)
        if provider.region is not None:
            places.append(provider.region.name)
    places += [m.name for m in item.municipalities] + [r.name for r in item.regions]
    return make_document(
        id=item.id, name=item.name, kind=item.kind.name if item.kind else "", kind_en=item.kind.name_en if item.kind else None,
        summary=item.summary, description=item.description, conditions=item.conditions, how_to_apply=item.how_to_apply,
        amount_note=item.amount_note, legal_basis=item.legal_basis, provider=provider.name if provider else "",
        places=places, tags=[t.name for t in item.terms if t.taxonomy in TERM_TAXONOMIES], translations=item.translations,
    )


def documents_from_sql(session: Session, ids: Iterable[int] | None = None, batch: int = 5000) -> Iterator[dict]:
    """Index documents for every indexable instrument (or those of `ids`), read in a few bulk queries."""
    ids = sorted(set(ids)) if ids is not None else None
    stmt, term_stmt = _document_statements(ids is not None)
    chunks = [ids[i:i + batch] for i in range(0, len(ids), batch)] if ids is not None else [None]
    for chunk in chunks:
        rows = session.execute(stmt, {"ids": chunk} if chunk is not None else {}).all()
        if not rows:
            continue
        tags: dict[int, list[str]] = defaultdict(list)
        for iid, name in session.execute(term_stmt, {"ids": [r[0] for r in rows]} if chunk is not None else {}):
            tags[iid].append(name)
        for (iid, name, kind, kind_en, summary, description, conditions, how_to_apply, amount_note, legal_basis,
             translations, provider, gemeente_name, region_name) in rows:
            yield make_document(
                id=iid, name=name, kind=kind, kind_en=kind_en, summary=summary, description=description,
                conditions=conditions, how_to_apply=how_to_apply, amount_note=amount_note, legal_basis=legal_basis,
                provider=provider, places=[p for p in (gemeente_name, region_name) if p], tags=tags.get(iid, ()),
                translations=translations if isinstance(translations, dict) else {},
            )


@functools.lru_cache(maxsize=2)
def _document_statements(by_ids: bool) -> tuple:
    """`documents_from_sql`'s two queries, made once (with the ids as a parameter when `by_ids`): the index writer runs
    them for every edit, and building them anew cost ~1 ms of SQLAlchemy each time."""
    gemeente = aliased(Municipality)
    region = aliased(Region)
    stmt = (
        select(Instrument.id, Instrument.name, InstrumentKind.name, InstrumentKind.name_en, Instrument.summary,
               Instrument.description, Instrument.conditions, Instrument.how_to_apply, Instrument.amount_note,
               Instrument.legal_basis, Instrument.translations, Provider.name, gemeente.name, region.name)
        .join(InstrumentKind, InstrumentKind.id == Instrument.kind_id)
        .join(Provider, Provider.id == Instrument.provider_id)
        .outerjoin(gemeente, gemeente.id == Provider.municipality_id)
        .outerjoin(region, region.id == Provider.region_id)
        .where(Instrument.status == "published", Instrument.deleted_at.is_(None))
        .order_by(Instrument.id)
    )
    term_stmt = (select(instrument_term.c.instrument_id, TaxonomyTerm.name)
                 .join(TaxonomyTerm, TaxonomyTerm.id == instrument_term.c.term_id)
                 .where(TaxonomyTerm.taxonomy.in_(TERM_TAXONOMIES)))
    if by_ids:
        stmt = stmt.where(Instrument.id.in_(bindparam("ids", expanding=True)))
        term_stmt = term_stmt.where(instrument_term.c.instrument_id.in_(bindparam("ids", expanding=True)))
    return stmt, term_stmt


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (the forked writers): the build's work whatever the load."""
    import resource

    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


class IndexStore:
    """The index directory: current symlink, builds, incremental writes."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)
        self.current = self.root / "current"
        self._resolved: tuple | None = None  # (the link's lstat identity, the build it pointed to)
        self.merger: merging.Merger | None = None  # merging.py: small segments merged by a process of their own

    def merge_in_background(self) -> None:
        """From now on an edit's commit merges nothing: a merger process at idle priority merges the small segments
        and the next commit (or `apply_merge`) swaps the result in (merging.py). For the node's index writer."""
        if self.merger is None:
            path = self.current_path()
            if path is not None:
                merging.clear(path)
            self.merger = merging.Merger(INDEX_NAME)

    def stop_merging(self) -> None:
        merger, self.merger = self.merger, None
        if merger is not None:
            merger.close()

    def _merge_policy(self, folder: Path, committed: list):
        """The commit's merge policy: a finished background merge swapped in, else nothing merged (inline only
        without a merger, or when more than merging.MAX_SEGMENTS segments piled up). `committed` receives the
        segments kept."""
        merger = self.merger

        def policy(writer, segments):
            kept = merger.take(str(folder), segments) if merger is not None else None
            if kept is None:
                if merger is None or len(segments) > merging.MAX_SEGMENTS:
                    kept = merge_small_in_order(writer, segments)
                else:
                    kept = segments
            committed[:] = kept
            return kept

        return policy

    def _merge_next(self, folder: Path, writer, committed: list) -> None:
        """After a commit: starts merging what `merging.choose` picks from the committed segments."""
        merger = self.merger
        if merger is None:
            return
        if writer._added and merger.optimizing():  # an edit came: the merge of everything would not fit any more
            merger.close()
        if merger.busy or merger.ready():
            return
        segments = committed + ([writer.get_segment()] if writer._added else [])
        run = merging.choose(segments)
        if run is not None:
            merger.submit(str(folder), writer.schema, run)

    def apply_merge(self, timeout: float = 2.0) -> bool:
        """Commits a finished background merge on its own (no edit came to carry it); True when a new generation was
        written."""
        merger = self.merger
        if merger is None or not merger.ready():
            return False
        ix = self.open()
        if ix is None:
            return False
        folder = Path(ix.storage.folder)  # the build this writer writes (not `current` again: it may have moved)
        try:
            try:
                writer = ix.writer(timeout=timeout, codec=InlineCodec())
            except LockError:
                return False
            kept = merger.take(str(folder), list(writer.segments))
            if kept is None:  # it no longer fits (dropped): nothing to write
                writer.cancel()
                return False
            try:
                writer.commit(mergetype=lambda _writer, _segments: kept)
            except BaseException:
                if not writer.is_closed:
                    writer.cancel()
                raise
            self._merge_next(folder, writer, kept)
            return True
        finally:
            ix.close()

    def exists(self) -> bool:
        """There is a current index with at least one generation (its table of contents is there): a directory
        listing, not whoosh's `exists_in`, which opens the index and unpickles that table (~1.5 ms, twice per edit)."""
        target = self.current_path()
        if target is None:
            return False
        prefix = f"_{INDEX_NAME}_"
        try:
            return any(name.startswith(prefix) and name.endswith(".toc") for name in os.listdir(target))
        except OSError:
            return False

    def current_path(self) -> Path | None:
        """The build `current` points to; None when there is none. Resolved again only when the link is another one
        (a swap makes a new link: another inode and change time) or its build is gone: one lstat and one stat, where a
        resolve cost ~66 us and a request asked ~4 times."""
        try:
            st = os.lstat(self.current)
        except OSError:
            return None
        key = (st.st_dev, st.st_ino, st.st_ctime_ns, st.st_mtime_ns)
        cached = self._resolved
        if cached is not None and cached[0] == key and os.path.isdir(cached[1]):
            return cached[1]
        real = Path(os.path.realpath(self.current))
        if not real.is_dir():
            return None
        self._resolved = (key, real)
        return real

    def open(self):
        path = self.current_path()
        if path is None:
            return None
        try:
            return IndexStorage(str(path)).open_index(INDEX_NAME)  # files read through shared maps, not copied
        except (whoosh_index.EmptyIndexError, OSError):
            return None

    def build(self, documents: Iterable[dict], *, procs: int = 1, state: dict | None = None) -> dict:
        """Writes every document into a new directory, then swaps it in. Returns figures. `state` (the change-log
        position the documents reflect) is stored inside the new directory before the swap."""
        started = time.perf_counter()
        cpu_started = _cpu_seconds()
        self.root.mkdir(parents=True, exist_ok=True)
        crashed = builds.remove_crashed(self.root, self.current_path())
        target = self.root / f"build-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{time.time_ns() % 1_000_000:06d}"
        lock = builds.BuildLock(target)  # taken before the directory exists, so no other build sees it unlocked
        try:
            target.mkdir()
            ix = whoosh_index.create_in(str(target), SCHEMA, indexname=INDEX_NAME)
            # procs > 1: whoosh forks sub-writers, one segment each (multisegment: no single-threaded merge at the end)
            writer = ix.writer(limitmb=256, procs=procs, multisegment=True) if procs > 1 else BulkWriter(ix, limitmb=256)
            count = 0
            for doc in documents:
                writer.add_document(**doc)
                count += 1
            writer.commit(optimize=procs <= 1)
            ix.close()
            if state is not None:
                self._write_state(target, state)
            lock.finish()
            self._swap(target)
        except BaseException:
            shutil.rmtree(target, ignore_errors=True)
            raise
        finally:
            lock.release()
        self._remove_old_builds(keep={target.name})
        return {"documents": count, "seconds": time.perf_counter() - started, "path": str(target),
                "removed_crashed": len([n for n in crashed if not n.startswith(".")]),
                "cpu_seconds": _cpu_seconds() - cpu_started}

    STATE = "follow.json"

    def read_state(self) -> dict | None:
        """The change-log position stored with the current index (None: unknown, e.g. an index from before the log)."""
        path = self.current_path()
        try:
            return json.loads((path / self.STATE).read_text()) if path is not None else None
        except (OSError, ValueError):
            return None

    def state_stamp(self) -> tuple | None:
        """Changes whenever the stored position does (a new state file, or another index swapped in), without reading
        it: a few system calls."""
        path = self.current_path()
        if path is None:
            return None
        try:
            st = os.stat(path / self.STATE)
        except OSError:
            return (str(path), None)
        return (str(path), st.st_ino, st.st_mtime_ns, st.st_size)

    def write_state(self, state: dict) -> None:
        path = self.current_path()
        if path is not None:
            self._write_state(path, state)

    def _write_state(self, directory: Path, state: dict) -> None:
        tmp = directory / f".{self.STATE}.{os.getpid()}"
        tmp.write_text(json.dumps(state))
        os.replace(tmp, directory / self.STATE)

    def _swap(self, target: Path) -> None:
        link = self.root / f".current-{os.getpid()}-{time.time_ns()}"
        os.symlink(target.name, link)  # relative, so the directory can be moved
        os.replace(link, self.current)  # atomic on POSIX

    def _remove_old_builds(self, keep: set[str]) -> None:
        """Removes finished builds older than the previous one (a reader may still be using the previous one for a
        moment). Unfinished ones are another process's build in progress, or debris for `builds.remove_crashed`."""
        finished = sorted((p for p in self.root.glob("build-*") if p.is_dir() and builds.is_complete(p)),
                          key=lambda p: p.stat().st_mtime)
        current = self.current_path()
        old = [p for p in finished if p.name not in keep and p.resolve() != current]
        for path in old[:-1]:
            shutil.rmtree(path, ignore_errors=True)

    def write(self, updates: dict[int, dict], deletes: set[int], timeout: float = 10.0, searcher=None) -> bool:
        """Applies document updates and deletions to the current index. False when there is no index yet.
        `searcher`: a callable returning a searcher of the index's latest generation (the search engine's, whose
        segment readers stay open) to find the documents to replace; otherwise whoosh's writer opens every segment
        anew for that, which reads the whole index (0.1 s at 100,000 instruments) for a one-document edit."""
        ix = self.open()
        if ix is None:
            return False
        deadline = time.monotonic() + timeout
        while True:
            try:
                writer = ix.writer(timeout=min(2.0, timeout), codec=InlineCodec())  # see inline.py
                break
            except LockError:
                if time.monotonic() > deadline:
                    raise
        folder = Path(ix.storage.folder)
        committed: list = []
        try:
            current = searcher() if searcher is not None else None
            if current is not None and current.reader().generation() != writer.generation - 1:
                current = None  # not the generation this writer starts from: its document numbers would differ
            for iid in deletes:
                writer.delete_by_term("key", str(iid), searcher=current)
            for doc in updates.values():
                if current is None:
                    writer.update_document(**doc)
                else:  # update_document's delete by the unique key, with the given searcher
                    writer.delete_by_term("key", doc["key"], searcher=current)
                    writer.add_document(**doc)
            writer.commit(mergetype=self._merge_policy(folder, committed))
            self._merge_next(folder, writer, committed)
        except BaseException:
            if not writer.is_closed:
                writer.cancel()
            raise
        finally:
            ix.close()
        return True

    def optimize_in_background(self) -> bool:
        """`optimize` by the merger at idle priority (merging.py), swapped in by `apply_merge` if no edit came
        meanwhile (an edit abandons it); False when there is no merger, it is busy, or there is nothing to merge."""
        merger = self.merger
        if merger is None:
            return False
        ix = self.open()
        if ix is None:
            return False
        try:
            segments = ix._segments()
            if len(segments) < 2 and not any(s.has_deletions() for s in segments):
                return False
            return merger.submit(ix.storage.folder, ix.schema, segments, everything=True)  # (False: busy)
        finally:
            ix.close()

    def deleted(self) -> int:
        """Deleted documents still in the index (they count in its term statistics until a merge drops them)."""
        ix = self.open()
        if ix is None:
            return 0
        try:
            with ix.searcher() as searcher:
                return searcher.doc_count_all() - searcher.doc_count()
        finally:
            ix.close()

    def optimize(self) -> None:
        """Merges every segment into one, dropping deleted documents: the ranking statistics then equal those of a
        fresh build, so every node ranks alike."""
        ix = self.open()
        if ix is None:
            return
        try:
            ix.optimize()
        finally:
            ix.close()

    def status(self) -> dict:
        ix = self.open()
        if ix is None:
            return {"exists": False, "path": str(self.current)}
        try:
            with ix.searcher() as searcher:
                return {"exists": True, "path": str(self.current_path()), "documents": searcher.doc_count(),
                        "generation": ix.latest_generation(), "segments": len(ix._segments())}
        finally:
            ix.close()
