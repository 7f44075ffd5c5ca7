"""The last export zip kept on disk, per change-log position, date and site address: the first download after a change
is made while it is sent (and written to a file beside it), later ones are that file. No Flask."""
from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path
from typing import Iterable, Iterator


class ExportCache:
    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)

    @staticmethod
    def key(position: int, day, guide_url: str) -> str:
        return f"{position}-{day.isoformat()}-{hashlib.sha256(guide_url.encode()).hexdigest()[:12]}"

    def file(self, key: str) -> Path | None:
        path = self.folder / f"export-{key}.zip"
        return path if path.is_file() else None

    def tee(self, key: str, chunks: Iterable[bytes]) -> Iterator[bytes]:
        """Yields the chunks and writes them to a part file; only a complete zip becomes the kept file (atomically),
        and the older kept files are removed. An interrupted download leaves nothing behind."""
        self.folder.mkdir(parents=True, exist_ok=True)
        part = self.folder / f".export-{key}.{secrets.token_hex(4)}.part"
        done = False
        try:
            with open(part, "wb") as out:
                for chunk in chunks:
                    out.write(chunk)
                    yield chunk
            final = self.folder / f"export-{key}.zip"
            os.replace(part, final)
            done = True
            for old in self.folder.glob("export-*.zip"):
                if old != final:
                    old.unlink(missing_ok=True)
        finally:
            if not done:
                part.unlink(missing_ok=True)
