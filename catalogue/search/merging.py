"""Merging the index's small segments in the background, on CPU nobody else wants (the node's index writer). No Flask.

Every edit commits a one-document segment. whoosh's MERGE_SMALL merged the small segments inside a commit about every
fifth edit: 130-280 ms of CPU at 100,000 instruments (400-600 ms wall beside busy workers), while the requests waited
for the same two cores. With a `Merger` (`IndexStore.merge_in_background`, the `catalogue index follow` process) an
edit's commit merges nothing; a merger process of its own, at SCHED_IDLE (it runs only when a core would otherwise be
idle), writes the merged segment into the build's `.merging/` directory, and the writer swaps it in at its next commit,
or on its own when no edit comes (`IndexStore.apply_merge`). The swap is one generation like any other: the workers
reopen it as after an edit (`segments.reopen`).

Which segments (`choose`): levels of FACTOR (a segment of n documents is on level floor(log_FACTOR n)); on the lowest
level that has FACTOR or more segments after the built one, up to 2 x FACTOR of them (oldest first) become one segment
of a higher level, in the place of the first of them (the built segment is never chosen). Every document is copied
about once per level, and a level keeps fewer than FACTOR segments once the merger has caught up. After a quiet minute
the follower has everything merged into one segment (`IndexStore.optimize_in_background`, the deleted versions
dropped), by the merger too; an edit that comes meanwhile abandons that merge (the merger process is ended and started
again for the next one).

A merged segment is only swapped in if its sources are all still in the index; if not, the result is dropped and
what is left is merged again. A document deleted in a source since the merge began (the same instrument edited again)
is deleted in the merged segment as well (`later_deletions`), so the deletion is not undone and the merge is not
wasted. If the merger falls behind (a machine saturated for a long time) and more than MAX_SEGMENTS pile up, the
commit merges inline as before (`index.merge_small_in_order`).
"""
from __future__ import annotations

import base64
import bisect
import json
import logging
import math
import os
import pickle
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

FACTOR = 4
MAX_SEGMENTS = 40
WORKDIR = ".merging"  # inside the build directory: whoosh's clean_files skips names that start with a dot


def level(documents: int) -> int:
    return int(math.log(max(documents, 1), FACTOR) + 1e-9)


def choose(segments) -> list | None:
    """The segments to merge: those after the first (the built one) on the lowest level that has FACTOR or more of
    them (at most 2 x FACTOR, oldest first); None when no level has."""
    by_level: dict[int, list] = {}
    for segment in segments[1:]:
        by_level.setdefault(level(segment.doc_count_all()), []).append(segment)
    for lowest in sorted(by_level):
        if len(by_level[lowest]) >= FACTOR:
            return by_level[lowest][:2 * FACTOR]
    return None


@dataclass(frozen=True)
class Job:
    folder: str
    sources: tuple[str, ...]  # segment ids, oldest first
    deleted: tuple[frozenset, ...]  # their deletions when the merge began
    everything: bool = False  # an optimize (every segment): abandoned when an edit comes
    number: int = 0  # echoed by the merger process: an answer is only ever taken for its own job


@dataclass(frozen=True)
class Result:
    job: Job
    segment: object | None  # the merged whoosh segment (None: the merge failed)
    filename: str | None
    cpu_seconds: float


