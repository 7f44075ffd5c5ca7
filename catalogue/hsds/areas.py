"""Where an instrument is available, as HSDS service areas: every gemeente of a lokaal instrument, every
arbeidsmarktregio of a regionaal one, Nederland for a landelijk one; named with their CBS codes."""
from __future__ import annotations

from . import ids

NATIONAL_PART = 0  # part numbers: 0 Nederland, 1.. regions (1 + region id), 2**19.. gemeenten (2**19 + id)
MUNICIPALITY_BASE = 2**19


def service_areas(instrument, service_id: str) -> list[dict]:
    if instrument.reach == "landelijk":
        return [_area(instrument, service_id, NATIONAL_PART, "Nederland", "Heel Nederland", "land", "NL")]
    if instrument.reach == "regionaal":
        return [_area(instrument, service_id, 1 + r.id, r.name, f"Arbeidsmarktregio {r.name} (CBS-code {r.code})",
                      "arbeidsmarktregio", r.code) for r in instrument.regions]
    return [_area(instrument, service_id, MUNICIPALITY_BASE + m.id, m.name, f"Gemeente {m.name} (CBS-code {m.code})",
                  "gemeente", m.code) for m in instrument.municipalities]


def _area(instrument, service_id: str, part: int, name: str, description: str, area_type: str, code: str) -> dict:
    return {"id": ids.make_part("service_area", instrument.id, part), "service_id": service_id, "name": name,
            "description": description, "area_type": area_type, "cbs_code": code}
