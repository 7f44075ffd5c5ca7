"""CSV export."""
from __future__ import annotations

import csv
import io
from typing import Iterable

from .columns import columns
from .selection import ExportSpec
from .coverage_rows import COVERAGE_LABEL, ExportCoverage
from .values import ProgressCallback, _notes_allowed, cell_text, record


def write_csv(instruments: Iterable, out: io.TextIOBase, spec: ExportSpec,
              progress: ProgressCallback | None = None, coverage: ExportCoverage | None = None) -> int:
    """UTF-8 CSV with a header row (write the BOM yourself when the reader is Excel: `to_bytes` does). With `coverage`,
    a last "Dekking" column and a marker row per gemeente whose offer is not declared complete."""
    cols = columns(spec.internal)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.label for c in cols] + ([COVERAGE_LABEL] if coverage is not None else []))
    n = 0
    for instrument in instruments:
        rec = record(instrument, cols, _notes_allowed(spec, instrument))
        extra = [coverage.label_for(instrument) or ""] if coverage is not None else []
        writer.writerow([cell_text(c, rec[c.key]) for c in cols] + extra)
        n += 1
        if progress:
            progress(1)
    provider_at = next(i for i, c in enumerate(cols) if c.key == "provider")
    for marker in (coverage.markers if coverage is not None else []):
        cells = [""] * len(cols)
        cells[provider_at] = marker.provider
        writer.writerow(cells + [marker.text])
    return n