class Merger:
    """The writer's side: one merge at a time in a long-lived child process (`python -m catalogue.search.merging`)."""

    def __init__(self, indexname: str):
        self.indexname = indexname
        self._process: subprocess.Popen | None = None
        self._lock = threading.Lock()
        self._pending: Job | None = None
        self._result: Result | None = None
        self._jobs = 0
        self.merged = self.dropped = 0  # merges swapped in / dropped (their sources changed)
        self.cpu_seconds = 0.0  # the merger's CPU on swapped-in merges

    @property
    def busy(self) -> bool:
        with self._lock:
            return self._pending is not None

    def ready(self) -> bool:
        with self._lock:
            return self._result is not None

    def optimizing(self) -> bool:
        with self._lock:
            return self._pending is not None and self._pending.everything

    def submit(self, folder: str, schema, run, everything: bool = False) -> bool:
        """Starts merging `run` (segments of the index in `folder`) unless a merge is under way."""
        with self._lock:
            if self._pending is not None or self._result is not None:
                return False
            self._jobs += 1
            job = Job(str(folder), tuple(s.segment_id() for s in run),
                      tuple(frozenset(s.deleted_docs()) for s in run), everything, self._jobs)
            self._pending = job
        try:
            process = self._child()
            sources = base64.b64encode(pickle.dumps((schema, list(run)))).decode()
            process.stdin.write(json.dumps({"number": job.number, "folder": job.folder, "indexname": self.indexname,
                                            "sources": sources}) + "\n")
            process.stdin.flush()
        except OSError:
            log.warning("the index merger is gone; merging inline until it starts again", exc_info=True)
            with self._lock:
                self._pending = None
            self.close()
            return False
        return True

    def take(self, folder: str, segments: list) -> list | None:
        """`segments` (a commit's, oldest first) with a finished merge swapped in: its file moved into `folder`, the
        sources replaced by the merged segment, in which the documents deleted in a source since the merge began (an
        edit replaced them meanwhile) are deleted too. None when there is no result, or it does not fit (a source is
        gone: merged inline or swapped out); then it is dropped."""
        with self._lock:
            result, self._result = self._result, None
        if result is None:
            return None
        job = result.job
        by_id = {s.segment_id(): s for s in segments}
        fits = result.segment is not None and job.folder == str(folder) and all(
            segid in by_id and before <= frozenset(by_id[segid].deleted_docs())
            for segid, before in zip(job.sources, job.deleted))
        if not fits:
            self.dropped += result.segment is not None
            self._discard(job.folder, result.filename)
            return None
        os.replace(Path(job.folder) / WORKDIR / result.filename, Path(folder) / result.filename)
        for docnum in later_deletions(job, [by_id[segid] for segid in job.sources]):
            result.segment.delete_document(docnum)
        self.merged += 1
        self.cpu_seconds += result.cpu_seconds
        first, gone = job.sources[0], set(job.sources)
        return [result.segment if s.segment_id() == first else s for s in segments
                if s.segment_id() == first or s.segment_id() not in gone]

    def close(self) -> None:
        """Ends the merger process; a merge under way is abandoned (`clear` removes its file at the next start)."""
        process, self._process = self._process, None
        if process is not None:
            try:
                if self.busy:
                    process.kill()
                process.stdin.close()
                process.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                process.kill()
                process.wait()
        with self._lock:
            self._pending = None

    # -- the child ----------------------------------------------------------------------------------------------------

    def _child(self) -> subprocess.Popen:
        if self._process is not None and self._process.poll() is None:
            return self._process
        root = Path(__file__).resolve().parents[2]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))}
        self._process = subprocess.Popen([sys.executable, "-m", "catalogue.search.merging"], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, text=True, env=env)
        threading.Thread(target=self._read, args=(self._process,), name="index merger", daemon=True).start()
        return self._process

    def _read(self, process: subprocess.Popen) -> None:
        """Answers of one merger process (a process ended by `close` may still be answering after a new one started:
        only an answer to the job under way, by its number, counts)."""
        for line in process.stdout:
            try:
                answer = json.loads(line)
            except ValueError:  # cut off: the process was ended while writing
                continue
            with self._lock:
                job = self._pending
                if job is None or answer.get("number") != job.number:
                    continue
                self._pending = None
                segment = pickle.loads(base64.b64decode(answer["segment"])) if answer.get("segment") else None
                if segment is None:  # e.g. a source merged away meanwhile (an optimize): chosen again if still there
                    log.info("merging index segments failed: %s", answer.get("error"))
                self._result = Result(job, segment, answer.get("filename"), answer.get("cpu_seconds", 0.0))
        with self._lock:  # the process ended on its own: a merge under way is lost (its sources are merged again later)
            if self._process is process:
                self._pending = None

    @staticmethod
    def _discard(folder: str, filename: str | None) -> None:
        if filename:
            try:
                os.unlink(Path(folder) / WORKDIR / filename)
            except OSError:
                pass


