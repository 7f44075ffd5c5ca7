"""What harmonisation returns: the matrix of a region and the national overview (plain dataclasses)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class Place:
    code: str
    name: str
    slug: str


@dataclass
class Cell:
    column: str  # a GM code, or "regio", "uwv", "landelijk"
    available: bool
    own: bool = False  # gemeente column: the gemeente offers it itself
    via_region: bool = False  # gemeente column: (also) available through the region
    instruments: list[dict] = field(default_factory=list)  # {slug, name, provider, example}
    params: dict[str, str] = field(default_factory=dict)
    differs: list[str] = field(default_factory=list)  # parameters on which this gemeente deviates from the reference
    uwv_relation: str | None = None
    unknown: bool = False  # gemeente column: not offered here as far as the catalogue knows, but its offer is unknown


@dataclass
class Difference:
    kind: str
    parameter: str
    parameter_label: str
    municipality: str  # GM code
    municipality_name: str
    value: str
    reference: str  # the majority value (ties broken by the centrumgemeente, then by name)


@dataclass
class ValueGroup:
    value: str
    municipalities: list[str]  # GM codes
    names: list[str]


@dataclass
class ParameterSummary:
    parameter: str
    label: str
    uniform: bool
    tie: bool
    groups: list[ValueGroup]
    reference: str
    uwv: str | None
    uwv_differs: bool | None
    sentence: str | None


@dataclass
class KindRow:
    kind: str
    name: str
    status: str
    status_label: str
    icon: str
    offered_by: list[str]  # GM codes with an own offer
    missing: list[Place]
    cells: dict[str, Cell]
    parameters: list[ParameterSummary]
    differences: list[Difference]
    uwv_relation: str | None
    uwv_relation_label: str
    uwv_differences: list[dict]
    not_harmonisable_with: str | None
    not_harmonisable_reason: str | None
    sentences: list[str]
    in_score: bool
    unknown: list[Place] = field(default_factory=list)  # gemeenten lacking the kind whose offer is not known complete


@dataclass
class RegionHarmonisation:
    region: Place
    municipalities: list[Place]
    columns: list[dict]  # {key, label}
    rows: list[KindRow]
    has_data: bool
    score: int | None
    coverage: float | None
    uniformity: float | None
    level: int | None
    level_label: str
    status_counts: dict[str, int]
    language: str
    based_on: int = 0  # gemeenten with instruments of their own in the catalogue
    complete: int = 0  # gemeenten whose whole offer is declared complete
    based_on_text: str = ""

    @property
    def differences(self) -> list[Difference]:
        return [d for row in self.rows for d in row.differences]

    def row(self, kind: str) -> KindRow:
        return next(r for r in self.rows if r.kind == kind)

    def to_dict(self) -> dict:
        data = asdict(self)
        data.pop("language")
        data["rows"] = [{**r, "cells": list(r["cells"].values())} for r in data["rows"]]
        data["formula"] = "score = round_half_up(100 x (0.5 x coverage + 0.5 x uniformity))"
        return data


@dataclass
class RegionSummary:
    region: Place
    municipalities: int
    has_data: bool
    score: int | None
    coverage: float | None
    uniformity: float | None
    level: int | None
    level_label: str
    status_counts: dict[str, int]
    missing: dict[str, list[str]]  # kind -> GM codes lacking it
    differing: dict[str, list[str]]  # kind -> parameters that differ
    based_on: int = 0
    complete: int = 0


@dataclass
class NationalOverview:
    regions: list[RegionSummary]
    gaps: list[dict]  # the most common gaps, per kind
    average_score: float | None
    regions_with_data: int
    seconds: float = 0.0

    def to_dict(self) -> dict:
        data = asdict(self)
        data.pop("seconds")
        data["formula"] = "score = round_half_up(100 x (0.5 x coverage + 0.5 x uniformity))"
        return data
