"""An instrument as an HSDS service. `service_out(..., full=False)` gives the one-to-one fields (the `/services` list),
`full=True` the fully nested service (organization, service areas, cost options, contacts, attributes with their
taxonomy terms)."""
from __future__ import annotations

from datetime import date

from ..models import INSTRUMENT_TERM_TAXONOMIES
from ..parameters import decision_period_text, duration_text
from ..sanitize import readable_stored_text as readable_text
from . import ids
from .areas import service_areas
from .contacts import contacts
from .costs import cost_options
from .modified import modified_at
from .organizations import organization_id, organization_out
from .taxonomies import term_id, term_out

STATUS = {"current": "active", "upcoming": "inactive", "ended": "defunct"}
TERM_LABELS = {"target_group": "Doelgroepen", "scheme": "Uitkering of regeling", "age_group": "Leeftijd",
               "employment_type": "Dienstverband", "sector": "Sectoren"}


def service_id(instrument) -> str:
    return ids.make("service", instrument.id)


def _text(*parts: str | None) -> str | None:
    text = "\n\n".join(p for p in parts if p)
    return text or None


def _eligibility(instrument) -> str | None:
    lines = []
    for taxonomy, label in TERM_LABELS.items():
        names = [t.name for t in instrument.terms_of(taxonomy)]
        if names:
            lines.append(f"{label}: {', '.join(names)}.")
    if instrument.requires_doelgroepverklaring:
        lines.append("Een doelgroepverklaring is nodig.")
    if instrument.requires_doelgroepregister:
        lines.append("De werknemer staat in het doelgroepregister banenafspraak.")
    return _text("\n".join(lines) or None, readable_text(instrument.conditions))


def _ages(instrument) -> tuple[int | None, int | None]:
    """The age range the chosen age groups span; None for an open end (AOW age is not a fixed number)."""
    groups = instrument.terms_of("age_group")
    if not groups:
        return None, None
    lows = [(g.extra or {}).get("min_age") for g in groups]
    highs = [(g.extra or {}).get("max_age") for g in groups]
    low = None if any(v is None for v in lows) else min(lows)
    high = None if any(v is None for v in highs) else max(highs)
    return low, high


def _alert(instrument, lifecycle: str) -> str | None:
    if lifecycle == "ended":
        return f"Deze regeling is beëindigd; de laatste dag was {instrument.valid_until.isoformat()}."
    if lifecycle == "upcoming":
        return f"Deze regeling begint op {instrument.valid_from.isoformat()}."
    if instrument.valid_until:
        return f"Deze regeling loopt tot en met {instrument.valid_until.isoformat()}."
    return None


def attributes(instrument, sid: str, hsds_url: str | None, wide_terms: dict | None = None) -> list[dict]:
    """One attribute per taxonomy term of the instrument (its kind first, its reach and provider type last), linking the
    service to the term. `wide_terms`: taxonomies.instrument_wide_terms()."""
    terms = [instrument.kind, *[t for tax in INSTRUMENT_TERM_TAXONOMIES for t in instrument.terms_of(tax)]]
    for key in (("reach", instrument.reach), ("provider_type", instrument.provider.type)):
        if wide_terms and key in wide_terms:
            terms.append(wide_terms[key])
    out = []
    for term in terms:
        number = (1 << 19) | term.id if term is instrument.kind else term.id
        item = {"id": ids.make_part("attribute", instrument.id, number), "link_id": sid, "link_type": "service",
                "link_entity": "service", "taxonomy_term_id": term_id(term), "value": term.code}
        if hsds_url is not None:
            item["taxonomy_term"] = term_out(term, hsds_url)
        out.append(item)
    return out


def service_out(instrument, guide_url: str, today: date | None = None, full: bool = True,
                wide_terms: dict | None = None, nested: bool = True) -> dict:
    """`guide_url`: the site's root URL (https://host, without a trailing slash); the HSDS API lives at
    `{guide_url}/api/hsds`. `wide_terms`: the reach and provider-type terms (taxonomies.instrument_wide_terms).
    `full`: with its parts (service areas, cost options, contacts, attributes); `nested`: also the organization and
    each attribute's taxonomy term in full (the export has those in files of their own and refers to them by id)."""
    today = today or date.today()
    sid = service_id(instrument)
    lifecycle = instrument.lifecycle(today)
    low, high = _ages(instrument)
    out = {
        "id": sid,
        "organization_id": organization_id(instrument.provider),
        "name": instrument.name,
        "alternate_name": (instrument.translations or {}).get("en", {}).get("name") or None,
        "description": _text(instrument.summary, readable_text(instrument.description)) or instrument.name,
        "url": instrument.source_url or None,
        "status": STATUS[lifecycle],
        "application_process": readable_text(instrument.how_to_apply),
        "wait_time": (f"Besluit binnen {decision_period_text(instrument.decision_period_weeks)}"
                      if instrument.decision_period_weeks is not None else None),
        "eligibility_description": _eligibility(instrument),
        "minimum_age": low,
        "maximum_age": high,
        "alert": _alert(instrument, lifecycle),
        "last_modified": modified_at(instrument, today).isoformat().replace("+00:00", "Z"),
        # extensions (documented in extensions.py and /api/hsds/profile)
        "slug": instrument.slug,
        "guide_url": f"{guide_url}/instrumenten/{instrument.slug}",
        "kind": instrument.kind.code,
        "reach": instrument.reach,
        "lifecycle": lifecycle,
        "valid_from": instrument.valid_from.isoformat() if instrument.valid_from else None,
        "valid_until": instrument.valid_until.isoformat() if instrument.valid_until else None,
        "duration": duration_text(instrument.duration_max, instrument.duration_unit) or None,
        "legal_basis": instrument.legal_basis or None,
        "last_checked": instrument.last_checked.isoformat() if instrument.last_checked else None,
        "example": bool(instrument.example),
    }
    out = {k: v for k, v in out.items() if v is not None}
    if not full:
        return out
    if nested:
        out["organization"] = organization_out(instrument.provider, guide_url)
    out["service_areas"] = service_areas(instrument, sid)
    out["cost_options"] = cost_options(instrument, sid)
    out["contacts"] = contacts(instrument, sid)
    out["attributes"] = attributes(instrument, sid, f"{guide_url}/api/hsds" if nested else None, wide_terms)
    return out