def later_deletions(job: Job, sources: list) -> list[int]:
    """The merged segment's numbers of the documents deleted in `sources` (the job's, as they are now) after the merge
    began. The merger wrote each source's documents that were live then, in order, the sources one after the other,
    numbered from 0 (whoosh's SegmentWriter.add_reader). Without this, a merge finished while an edit replaced one of
    its documents was thrown away: with edits coming to the same instruments, each merge of the mid-sized segments
    (~250 ms CPU at 100,000 instruments) was dropped and began again, and the small segments piled up."""
    numbers, offset = [], 0
    for source, before in zip(sources, job.deleted):
        earlier = sorted(before)
        for docnum in sorted(set(source.deleted_docs()) - before):
            numbers.append(offset + docnum - bisect.bisect_left(earlier, docnum))
        offset += source.doc_count_all() - len(before)
    return numbers


# -- the merger process ------------------------------------------------------------------------------------------------

def merge(folder: str, indexname: str, schema, sources: list):
    """Writes one segment with the live documents of `sources` (whoosh segments of the index in `folder`) into
    `folder/.merging/`, without the index's write lock; returns (the new segment, its file name)."""
    from whoosh.reading import SegmentReader
    from whoosh.writing import SegmentWriter

    from .inline import InlineCodec
    from .storage import IndexStorage

    storage = IndexStorage(folder)
    work = Path(folder) / WORKDIR
    work.mkdir(exist_ok=True)
    writer = SegmentWriter(_Target(IndexStorage(str(work)), indexname, schema), _lk=False, codec=InlineCodec())
    try:
        for source in sources:
            reader = SegmentReader(storage, schema, source)
            try:
                writer.add_reader(reader)
            finally:
                reader.close()
        segment = writer._finalize_segment()
    except BaseException:
        writer.cancel()
        raise
    writer._finish()
    return segment, segment.make_filename(segment.COMPOUND_EXT)


class _Target:
    """What whoosh's SegmentWriter reads of an index: where to write, the name, and a table of contents (the schema;
    no segments and generation 0: the writer's own segment list and generation are not used here)."""

    def __init__(self, storage, indexname: str, schema):
        from whoosh.index import TOC

        self.storage, self.indexname, self._toc = storage, indexname, TOC(schema, [], 0)

    def _read_toc(self):
        return self._toc


def _idle() -> None:
    """SCHED_IDLE, or CATALOGUE_INDEX_MERGER_NICE (a niceness added to the writer's, which it inherits; at most 19)
    instead: a node whose CPU is always busy gets no merges at
    SCHED_IDLE (the commits then merge inline past MAX_SEGMENTS, and the merge of everything waits for a quiet moment)."""
    niceness = os.environ.get("CATALOGUE_INDEX_MERGER_NICE")
    if niceness:
        os.nice(int(niceness))
        return
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):  # not Linux: the lowest ordinary priority
        try:
            os.nice(19)
        except OSError:
            pass


def main() -> None:
    """Reads merge jobs (JSON lines) on stdin, answers each on stdout, until stdin closes."""
    _idle()
    for line in sys.stdin:
        job = json.loads(line)
        started = time.process_time()
        try:
            schema, sources = pickle.loads(base64.b64decode(job["sources"]))
            segment, filename = merge(job["folder"], job["indexname"], schema, sources)
            answer = {"segment": base64.b64encode(pickle.dumps(segment)).decode(), "filename": filename}
        except Exception as exc:  # reported to the writer, which merges these segments again later
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        answer["cpu_seconds"] = time.process_time() - started
        answer["number"] = job.get("number")
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


def clear(folder: str | os.PathLike) -> None:
    """Removes what an interrupted merger left in a build directory."""
    shutil.rmtree(Path(folder) / WORKDIR, ignore_errors=True)


if __name__ == "__main__":
    main()
