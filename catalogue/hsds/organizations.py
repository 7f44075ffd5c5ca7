"""Aanbieders (providers) as HSDS organizations: a gemeente, an arbeidsmarktregio's werkgeversservicepunt, UWV, the
Belastingdienst and other national bodies. Only what we know: website, e-mail and phone as entered; the CBS code of a
gemeente or region as an organization identifier."""
from __future__ import annotations

from ..models import Provider
from . import ids

TYPE_DESCRIPTIONS = {
    "gemeente": "Gemeente {where}: instrumenten op grond van de Participatiewet en de eigen verordeningen.",
    "regio": "Werkgeversservicepunt van arbeidsmarktregio {where}: regionale arrangementen voor werkgevers.",
    "uwv": "Uitvoeringsinstituut Werknemersverzekeringen: landelijke instrumenten (Ziektewet, WIA, Wajong, WW).",
    "belastingdienst": "Belastingdienst: fiscale tegemoetkomingen (Wet tegemoetkomingen loondomein).",
    "landelijk": "Landelijke aanbieder van instrumenten voor werkgevers.",
}


def organization_id(provider: Provider) -> str:
    return ids.make("organization", provider.id)


def _description(provider: Provider) -> str:
    where = (provider.municipality.name if provider.municipality else provider.region.name if provider.region
             else provider.name)
    return TYPE_DESCRIPTIONS.get(provider.type, TYPE_DESCRIPTIONS["landelijk"]).format(where=where)


def organization_out(provider: Provider, guide_url: str, full: bool = True) -> dict:
    """`guide_url`: the site's root URL (the provider's page there is the organization's `uri`)."""
    out = {
        "id": organization_id(provider),
        "name": provider.name,
        "description": _description(provider),
        "uri": f"{guide_url}/aanbieders/{provider.slug}",
        "provider_type": provider.type,
        "slug": provider.slug,
    }
    if provider.website:
        out["website"] = provider.website
    if provider.email:
        out["email"] = provider.email
    if not full:
        return out
    out["phones"] = ([{"id": ids.make("organization_phone", provider.id), "organization_id": out["id"],
                       "number": provider.phone}] if provider.phone else [])
    place = provider.municipality or provider.region
    out["organization_identifiers"] = ([{
        "id": ids.make("organization_identifier", provider.id),
        "organization_id": out["id"],
        "identifier_scheme": "NL-CBS",
        "identifier_type": "CBS-gemeentecode" if provider.municipality else "CBS-code arbeidsmarktregio",
        "identifier": place.code,
    }] if place else [])
    return out
