"""What an import did, per row and for the whole file, and its plain-text form for the command line."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable


ACTIONS = ("create", "update", "unchanged", "error")
ACTION_LABELS = {"create": "nieuw", "update": "bijwerken", "unchanged": "ongewijzigd", "error": "fout"}


@dataclass
class RowResult:
    row: int
    sheet: str | None
    action: str = "error"
    slug: str | None = None
    name: str | None = None
    provider: str | None = None
    errors: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)  # changed fields (updates)

    @property
    def label(self) -> str:
        return ACTION_LABELS[self.action]


@dataclass
class ImportResult:
    filename: str
    region: str | None
    dry_run: bool
    rows: list[RowResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # file-level errors and every row error, in order
    warnings: list[str] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)  # header in the file -> column label
    committed: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def counts(self) -> dict[str, int]:
        return {a: self.count(a) for a in ACTIONS}

    def summary(self) -> str:
        c = self.counts
        text = (f"{len(self.rows)} rijen: {c['create']} nieuw, {c['update']} bijwerken, {c['unchanged']} ongewijzigd, "
                f"{c['error']} met fouten")
        if self.committed:
            return text + "; opgeslagen."
        if self.dry_run and self.ok:
            return text + "; proefimport, niets opgeslagen."
        return text + "; niets opgeslagen."


def format_result(result: ImportResult, verbose: bool = True) -> Iterable[str]:
    """Plain-text lines for the command line."""
    if result.mapping:
        yield "Kolommen: " + ", ".join(f"{src} → {dst}" if src != dst else src for src, dst in result.mapping.items())
    for warning in result.warnings:
        yield f"Let op: {warning}"
    if verbose:
        for row in result.rows:
            where = f"rij {row.row}" + (f" ({row.sheet})" if row.sheet else "")
            extra = f" [{', '.join(row.changes)}]" if row.changes else ""
            yield f"{where:>24}  {row.label:<12} {row.slug or '-'}  {row.name or ''}{extra}"
    for error in result.errors:
        yield f"FOUT: {error}"
    yield result.summary()
