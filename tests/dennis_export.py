"""Dennis exports for tests, built in the shape of d-core's InstrumentResource (src/ElasticResources/*Resource.php):
every key in its order, nested resources with their own keys. The content is test data, not real regional offers."""
from __future__ import annotations

import json
import uuid as uuidlib


def township(code: str, name: str) -> dict:
    return {"id": int(code[2:]), "name": name, "slug": name.lower().replace(" ", "-"), "code": code,
            "description": None, "featureId": None, "region": None}


def region(code: str, name: str, townships: list[dict] | None = None) -> dict:
    return {"id": int(code[2:]), "name": name, "slug": name.lower().replace(" ", "-"), "code": code, "color": None,
            "townships": townships or [], "contacts": []}


def local_party(code: str, name: str) -> dict:
    return {"id": 1, "type": "LocalParty", "name": f"Gemeente {name}", "slug": f"gemeente-{name.lower()}",
            "localParty": {"id": 1, "name": f"Gemeente {name}", "slug": f"gemeente-{name.lower()}",
                           "township": township(code, name)},
            "regionalParty": None, "nationalParty": None, "partnership": None, "areasActiveIn": [], "contacts": []}


def regional_party(code: str, name: str) -> dict:
    return {"id": 2, "type": "RegionalParty", "name": name, "slug": name.lower(), "localParty": None,
            "regionalParty": {"id": 2, "name": name, "slug": name.lower(), "region": region(code, name)},
            "nationalParty": None, "partnership": None, "areasActiveIn": [], "contacts": []}


def national_party(name: str) -> dict:
    return {"id": 3, "type": "NationalParty", "name": name, "slug": name.lower(), "localParty": None,
            "regionalParty": None, "nationalParty": {"id": 3, "name": name, "slug": name.lower()},
            "partnership": None, "areasActiveIn": [], "contacts": []}


def partnership(name: str, townships: list[tuple[str, str]]) -> dict:
    return {"id": 4, "type": "Partnership", "name": name, "slug": name.lower(), "localParty": None,
            "regionalParty": None, "nationalParty": None,
            "partnership": {"id": 4, "name": name, "slug": name.lower(),
                            "townships": [township(c, n) for c, n in townships]},
            "areasActiveIn": [], "contacts": []}


def tile(name: str, key: str) -> dict:  # exported without its DW code
    return {"id": 1, "name": name, "sub_title": None, "excerpt": None, "description": "<p>…</p>",
            "crisis_description": None, "crisis_services": None, "list": "<ul></ul>", "key": key,
            "position": {"x": 1, "y": 1}}


def instrument(name: str, organisation: dict, *, uuid: str | None = None, updated_at="2024-03-01T10:00:00.000000Z",
               short="Een korte omschrijving voor werkgevers.", description="<p>Beschrijving.</p>",
               conditions=None, applications=None, publish=True, published=True, publish_from=None,
               publish_to=None, regions=(), townships=(), neighbourhoods=(), tiles=(), age_groups=(),
               employment_types=(), sectors=(), registers=(), target_groups=(), links=(), videos=(), downloads=(),
               provider=None, contacts=(), locations=(), is_leerwerktraject=False, reach=None) -> dict:
    reach = reach or ("regional" if regions else "local")
    return {
        "uuid": uuid or str(uuidlib.uuid4()), "name": name, "slug": name.lower().replace(" ", "-"),
        "created_at": "2023-01-10T09:00:00.000000Z", "updated_at": updated_at, "publish": publish,
        "publish_from": publish_from, "publish_to": publish_to, "published": published, "complete": True,
        "is_leerwerktraject": is_leerwerktraject, "short_description": short, "description": description,
        "applications": applications, "conditions": conditions, "import_mark": None,
        "is_national": reach == "national", "is_regional": reach == "regional", "is_local": reach == "local",
        "reach": reach, "organisation": organisation, "locations": list(locations),
        "tiles": list(tiles), "tiles_count": len(tiles),
        "age_groups": [{"id": n, "description": d, "code": c} for n, (c, d) in enumerate(age_groups)],
        "age_groups_count": len(age_groups),
        "employment_types": [{"id": n, "description": d, "code": c} for n, (c, d) in enumerate(employment_types)],
        "employment_types_count": len(employment_types),
        "sectors": [{"id": n, "description": d, "sbi_group": s, "sbiGroep": s} for n, (s, d) in enumerate(sectors)],
        "sectors_count": len(sectors),
        "target_group_registers": [{"id": n, "description": d} for n, d in enumerate(registers)],
        "target_group_registers_count": len(registers),
        "target_groups": [{"id": n, "description": d, "code": c} for n, (c, d) in enumerate(target_groups)],
        "target_groups_count": len(target_groups),
        "links": [{"id": n, "label": label, "url": url} for n, (label, url) in enumerate(links)],
        "videos": [{"id": n, "provider": p, "video_identifier": v} for n, (p, v) in enumerate(videos)],
        "downloads": [{"id": n, "created_at": None, "updated_at": None, "label": label, "url": url,
                       "filename": filename} for n, (label, url, filename) in enumerate(downloads)],
        "provider": provider,
        "contacts": list(contacts),
        "available_areas": [], "available_areas_all": [], "available_areas_specified": [],
        "available_regions": [region(c, n) for c, n in regions],
        "available_townships": [township(c, n) for c, n in townships],
        "available_neighbourhoods": [{"id": n, "name": hood, "township": township(c, t)}
                                     for n, (hood, c, t) in enumerate(neighbourhoods)],
    }


def contact(name, phone=None, email=None, label=None, kind=("internal", "Intern")) -> dict:
    return {"id": 1, "name": name, "phone": phone, "email": email, "type": {"key": kind[0], "name": kind[1]},
            "label": label}


def location(name, street, number, postcode, place, kind=("address", "Adres")) -> dict:
    return {"id": 1, "name": name, "type": {"key": kind[0], "name": kind[1]}, "is_active": True, "description": None,
            "address": {"id": 1, "name": None, "straatnaam": street, "huisnummer": number, "postbusnummer": None,
                        "antwoordnummer": None, "postcode": postcode,
                        "postcode_digits": int(postcode[:4]) if postcode else 0, "woonplaats": place}}


def dumps(items: list[dict]) -> bytes:
    return json.dumps(items, indent=4).encode("utf-8")  # JSON_PRETTY_PRINT, as Dennis writes it
