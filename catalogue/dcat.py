"""The catalogue described in DCAT-AP-NL 3.0 (the Dutch profile of DCAT-AP for data.overheid.nl), as an rdflib graph.
No Flask.

One dcat:Catalog with a dcat:Dataset per arbeidsmarktregio (everything available to employers in that region) and one
national dataset (every public instrument), each with its distributions: the JSON API, CSV and XLSX exports, and for
the national dataset the HSDS 3.0 API and its zipped export. Licence of the data: CC0 1.0 (facts about public
schemes). Every property DCAT-AP-NL 3.0 makes mandatory is filled from what we know: the publisher and contact point are
the guide itself (its name and address) unless the operator sets `CATALOGUE_PUBLISHER_NAME`, `CATALOGUE_PUBLISHER_URL`
and `CATALOGUE_CONTACT_EMAIL`; a region's dataset names its werkgeversservicepunt as contact when the region has one.
Nothing is invented: an unknown e-mail address or phone number is left out.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Callable

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, SKOS, XSD
from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Instrument, Municipality, Provider, Region, instrument_municipality, instrument_region
from .queries import public_condition

VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
EU = "http://publications.europa.eu/resource/authority/"
LICENCE = URIRef("http://creativecommons.org/publicdomain/zero/1.0/deed.nl")  # CC0 1.0, in the DCAT-AP-NL licence list
ACCESS_PUBLIC = URIRef(EU + "access-right/PUBLIC")
LANGUAGE_NL = URIRef(EU + "language/NLD")
THEMES = {URIRef(EU + "data-theme/ECON"): "Economie en financiën", URIRef(EU + "data-theme/GOVE"): "Overheid en publieke sector"}
PUBLISHER_TYPES = {"gemeente": "LocalAuthority", "regio": "LocalAuthority", "uwv": "NationalAuthority",
                   "belastingdienst": "NationalAuthority"}  # ADMS publisher types; other bodies: left out (unknown)
FILE_TYPES = {"json": "JSON", "csv": "CSV", "xlsx": "XLSX", "zip": "ZIP"}
MEDIA_TYPES = {"json": "application/json", "csv": "text/csv",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "zip": "application/zip"}


@dataclass
class Settings:
    """Who publishes this instance. Defaults: the guide itself, reachable at its own address."""

    publisher_name: str = "Open instrumentengids"
    publisher_url: str | None = None  # default: the site's home page
    contact_email: str | None = None  # left out when not set


@dataclass
class Urls:
    """Absolute URLs of the guide's pages and API, given by the web layer."""

    home: str
    catalog: str  # the catalogue document itself (its IRI)
    api_instruments: Callable[[str | None], str]  # region code or None -> JSON API list
    export: Callable[[Region | None, str], str]  # region or None, format -> CSV/XLSX export
    region_page: Callable[[Region], str]
    hsds_root: str
    hsds_export: str


@dataclass
class Scope:
    """What one dataset holds: when its newest instrument changed, and whose instruments they are."""

    modified: datetime | None = None
    provider_ids: set[int] = field(default_factory=set)

    def add(self, provider_id: int, updated_at: datetime) -> None:
        self.provider_ids.add(provider_id)
        if self.modified is None or updated_at > self.modified:
            self.modified = updated_at


def scopes(session: Session, today: date) -> tuple[Scope, dict[int, Scope]]:
    """The national scope (every public instrument) and one per region (what is available to an employer there:
    landelijk, the region's regionaal ones and the lokaal ones of its gemeenten), in three queries."""
    rows = session.execute(select(Instrument.id, Instrument.provider_id, Instrument.reach, Instrument.updated_at)
                           .where(public_condition(today))).all()
    in_regions: dict[int, set[int]] = {}
    for instrument_id, region_id in session.execute(select(instrument_region.c.instrument_id, instrument_region.c.region_id)):
        in_regions.setdefault(instrument_id, set()).add(region_id)
    for instrument_id, region_id in session.execute(
            select(instrument_municipality.c.instrument_id, Municipality.region_id)
            .join(Municipality, Municipality.id == instrument_municipality.c.municipality_id)):
        in_regions.setdefault(-instrument_id, set()).add(region_id)  # negative: through its gemeenten
    region_ids = list(session.scalars(select(Region.id)))
    national, per_region = Scope(), {rid: Scope() for rid in region_ids}
    for instrument_id, provider_id, reach, updated_at in rows:
        if updated_at.tzinfo is None:
            updated_at = updated_at.replace(tzinfo=timezone.utc)
        national.add(provider_id, updated_at)
        if reach == "landelijk":
            targets = region_ids
        elif reach == "regionaal":
            targets = in_regions.get(instrument_id, ())
        else:
            targets = in_regions.get(-instrument_id, ())
        for region_id in targets:
            per_region[region_id].add(provider_id, updated_at)
    return national, per_region


def _typed(graph: Graph, node: URIRef, cls, label: str | None = None) -> URIRef:
    """A value from a controlled list (EU vocabularies, IANA, the licence list) with its class, as DCAT-AP's shapes expect
    of it (validators otherwise need the whole vocabulary imported)."""
    graph.add((node, RDF.type, cls))
    if label:
        graph.add((node, SKOS.prefLabel, Literal(label, lang="nl")))
    return node


