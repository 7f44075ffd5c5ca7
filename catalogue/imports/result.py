"""What an import did, per row and for the whole file, and its plain-text form for the command line."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable


ACTIONS = ("create", "update", "unchanged", "conflict", "error")
ACTION_LABELS = {"create": "nieuw", "update": "bijwerken", "unchanged": "ongewijzigd", "conflict": "conflict",
                 "error": "fout"}


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
    diffs: dict[str, list] = field(default_factory=dict)  # field -> [old, new] (updates)
    conflicts: list = field(default_factory=list)  # conflicts.Conflict, chosen or open

    @property
    def label(self) -> str:
        return ACTION_LABELS[self.action]


class Outcome:
    """What a spreadsheet and a Dennis import share: errors, per-row conflicts, and whether the file may be committed.
    Subclasses are dataclasses with `rows` (each with `conflicts`) and `errors`."""

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def conflicts(self) -> list:
        return [c for r in self.rows for c in r.conflicts]

    @property
    def open_conflicts(self) -> list:
        return [c for c in self.conflicts if c.choice is None]

    @property
    def ready(self) -> bool:
        """No errors and every conflict chosen: the file may be committed."""
        return self.ok and not self.open_conflicts

    def saved_text(self) -> str:
        """How a summary ends: what was saved."""
        if self.committed:
            return "; opgeslagen."
        if self.dry_run and self.ready:
            return "; proefimport, niets opgeslagen."
        return "; niets opgeslagen."


def change_lines(row, indent: int, source: str) -> Iterable[str]:
    """A row's changes (field: old → new) and conflicts on the command line; `source` is where the file's values come
    from ("het bestand", "Dennis")."""
    for name, (old, new) in row.diffs.items():
        yield f"{'':>{indent}}{name}: {show(old)} → {show(new)}"
    for c in row.conflicts:
        chosen = {"current": "huidige waarde blijft", "file": f"waarde uit {source}"}.get(c.choice, "kies")
        yield (f"{'':>{indent}}CONFLICT {c.key}: {source.removeprefix('het ')} {show(c.file_value)}, nu "
               f"{show(c.current_value)} (gewijzigd door {c.changed_by} op {c.changed_at:%Y-%m-%d %H:%M}, versie "
               f"{c.base_version} → {c.current_version}): {chosen}")


@dataclass
class ImportResult(Outcome):
    filename: str
    region: str | None
    dry_run: bool
    rows: list[RowResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # file-level errors and every row error, in order
    warnings: list[str] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)  # header in the file -> column label
    committed: bool = False  # every checked row is saved
    saved: int = 0  # rows written and committed (less than planned only when a row was refused while writing)

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def counts(self) -> dict[str, int]:
        return {a: self.count(a) for a in ACTIONS}

    def summary(self) -> str:
        c = self.counts
        text = (f"{len(self.rows)} rijen: {c['create']} nieuw, {c['update']} bijwerken, {c['unchanged']} ongewijzigd, "
                f"{c['error']} met fouten")
        if self.open_conflicts:
            text += (f", {len(self.open_conflicts)} conflicten met nieuwer werk (kies per conflict de huidige waarde "
                     "of die uit het bestand)")
        if self.saved and not self.committed:
            return text + (f"; de eerste {self.saved} te schrijven rijen zijn opgeslagen, de rest niet (importeer het "
                           "bestand opnieuw: opgeslagen rijen zijn dan ongewijzigd).")
        return text + self.saved_text()


def format_result(result: ImportResult, verbose: bool = True) -> Iterable[str]:
    """Plain-text lines for the command line."""
    if result.mapping:
        yield "Kolommen: " + ", ".join(f"{src} → {dst}" if src != dst else src for src, dst in result.mapping.items())
    for warning in result.warnings:
        yield f"Let op: {warning}"
    if verbose:
        for row in result.rows:
            where = f"rij {row.row}" + (f" ({row.sheet})" if row.sheet else "")
            yield f"{where:>24}  {row.label:<12} {row.slug or '-'}  {row.name or ''}"
            yield from change_lines(row, 26, "het bestand")
    for error in result.errors:
        yield f"FOUT: {error}"
    yield result.summary()


def show(value) -> str:
    if value in (None, "", [], {}):
        return "(leeg)"
    text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    return text if len(text) <= 80 else text[:77] + "..."
