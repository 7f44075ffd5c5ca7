"""The estimate for a page's parameters (summary, comparison): the checked inputs, the estimate when they are complete
and valid (nothing is computed from a bad field), and the national values on the start date."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

from .compute import Estimate, estimate
from .inputs import EstimateInput, parse_input
from .rules import NationalOnDay, load_values


@dataclass
class EstimateOutcome:
    data: EstimateInput
    estimate: Estimate | None  # None: not asked for yet, or a field is wrong
    national: NationalOnDay | None

    @property
    def asked(self) -> bool:
        return bool(self.data.raw)


def estimate_from_args(args: Mapping[str, Sequence[str]], instruments: Sequence) -> EstimateOutcome:
    """Nothing is asked until hours, wage or start date is given; then every field is checked."""
    if not any(args.get(k) and any(str(v).strip() for v in args.get(k)) for k in ("uren", "loon", "start")):
        return EstimateOutcome(EstimateInput(), None, None)
    data = parse_input(args)
    if not data.ok:
        return EstimateOutcome(data, None, None)
    return EstimateOutcome(data, estimate(data, instruments), load_values().on_day(data.start))
