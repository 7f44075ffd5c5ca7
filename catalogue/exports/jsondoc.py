"""JSON export: the read API's output schema, plus every structured parameter and its readable text."""
from __future__ import annotations

import io
import json
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Sequence

from ..dated import amounts
from ..models import Instrument
from ..parameters import amount_text, applicant_text, decision_period_text, duration_text
from .columns import STRUCTURED_PARAMETERS, columns
from .selection import ExportSpec
from .coverage_rows import ExportCoverage
from .values import ProgressCallback, _notes_allowed, provider_reference

EXAMPLE_LEGEND = "example: true = voorbeeldinhoud, geen echte regeling; niet als feit gebruiken."


def json_document(instruments: Sequence[Instrument], spec: ExportSpec, progress: ProgressCallback | None = None,
                  coverage: ExportCoverage | None = None) -> dict:
    from ..schemas import InstrumentDetailOutSchema

    schema = InstrumentDetailOutSchema()
    items = []
    for instrument in instruments:
        item = schema.dump(instrument)
        item["provider_reference"] = provider_reference(instrument.provider)
        in_force = amounts(instrument)  # dated amounts: the values in force today
        params = {key: _json_value(in_force[key] if key in in_force else getattr(instrument, key))
                  for key in STRUCTURED_PARAMETERS}
        params["texts"] = {
            "duration": duration_text(instrument.duration_max, instrument.duration_unit, spec.language) or None,
            "amount": amount_text(instrument, spec.language) or None,
            "decision_period": decision_period_text(instrument.decision_period_weeks, spec.language) or None,
            "applicant": applicant_text(instrument.applicant, spec.language) or None,
        }
        item["parameters"] = params
        item["example"] = bool(instrument.example)
        if coverage is not None:
            item["coverage"] = coverage.label_for(instrument)
        item["version"] = instrument.version
        if spec.internal:
            allowed = _notes_allowed(spec, instrument)
            item["status"] = instrument.status if allowed else None
            item["publish_from"] = _json_value(instrument.publish_from) if allowed else None
            item["publish_to"] = _json_value(instrument.publish_to) if allowed else None
            item["internal_notes"] = instrument.internal_notes if allowed else None
        items.append(item)
        if progress:
            progress(1)
    doc = {
        "title": spec.title,
        "generated_at": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
        "region": spec.region.code if spec.region is not None else None,
        "municipality": spec.municipality.code if spec.municipality is not None else None,
        "count": len(items),
        "columns": [{"key": c.key, "label": c.label} for c in columns(spec.internal)],
        "instruments": items,
        "example_legend": EXAMPLE_LEGEND,
        "examples": sum(1 for i in items if i["example"]),
    }
    if coverage is not None:
        doc["coverage"] = {
            "gemeenten": [c.to_dict() for c in coverage.gemeenten.values()] if spec.region or spec.municipality else None,
            "region": coverage.regions[spec.region.code].to_dict() if spec.region is not None else None,
            "unknown": [{"provider_reference": m.provider, "name": m.name, "text": m.text} for m in coverage.markers],
            "ask": coverage.ask or None,
        }
    return doc


def _json_value(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def write_json(instruments: Sequence[Instrument], out: io.TextIOBase, spec: ExportSpec,
               progress: ProgressCallback | None = None, coverage: ExportCoverage | None = None) -> int:
    doc = json_document(instruments, spec, progress, coverage)
    json.dump(doc, out, ensure_ascii=False, indent=1)
    return doc["count"]
