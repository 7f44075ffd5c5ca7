"""The properties the guide adds to HSDS 3.0 (HSDS allows additional properties; they must be documented). Served as
the profile document at /api/hsds/profile, which the `/` endpoint names as `profile`."""
from __future__ import annotations

from . import HSDS_VERSION

EXTENSIONS = {
    "service": {
        "example": "true for example content (not a real instrument; shown with the label 'Voorbeeld' in the guide)",
        "lifecycle": "current, upcoming or ended: whether the scheme runs now, has not started or has ended "
                     "(status active, inactive, defunct); ended schemes stay listed",
        "valid_from": "first day of the scheme (YYYY-MM-DD), when known",
        "valid_until": "last day of the scheme (YYYY-MM-DD), when known",
        "kind": "code of the instrument's kind (soort), a term of the taxonomy 'Soort instrument'",
        "reach": "landelijk, regionaal or lokaal",
        "slug": "the instrument's identifier in the guide",
        "guide_url": "the instrument's page in the guide",
        "duration": "maximum duration in words (e.g. 'maximaal 6 maanden')",
        "legal_basis": "the law or regulation the instrument rests on",
        "last_checked": "when the instrument was last checked against its source (YYYY-MM-DD)",
    },
    "service_area": {
        "area_type": "gemeente, arbeidsmarktregio or land",
        "cbs_code": "the CBS code of the area (GMxxxx, AMxx) or NL",
    },
    "cost_option": {
        "parameter": "which amount: amount_value, amount_max_per_year or amount_max_total",
        "amount_type": "vast, per_uur, per_maand, percentage_wml, loonwaarde, tarief_per_uur or werkelijke_kosten; "
                       "amounts are what the employer receives, percentages have no currency",
        "source_url": "the official source of a dated value",
    },
    "contact": {"website": "the contact's website as entered"},
    "organization": {"provider_type": "gemeente, regio, uwv, belastingdienst or landelijk",
                     "slug": "the provider's identifier in the guide"},
    "taxonomy": {"code": "the taxonomy's key in the guide (kind, target_group, scheme, ...)"},
    "taxonomy_term": {"name_en": "English name", "external_code": "the code in Dennis, the VNG instrumentengids "
                                                                  "(DD, LG, DV, DW codes)"},
}


def profile(openapi_url: str) -> dict:
    return {
        "name": "Open instrumentengids HSDS profile",
        "hsds_version": HSDS_VERSION,
        "description": "HSDS 3.0 without changes to its schemas; these additional properties are added. Instruments "
                       "for employers are services, providers are organizations, availability is service_area by "
                       "CBS code, target groups and the other facets are attributes with taxonomy terms, amounts are "
                       "cost options with their validity.",
        "openapi_url": openapi_url,
        "additional_properties": EXTENSIONS,
    }
