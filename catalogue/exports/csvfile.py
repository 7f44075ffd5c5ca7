"""CSV export."""
from __future__ import annotations

import csv
import io
from typing import Iterable

from .columns import columns
from .selection import ExportSpec
from .values import ProgressCallback, _notes_allowed, cell_text, record


def write_csv(instruments: Iterable, out: io.TextIOBase, spec: ExportSpec,
              progress: ProgressCallback | None = None) -> int:
    """UTF-8 CSV with a header row (write the BOM yourself when the reader is Excel: `to_bytes` does)."""
    cols = columns(spec.internal)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.label for c in cols])
    n = 0
    for instrument in instruments:
        rec = record(instrument, cols, _notes_allowed(spec, instrument))
        writer.writerow([cell_text(c, rec[c.key]) for c in cols])
        n += 1
        if progress:
            progress(1)
    return n