def _agent(graph: Graph, name: str, url: str | None, provider_type: str | None = None) -> BNode:
    node = BNode()
    graph.add((node, RDF.type, FOAF.Agent))
    graph.add((node, FOAF.name, Literal(name, lang="nl")))
    if provider_type in PUBLISHER_TYPES:
        kind = PUBLISHER_TYPES[provider_type]
        graph.add((node, DCTERMS.type, _typed(graph, URIRef("http://purl.org/adms/publishertype/" + kind), SKOS.Concept,
                                               {"LocalAuthority": "Lokaal bestuur", "NationalAuthority": "Nationale overheid"}[kind])))
    if url:
        graph.add((node, FOAF.homepage, _typed(graph, URIRef(url), FOAF.Document)))
    return node


def _contact(graph: Graph, name: str, url: str | None, email: str | None, phone: str | None = None) -> BNode:
    node = BNode()
    graph.add((node, RDF.type, VCARD.Kind))
    graph.add((node, RDF.type, VCARD.Organization))
    graph.add((node, VCARD.fn, Literal(name, lang="nl")))
    graph.add((node, VCARD["organization-name"], Literal(name, lang="nl")))
    if url:
        graph.add((node, VCARD.hasURL, URIRef(url)))
    if email:
        graph.add((node, VCARD.hasEmail, URIRef(f"mailto:{email}")))
    if phone:
        graph.add((node, VCARD.hasTelephone, Literal(phone)))
    return node


def _distribution(graph: Graph, dataset: URIRef, key: str, title: str, url: str, fmt: str, download: bool,
                  description: str) -> None:
    node = URIRef(f"{dataset}-{key}")
    graph.add((dataset, DCAT.distribution, node))
    graph.add((node, RDF.type, DCAT.Distribution))
    graph.add((node, DCTERMS.title, Literal(title, lang="nl")))
    graph.add((node, DCTERMS.description, Literal(description, lang="nl")))
    graph.add((node, DCAT.accessURL, URIRef(url)))
    if download:
        graph.add((node, DCAT.downloadURL, URIRef(url)))
    graph.add((node, DCTERMS.license, _typed(graph, LICENCE, DCTERMS.LicenseDocument)))
    graph.add((node, DCTERMS.format, _typed(graph, URIRef(EU + "file-type/" + FILE_TYPES[fmt]), DCTERMS.MediaTypeOrExtent)))
    graph.add((node, DCAT.mediaType, _typed(graph, URIRef("https://www.iana.org/assignments/media-types/" + MEDIA_TYPES[fmt]),
                                            DCTERMS.MediaType)))


def _dataset(graph: Graph, catalog: URIRef, iri: URIRef, title: str, description: str, modified: datetime | None,
             publisher: BNode, creators: list[BNode], contact: BNode, landing: str) -> None:
    graph.add((catalog, DCAT.dataset, iri))
    graph.add((iri, RDF.type, DCAT.Dataset))
    graph.add((iri, DCTERMS.title, Literal(title, lang="nl")))
    graph.add((iri, DCTERMS.description, Literal(description, lang="nl")))
    graph.add((iri, DCTERMS.identifier, Literal(str(iri))))
    graph.add((iri, DCTERMS.accessRights, _typed(graph, ACCESS_PUBLIC, DCTERMS.RightsStatement)))
    graph.add((iri, DCTERMS.publisher, publisher))
    for creator in creators or [publisher]:
        graph.add((iri, DCTERMS.creator, creator))
    graph.add((iri, DCAT.contactPoint, contact))
    graph.add((iri, DCTERMS.language, _typed(graph, LANGUAGE_NL, DCTERMS.LinguisticSystem)))
    graph.add((iri, DCAT.landingPage, _typed(graph, URIRef(landing), FOAF.Document)))
    for theme, label in THEMES.items():
        graph.add((iri, DCAT.theme, _typed(graph, theme, SKOS.Concept, label)))
    for word in ("werkgevers", "instrumenten", "arbeidsmarkt", "loonkostensubsidie", "werkgeversservicepunt"):
        graph.add((iri, DCAT.keyword, Literal(word, lang="nl")))
    if modified is not None:
        graph.add((iri, DCTERMS.modified, Literal(modified.isoformat(timespec="seconds"), datatype=XSD.dateTime)))


def _creators(graph: Graph, session: Session, scope: Scope, agents: dict[int, BNode]) -> list[BNode]:
    """The providers whose public instruments the dataset holds."""
    out = []
    for provider_id in sorted(scope.provider_ids):
        if provider_id not in agents:
            provider = session.get(Provider, provider_id)
            agents[provider_id] = _agent(graph, provider.name, provider.website, provider.type)
        out.append(agents[provider_id])
    return out


