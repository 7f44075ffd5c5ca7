"""What the public sees of one instrument: the representation the feed carries, its digest and its webhook filter keys.
No Flask."""
from __future__ import annotations

import hashlib
import json
from datetime import date

from ..dated import on_date
from ..schemas import InstrumentDetailOutSchema

_SCHEMA = InstrumentDetailOutSchema()
UNDATED = ("peildatum",)  # the day the values hold on: not a change of the instrument


def representation(instrument, day: date) -> dict:
    """Exactly what `GET /api/v1/instruments/<slug>` answers on `day` (JSON-safe: dates and times as text)."""
    return json.loads(json.dumps(_SCHEMA.dump(on_date(instrument, day))))


def digest(rep: dict) -> str:
    """A fingerprint of the representation without the peildatum: equal digests, nothing changed publicly."""
    stable = {k: v for k, v in rep.items() if k not in UNDATED}
    return hashlib.sha256(json.dumps(stable, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def match_keys(instrument) -> dict:
    """What webhook filters look at: kind, provider and the regions where it is available ("*" for landelijk)."""
    if instrument.reach == "landelijk":
        regions = ["*"]
    elif instrument.reach == "regionaal":
        regions = sorted(r.code for r in instrument.regions)
    else:
        regions = sorted({m.region.code for m in instrument.municipalities if m.region is not None})
    if instrument.provider is not None and instrument.provider.region is not None \
            and instrument.provider.region.code not in regions and "*" not in regions:
        regions.append(instrument.provider.region.code)
    return {"kind": instrument.kind.code if instrument.kind else None,
            "provider": instrument.provider.slug if instrument.provider else None, "regions": regions}
