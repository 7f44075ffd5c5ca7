"""The region score, the Arbeidsinspectie level and the map's score bands (see the package docstring)."""
from __future__ import annotations

from collections import Counter
from decimal import Decimal


def round_half_up(value: float) -> int:
    return int(Decimal(str(value)).quantize(Decimal(1), rounding="ROUND_HALF_UP"))


def score_formula(coverage: float, uniformity: float) -> int:
    """The documented region score: round_half_up(100 x (0.5 x coverage + 0.5 x uniformity))."""
    return round_half_up(100 * (0.5 * coverage + 0.5 * uniformity))


def derive_level(municipalities: list, profiles: dict[str, dict]) -> int:
    """The Arbeidsinspectie level from, per kind in K, per gemeente its signature (None = lacks the kind).

    See the module docstring for the definitions.
    """
    if not profiles or not municipalities:
        return 5

    def harmonised(per_gemeente: dict) -> bool:
        values = [per_gemeente.get(m) for m in municipalities]
        return all(v is not None for v in values) and len(set(values)) == 1

    if all(harmonised(p) for p in profiles.values()):
        return 1
    kinds = list(profiles)
    complete: Counter = Counter()
    for m in municipalities:
        profile = tuple(profiles[k].get(m) for k in kinds)
        if all(v is not None for v in profile):
            complete[profile] += 1
    if any(n >= 2 for n in complete.values()):
        return 2
    if any(harmonised(p) for p in profiles.values()):
        return 3
    for p in profiles.values():
        values = Counter(v for v in p.values() if v is not None)
        if any(n >= 2 for n in values.values()):
            return 4
    return 5


def score_band(score: int | None) -> str:
    """Map and legend bands: hoog (80-100), redelijk (60-79), matig (40-59), laag (0-39), geen (no data)."""
    if score is None:
        return "geen"
    if score >= 80:
        return "hoog"
    if score >= 60:
        return "redelijk"
    if score >= 40:
        return "matig"
    return "laag"
