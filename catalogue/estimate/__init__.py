"""The net-cost estimate "Wat kost deze medewerker mij?" (no Flask): inputs (checked per field), the dated national values
it needs (rules) per period of a year (periods), the computation (compute; the loonkostensubsidie in lks), each number a
Line whose rule is translatable text (texts)."""
from .compute import Estimate, Line, Year, estimate
from .inputs import EstimateInput, parse_input
from .outcome import EstimateOutcome, estimate_from_args
from .rules import NationalValues, load_values

__all__ = ["Estimate", "EstimateInput", "EstimateOutcome", "estimate_from_args", "Line", "NationalValues", "Year", "estimate", "load_values", "parse_input"]