def catalog_graph(session: Session, urls: Urls, settings: Settings | None = None, today: date | None = None) -> Graph:
    settings = settings or Settings()
    today = today or date.today()
    graph = Graph()
    for prefix, ns in (("dcat", DCAT), ("dct", DCTERMS), ("foaf", FOAF), ("vcard", VCARD), ("skos", SKOS), ("xsd", XSD)):
        graph.bind(prefix, ns)
    catalog = URIRef(urls.catalog + "#catalogus")
    publisher_url = settings.publisher_url or urls.home
    publisher = _agent(graph, settings.publisher_name, publisher_url)
    contact = _contact(graph, settings.publisher_name, publisher_url, settings.contact_email)
    graph.add((catalog, RDF.type, DCAT.Catalog))
    graph.add((catalog, DCTERMS.title, Literal("Open instrumentengids", lang="nl")))
    graph.add((catalog, DCTERMS.title, Literal("Open instrument guide", lang="en")))
    graph.add((catalog, DCTERMS.description, Literal(
        "Alle instrumenten voor werkgevers die iemand met afstand tot de arbeidsmarkt aannemen (loonkostensubsidie, "
        "proefplaatsing, no-riskpolis, jobcoaching, loonkostenvoordelen, ...) van gemeenten, arbeidsmarktregio's, UWV, "
        "de Belastingdienst en andere landelijke aanbieders, met hun gestructureerde parameters.", lang="nl")))
    graph.add((catalog, DCTERMS.publisher, publisher))
    graph.add((catalog, DCAT.contactPoint, contact))
    graph.add((catalog, FOAF.homepage, _typed(graph, URIRef(urls.home), FOAF.Document)))
    graph.add((catalog, DCTERMS.license, _typed(graph, LICENCE, DCTERMS.LicenseDocument)))
    graph.add((catalog, DCTERMS.language, _typed(graph, LANGUAGE_NL, DCTERMS.LinguisticSystem)))
    for theme, label in THEMES.items():
        graph.add((catalog, DCAT.theme, _typed(graph, theme, SKOS.Concept, label)))
    national_scope, region_scopes = scopes(session, today)
    modified = national_scope.modified
    if modified is not None:
        graph.add((catalog, DCTERMS.modified, Literal(modified.isoformat(timespec="seconds"), datatype=XSD.dateTime)))

    agents: dict[int, BNode] = {}
    national = URIRef(urls.catalog + "#dataset-nederland")
    _dataset(graph, catalog, national, "Instrumenten voor werkgevers in heel Nederland",
             "Elk openbaar instrument van de gids: landelijk, regionaal en lokaal, ook beëindigde regelingen.",
             modified, publisher, _creators(graph, session, national_scope, agents), contact, urls.home)
    for key, title, url, fmt, download, description in (
        ("json", "JSON API", urls.api_instruments(None), "json", False, "Lijst met filters en paginering (/api/v1)."),
        ("csv", "CSV", urls.export(None, "csv"), "csv", True, "Alle openbare instrumenten als CSV."),
        ("xlsx", "XLSX", urls.export(None, "xlsx"), "xlsx", True, "Alle openbare instrumenten als Excel-werkboek."),
        ("hsds", "HSDS 3.0 API", urls.hsds_root, "json", False, "Open Referral HSDS 3.0: services, organizations, "
                                                               "taxonomies, met paginering en modified_after."),
        ("hsds-zip", "HSDS 3.0 export", urls.hsds_export, "zip", True, "De hele gids als HSDS 3.0 (JSON in een zip)."),
    ):
        _distribution(graph, national, key, title, url, fmt, download, description)

    for region in session.scalars(select(Region).order_by(Region.code)):
        scope = region_scopes[region.id]
        iri = URIRef(urls.catalog + f"#dataset-{region.code.lower()}")
        region_contact = (_contact(graph, region.wsp_name, region.wsp_website, region.wsp_email, region.wsp_phone)
                          if region.wsp_name else contact)
        _dataset(graph, catalog, iri, f"Instrumenten voor werkgevers in arbeidsmarktregio {region.name}",
                 f"Alles wat een werkgever in arbeidsmarktregio {region.name} (CBS-code {region.code}) kan krijgen: "
                 "van de gemeenten, het werkgeversservicepunt, UWV en landelijke aanbieders.",
                 scope.modified, publisher, _creators(graph, session, scope, agents),
                 region_contact, urls.region_page(region))
        for key, title, url, fmt, download in (
            ("json", "JSON API", urls.api_instruments(region.code), "json", False),
            ("csv", "CSV", urls.export(region, "csv"), "csv", True),
            ("xlsx", "XLSX", urls.export(region, "xlsx"), "xlsx", True),
        ):
            _distribution(graph, iri, key, title, url, fmt, download, f"{title} van arbeidsmarktregio {region.name}.")
    return graph


JSONLD_CONTEXT = {"dcat": str(DCAT), "dct": str(DCTERMS), "foaf": str(FOAF), "vcard": str(VCARD), "skos": str(SKOS),
                  "xsd": str(XSD)}


def serialize(graph: Graph, fmt: str) -> str:
    if fmt == "jsonld":
        return graph.serialize(format="json-ld", context=JSONLD_CONTEXT, auto_compact=True)
    return graph.serialize(format="turtle")
