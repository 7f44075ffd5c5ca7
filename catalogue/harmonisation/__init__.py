"""Harmonisation gaps between the gemeenten of an arbeidsmarktregio, computed from the structured parameters. No Flask.

Only public, current instruments count (published, inside the publication window, scheme neither ended nor upcoming).

The matrix of a region: one row per instrument kind, one column per gemeente of the region, plus the region (its WSP or
any other regional provider), UWV and the other national providers (Belastingdienst, RVO, SZW, ...). A cell says whether
the kind is available to an employer located in that gemeente, and with which key parameters.

- A gemeente *offers* a kind when a public, current instrument of that kind with reach ``lokaal`` is available in it
  (normally provided by the gemeente itself). Where a gemeente has several instruments of the same kind, its value for a
  parameter is the *set* of values of those instruments, so two gemeenten are equal on a parameter when their sets are equal.
- Instruments with reach ``regionaal`` count for the region column; they are available in every gemeente of the region.
- Kinds are compared on their ``comparable_parameters`` (``target_groups`` also compares the schemes/benefits).

Status per kind: ``geharmoniseerd`` (every gemeente has it, own offers have equal parameters), ``deels`` (every gemeente has
it but parameters differ), ``ontbreekt`` (some gemeenten lack it), ``regionaal`` (no gemeente offers it itself, the region
does, so it is the same everywhere), ``alleen_landelijk`` (only UWV or another national provider) and ``niet_aangeboden``.

Score (0-100). K = the kinds that at least one gemeente of the region offers itself; G = the gemeenten.
    coverage   = filled (gemeente, kind) cells / (|G| x |K|); a cell is filled when the gemeente offers the kind itself
                 or the region offers it
    uniformity = kinds in K whose own offers have equal comparable parameters in every gemeente that offers them / |K|
    score      = round_half_up(100 x (0.5 x coverage + 0.5 x uniformity))
A region where no gemeente offers anything itself has no score ("geen gegevens").

Arbeidsinspectie five-level status (survey question 40), the first that holds:
    1  all gemeenten, all their instruments: every kind in K is ``geharmoniseerd``
    2  some gemeenten (at least 2), all their instruments: at least two gemeenten have every kind in K (own or regional)
       with identical parameters for each kind
    3  all gemeenten, part of their instruments: at least one kind in K is ``geharmoniseerd``
    4  some gemeenten, part of their instruments: for at least one kind, at least two gemeenten offer it with identical
       parameters
    5  none
"""

from .analysis import signature
from .labels import (
    _L,
    NATIONAL_COLUMN,
    NOT_COMPARED_WITH_UWV,
    PARAMETERS,
    REGION_COLUMN,
    STATUS_ICONS,
    STATUSES,
    UWV_COLUMN,
    UWV_ICONS,
    UWV_RELATIONS,
    _lang,
    expand_parameters,
    level_label,
    parameter_label,
    status_label,
    uwv_relation_label,
)
from .national import national_overview
from .offers import (
    KindInfo,
    Offer,
    _column_of,
    available_ids_subquery,
    current_condition,
    load_kinds,
    load_offers,
    load_term_names,
    valid_municipalities,
)
from .region import region_harmonisation, uwv_relation
from .results import (
    Cell,
    Difference,
    KindRow,
    NationalOverview,
    ParameterSummary,
    Place,
    RegionHarmonisation,
    RegionSummary,
    ValueGroup,
)
from .scoring import derive_level, round_half_up, score_band, score_formula
from .texts import Texts

__all__ = [
    "Cell", "Difference", "KindInfo", "KindRow", "NATIONAL_COLUMN", "NOT_COMPARED_WITH_UWV", "NationalOverview", "Offer",
    "PARAMETERS", "ParameterSummary", "Place", "REGION_COLUMN", "RegionHarmonisation", "RegionSummary", "STATUSES",
    "STATUS_ICONS", "Texts", "UWV_COLUMN", "UWV_ICONS", "UWV_RELATIONS", "ValueGroup", "_L", "_column_of", "_lang",
    "available_ids_subquery", "current_condition", "derive_level", "expand_parameters", "level_label", "load_kinds",
    "load_offers", "load_term_names", "national_overview", "parameter_label", "region_harmonisation", "round_half_up",
    "score_band", "score_formula", "signature", "status_label", "uwv_relation", "uwv_relation_label",
    "valid_municipalities",
]
