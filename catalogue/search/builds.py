"""Build directories of the index and their locks: which `INDEX_DIR/build-*` are finished, in progress or crashed.

A build holds an exclusive `flock` on `INDEX_DIR/<build>.lock` from before its directory exists until it is finished (or
removed); the kernel drops the lock when the process dies, also on `kill -9`. A finished build leaves a `BUILD_COMPLETE`
file in its directory. So at the start of the next build:

- finished builds (the marker) are left to `IndexStore`, which keeps the current one and the one before it;
- a build whose lock another process holds is in progress and is left alone;
- a build without the marker whose lock nobody holds crashed, and is removed with its lock file;
- a directory with neither marker nor lock file (a crash before this scheme, or a lock file lost) is removed once it is
  older than STALE_SECONDS, which no real build takes.
"""
from __future__ import annotations

import fcntl
import os
import shutil
import time
from pathlib import Path

COMPLETE = "BUILD_COMPLETE"
STALE_SECONDS = 6 * 3600
TEMP_LINK_SECONDS = 60  # `.current-*` symlinks are renamed onto `current` within microseconds; older ones are debris


class BuildLock:
    """The exclusive lock of one build, held from before its directory is made until it is finished."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.path = lock_path(directory)
        self._fd: int | None = os.open(self.path, os.O_CREAT | os.O_RDWR, 0o644)
        fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a fresh name: nobody else holds it

    def finish(self) -> None:
        """Marks the build complete (call before it is swapped in)."""
        (self.directory / COMPLETE).write_text(time.strftime("%Y-%m-%dT%H:%M:%S%z\n"))

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            self.path.unlink(missing_ok=True)
        finally:
            os.close(self._fd)  # closing drops the flock
            self._fd = None


def lock_path(directory: Path) -> Path:
    return directory.with_name(directory.name + ".lock")


def is_complete(directory: Path) -> bool:
    return (directory / COMPLETE).exists()


def in_progress(directory: Path) -> bool:
    """Does a living process hold this build's lock?"""
    path = lock_path(directory)
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def _age(path: Path, now: float) -> float:
    try:
        return now - path.lstat().st_mtime
    except FileNotFoundError:
        return 0.0


def remove_crashed(root: Path, current: Path | None, now: float | None = None) -> list[str]:
    """Removes the debris of builds that died: unfinished directories nobody is building, their lock files, and stray
    temporary symlinks. Returns the names removed."""
    now = time.time() if now is None else now
    removed: list[str] = []
    for directory in sorted(root.glob("build-*")):
        if directory.suffix == ".lock" or not directory.is_dir() or directory.is_symlink():
            continue
        if (current is not None and directory.resolve() == current) or is_complete(directory):
            continue
        if lock_path(directory).exists():
            if in_progress(directory):
                continue
        elif _age(directory, now) < STALE_SECONDS:
            continue  # no lock file: perhaps a build that is just starting under an older version; wait
        shutil.rmtree(directory, ignore_errors=True)
        lock_path(directory).unlink(missing_ok=True)
        removed.append(directory.name)
    for lock in root.glob("build-*.lock"):
        directory = lock.with_suffix("")
        if not directory.exists() and _age(lock, now) > TEMP_LINK_SECONDS and not in_progress(directory):
            lock.unlink(missing_ok=True)
            removed.append(lock.name)
    for link in root.glob(".current-*"):
        if link.is_symlink() and _age(link, now) > TEMP_LINK_SECONDS:
            link.unlink(missing_ok=True)
            removed.append(link.name)
    return removed
