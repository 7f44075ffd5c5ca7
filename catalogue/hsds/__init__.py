"""The catalogue as Open Referral HSDS 3.0 (Human Services Data Specification). No Flask.

instrument → service, provider (aanbieder) → organization, availability → service_area (gemeente, arbeidsmarktregio or
Nederland, by CBS code), target groups, schemes, age groups and the other facets → attributes linking taxonomy terms
(our taxonomies published as HSDS taxonomies) and the eligibility text and ages, structured amounts with their dated
values → cost_option (valid_from/valid_to), contacts → contact. Only public instruments (published, not deleted, inside
their publication window) are ever mapped; internal notes, status and versions are never read here.

Modules: `ids` (stable UUIDs), `taxonomies`, `organizations`, `services` (and its parts `areas`, `costs`, `contacts`),
`listing` (what is public, `modified_after`, pages), `export` (the zipped dataset, streamed), `extensions` (the fields
we add to HSDS, documented at /api/hsds/profile).
"""
HSDS_VERSION = "3.0"
