"""How a process reads the whoosh index files: without copying them into its own memory.

whoosh's FileStorage maps a compound segment file and then wraps each sub-file (postings, term index, columns, ...) in
a `BytesIO`, which copies it: at 100,000 instruments every worker held a private copy of 85 MB of postings and terms
in its heap (RssAnon) besides the mapping (RssFile), and made a new copy for every new searcher (each edit).

`IndexStorage` opens every file through one shared read-only memory map and hands whoosh file objects that read
slices of it (`MappedFile`): no copy, one set of pages shared by all workers and the kernel's page cache, touched only
where a search reads (those pages show as the worker's RssFile; the kernel reclaims them under memory pressure).
Writing (`create_file`, locks, renames) is whoosh's own.
"""
from __future__ import annotations

import mmap
import os

from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile

_SEEK_SET, _SEEK_CUR, _SEEK_END = 0, 1, 2


class _View:
    """A read-only file over a memoryview (seek/tell/read/readline without copying the whole)."""

    def __init__(self, view: memoryview):
        self._view = view
        self._pos = 0

    def read(self, size: int | None = -1) -> bytes:
        end = len(self._view) if size is None or size < 0 else min(self._pos + size, len(self._view))
        data = self._view[self._pos:end].tobytes()
        self._pos = max(end, self._pos)
        return data

    def readline(self, size: int | None = -1) -> bytes:
        end = len(self._view) if size is None or size < 0 else min(self._pos + size, len(self._view))
        start = stop = self._pos
        while stop < end:  # look for the newline a page at a time (pickle reads a line now and then)
            found = self._view[stop:min(stop + 4096, end)].tobytes().find(b"\n")
            if found >= 0:
                stop += found + 1
                break
            stop = min(stop + 4096, end)
        return self.read(stop - start)

    def seek(self, where: int, whence: int = _SEEK_SET) -> int:
        base = {_SEEK_SET: 0, _SEEK_CUR: self._pos, _SEEK_END: len(self._view)}[whence]
        self._pos = max(base + where, 0)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        self._view = memoryview(b"")


class MappedFile(StructFile):
    """whoosh's structured file over a slice of a memory map; `subset` (a compound file's sub-file) and `get` read
    slices of the same map, so nothing is copied beyond what is asked for."""

    def __init__(self, view: memoryview, name=None, onclose=None):
        super().__init__(_View(view), name=name, onclose=onclose)
        self._buf = view
        self.is_real = False

    def subset(self, position, length, name=None):
        return MappedFile(self._buf[position:position + length], name=name or self._name)

    def get(self, position, length):
        return self._buf[position:position + length].tobytes()

    def get_array(self, position, typecode, length):
        self.seek(position)
        return self.read_array(typecode, length)

    def close(self):
        if not self.is_closed:
            super().close()
            self._buf = None  # the map itself is unmapped when the last slice of it is gone


class IndexStorage(FileStorage):
    """FileStorage whose files are read through shared memory maps (see the module docstring)."""

    def __init__(self, path, readonly: bool = False):
        # supports_mmap=False: whoosh's CompoundStorage then asks our file for `subset`s instead of copying its own map
        super().__init__(path, supports_mmap=False, readonly=readonly)

    def open_file(self, name, **kwargs):
        path = self._fpath(name)
        with open(path, "rb") as f:
            if os.fstat(f.fileno()).st_size == 0:
                return MappedFile(memoryview(b""), name=name, **kwargs)
            mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        return MappedFile(memoryview(mapped), name=name, **kwargs)
