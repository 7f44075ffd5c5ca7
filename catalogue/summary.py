"""The summary to hand over: the selected instruments for this employer and candidate, where each comes from, the
estimate, the combination warnings, the deadlines computed from the start date, the documents needed and the WSP contact
point. No Flask. The shareable URL holds only the wizard's answers, the instrument slugs and the estimate's numbers: no
personal data (no name, no BSN, no address)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

from sqlalchemy.orm import Session

from .combinations import Deadline, Warning, check, deadlines
from .estimate import Estimate, EstimateInput, estimate_from_args
from .estimate.rules import NationalOnDay
from .wizard import Choices, Match, result

MAX_SELECTED = 30
DOCUMENTS = {
    "requires_doelgroepverklaring": "Doelgroepverklaring (aan te vragen bij UWV of de gemeente)",
    "requires_doelgroepregister": "Inschrijving in het doelgroepregister banenafspraak (UWV)",
}


@dataclass
class Summary:
    choices: Choices
    selected: list[Match]
    unknown_slugs: list[str]
    data: EstimateInput
    estimate: Estimate | None  # None when an estimate field is wrong or empty (nothing computed)
    warnings: list[Warning]
    deadlines: list[Deadline]
    documents: list[tuple[str, list[str]]] = field(default_factory=list)  # document, the instruments needing it
    national: NationalOnDay | None = None  # the national values on the start date (shown with source and last check)

    @property
    def instruments(self) -> list:
        return [m.instrument for m in self.selected]


def selected_slugs(args: Mapping[str, Sequence[str]]) -> list[str]:
    out: list[str] = []
    for raw in args.get("i") or []:
        for part in str(raw).split(","):
            part = part.strip()[:120]
            if part and part not in out:
                out.append(part)
    return out[:MAX_SELECTED]


def build_summary(session: Session, choices: Choices, args: Mapping[str, Sequence[str]]) -> Summary:
    slugs = selected_slugs(args)
    outcome = result(session, choices)
    by_slug = {m.facts.slug: m for g in outcome.groups for m in g.matches}
    selected = [by_slug[s] for s in slugs if s in by_slug]
    unknown = [s for s in slugs if s not in by_slug]
    instruments = [m.instrument for m in selected]
    outcome_estimate = estimate_from_args(args, instruments)
    data, computed = outcome_estimate.data, outcome_estimate.estimate
    documents = []
    for attribute, label in DOCUMENTS.items():
        needing = [i.name for i in instruments if getattr(i, attribute, False)]
        if needing:
            documents.append((label, needing))
    due = deadlines(instruments, data.start) if data.raw and "start" not in data.errors and data.start else []
    return Summary(choices, selected, unknown, data, computed, check(instruments), due, documents,
                   outcome_estimate.national)


def mail_body(summary: Summary, url: str) -> str:
    """The plain-text e-mail of a summary (the outbox stores it)."""
    lines = ["Overzicht uit de Open instrumentengids (een schatting, geen toezegging).", "",
             f"Werkgever in: {summary.choices.municipality.name}"]
    if summary.choices.residence.municipality:
        lines.append(f"Kandidaat woont in: {summary.choices.residence.municipality.name}")
    lines += ["", "Geselecteerde regelingen:"]
    for match in summary.selected:
        lines.append(f"- {match.instrument.name} (van {match.instrument.provider.name})")
    if summary.estimate is not None and summary.estimate.net_total is not None:
        lines += ["", f"Geschatte loonkosten na steun over {len(summary.estimate.years)} jaar: "
                      f"€ {summary.estimate.net_total:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")]
    for deadline in summary.deadlines:
        lines.append(f"Uiterlijk {deadline.due.strftime('%d-%m-%Y')}: {deadline.rule.requirement} aanvragen "
                     f"({deadline.instrument.name})")
    for warning in summary.warnings:
        lines.append(f"Let op: {warning.rule.message}")
    lines += ["", f"Het volledige overzicht: {url}"]
    return "\n".join(lines)
