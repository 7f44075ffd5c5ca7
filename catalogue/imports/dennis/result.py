"""What a Dennis import did per instrument and for the whole file, and its plain-text form for the command line."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from ..result import Outcome, change_lines

ACTIONS = ("create", "update", "unchanged", "conflict", "skipped", "error")
ACTION_LABELS = {"create": "nieuw", "update": "bijwerken", "unchanged": "ongewijzigd", "conflict": "conflict",
                 "skipped": "overgeslagen", "error": "fout"}


@dataclass
class DennisRow:
    position: int
    uuid: str
    name: str | None
    action: str = "error"
    slug: str | None = None
    provider: str | None = None
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what could not be mapped, or was mapped with an assumption
    diffs: dict[str, list] = field(default_factory=dict)  # field -> [old, new]
    conflicts: list = field(default_factory=list)
    proposals: list = field(default_factory=list)  # extract.Proposal, new ones only

    @property
    def label(self) -> str:
        return ACTION_LABELS[self.action]


@dataclass
class DennisResult(Outcome):
    filename: str
    region: str | None
    dry_run: bool
    rows: list[DennisRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    committed: bool = False

    @property
    def counts(self) -> dict[str, int]:
        return {a: sum(1 for r in self.rows if r.action == a) for a in ACTIONS}

    @property
    def proposal_count(self) -> int:
        return sum(len(r.proposals) for r in self.rows)

    @property
    def unmapped(self) -> dict[str, int]:
        """What could not be mapped, summed over the file: {note without the instrument: count}."""
        out: dict[str, int] = {}
        for row in self.rows:
            for note in row.notes:
                out[note] = out.get(note, 0) + 1
        return dict(sorted(out.items(), key=lambda kv: (-kv[1], kv[0])))

    def summary(self) -> str:
        c = self.counts
        text = (f"{len(self.rows)} instrumenten: {c['create']} nieuw, {c['update']} bijwerken, {c['unchanged']} "
                f"ongewijzigd, {c['skipped']} overgeslagen, {c['error']} met fouten; {self.proposal_count} voorstellen "
                "voor parameters")
        if self.open_conflicts:
            text += f", {len(self.open_conflicts)} conflicten met nieuwer werk (kies per conflict)"
        return text + self.saved_text()


def format_dennis(result: DennisResult, verbose: bool = True) -> Iterable[str]:
    if verbose:
        for row in result.rows:
            yield f"{row.position:>6}  {row.label:<12} {row.slug or '-'}  {row.name or ''}"
            yield from change_lines(row, 8, "Dennis")
            for p in row.proposals:
                yield f"{'':>8}voorstel: {', '.join(f'{k}={v}' for k, v in p.values.items())}  «{p.excerpt[:80]}»"
            for note in row.notes:
                yield f"{'':>8}niet overgenomen: {note}"
    if result.unmapped:
        yield "Niet (helemaal) over te nemen, over het hele bestand:"
        for note, count in list(result.unmapped.items())[:40]:
            yield f"  {count:>5} × {note}"
    for error in result.errors:
        yield f"FOUT: {error}"
    yield result.summary()
