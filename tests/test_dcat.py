"""DCAT-AP-NL 3.0 description of the catalogue (/api/v1/dcat.jsonld, .ttl): it parses, conforms to the official SHACL
shapes (tests/dcat_shapes) and has every property the profile makes mandatory."""
from __future__ import annotations

from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import Graph, URIRef
from rdflib import namespace as ns
from sqlalchemy import func, select

from catalogue.models import Region

SHAPES = Path(__file__).parent / "dcat_shapes"
VCARD = "http://www.w3.org/2006/vcard/ns#"
# DCAT-AP-NL 3.0, chapter "Klassen": the properties with cardinality 1..1 or 1..n
MANDATORY = {
    ns.DCAT.Catalog: [ns.DCAT.contactPoint, ns.DCAT.dataset, ns.DCTERMS.description, ns.DCTERMS.publisher, ns.DCTERMS.title],
    ns.DCAT.Dataset: [ns.DCTERMS.accessRights, ns.DCAT.contactPoint, ns.DCTERMS.creator, ns.DCTERMS.description, ns.DCTERMS.identifier,
                   ns.DCTERMS.publisher, ns.DCAT.theme, ns.DCTERMS.title],
    ns.DCAT.Distribution: [ns.DCAT.accessURL, ns.DCTERMS.license],
}
EXACTLY_ONE = {ns.DCAT.Catalog: [ns.DCAT.contactPoint, ns.DCTERMS.publisher],
               ns.DCAT.Dataset: [ns.DCTERMS.accessRights, ns.DCTERMS.identifier, ns.DCTERMS.publisher],
               ns.DCAT.Distribution: [ns.DCAT.accessURL, ns.DCTERMS.license]}


@pytest.fixture(scope="module")
def graphs(app):
    client = app.test_client()
    out = {}
    for fmt, rdf_format, mime in (("jsonld", "json-ld", "application/ld+json"), ("ttl", "turtle", "text/turtle")):
        response = client.get(f"/api/v1/dcat.{fmt}")
        assert response.status_code == 200 and response.mimetype == mime
        out[fmt] = Graph().parse(data=response.get_data(as_text=True), format=rdf_format)
    return out


@pytest.mark.parametrize("fmt", ["jsonld", "ttl"])
def test_conforms_to_the_official_shapes(graphs, fmt):
    for name in ("dcat-ap-nl-SHACL.ttl", "dcat-ap-SHACL.ttl"):
        shapes = Graph().parse(SHAPES / name, format="turtle")
        conforms, _, report = validate(graphs[fmt], shacl_graph=shapes, inference="none")
        assert conforms, report[:3000]


def test_shapes_really_check(graphs):
    """A dataset without its publisher and a distribution without licence are refused by the same shapes."""
    broken = Graph()
    for triple in graphs["jsonld"]:
        if triple[1] not in (ns.DCTERMS.publisher, ns.DCTERMS.license):
            broken.add(triple)
    shapes = Graph().parse(SHAPES / "dcat-ap-nl-SHACL.ttl", format="turtle")
    conforms, _, report = validate(broken, shacl_graph=shapes, inference="none")
    assert not conforms and "publisher" in report and "licen" in report


def test_mandatory_properties_and_datasets(graphs, session):
    graph = graphs["jsonld"]
    assert len(graph) == len(graphs["ttl"])
    for cls, properties in MANDATORY.items():
        nodes = list(graph.subjects(ns.RDF.type, cls))
        assert nodes, cls
        for node in nodes:
            for prop in properties:
                assert graph.value(node, prop) is not None, (node, prop)
            for prop in EXACTLY_ONE[cls]:
                assert len(list(graph.objects(node, prop))) == 1, (node, prop)
    catalogs = list(graph.subjects(ns.RDF.type, ns.DCAT.Catalog))
    assert len(catalogs) == 1
    datasets = set(graph.objects(catalogs[0], ns.DCAT.dataset))
    regions = session.scalar(select(func.count()).select_from(Region))
    assert len(datasets) == regions + 1  # one per arbeidsmarktregio plus the national one
    national = next(d for d in datasets if str(d).endswith("#dataset-nederland"))
    urls = {str(graph.value(d, ns.DCAT.accessURL)) for d in graph.objects(national, ns.DCAT.distribution)}
    assert any(u.endswith("/api/v1/instruments") for u in urls) and any(u.endswith("/api/hsds/") for u in urls)
    assert any(u.endswith("/api/hsds/export.zip") for u in urls)
    assert any(u.endswith("instrumenten.csv") for u in urls) and any(u.endswith("instrumenten.xlsx") for u in urls)
    for dataset in datasets:
        assert graph.value(dataset, ns.DCTERMS.modified) is not None
        assert {str(graph.value(d, ns.DCTERMS.license)) for d in graph.objects(dataset, ns.DCAT.distribution)} == {
            "http://creativecommons.org/publicdomain/zero/1.0/deed.nl"}
    assert graph.value(catalogs[0], ns.DCTERMS.license) == URIRef("http://creativecommons.org/publicdomain/zero/1.0/deed.nl")


def test_contact_points_are_real(graphs, session):
    """A region's dataset names its werkgeversservicepunt as entered; the catalogue's contact point is the guide's own
    address and no e-mail address unless the operator sets one."""
    graph = graphs["ttl"]
    region = session.scalar(select(Region).where(Region.code == "AM20"))
    dataset = next(d for d in graph.subjects(ns.RDF.type, ns.DCAT.Dataset) if str(d).endswith("#dataset-am20"))
    contact = graph.value(dataset, ns.DCAT.contactPoint)
    assert str(graph.value(contact, URIRef(VCARD + "fn"))) == region.wsp_name
    assert str(graph.value(contact, URIRef(VCARD + "hasURL"))) == region.wsp_website
    catalog = next(graph.subjects(ns.RDF.type, ns.DCAT.Catalog))
    own = graph.value(catalog, ns.DCAT.contactPoint)
    assert graph.value(own, URIRef(VCARD + "hasEmail")) is None
    assert str(graph.value(graph.value(catalog, ns.DCTERMS.publisher), ns.FOAF.name)) == "Open instrumentengids"


def test_operator_sets_publisher_and_contact(app, client):
    app.config.update(PUBLISHER_NAME="Gemeente Voorbeeld", CONTACT_EMAIL="opendata@example.org")
    try:
        graph = Graph().parse(data=client.get("/api/v1/dcat.ttl").get_data(as_text=True), format="turtle")
    finally:
        app.config.update(PUBLISHER_NAME=None, CONTACT_EMAIL=None)
    catalog = next(graph.subjects(ns.RDF.type, ns.DCAT.Catalog))
    assert str(graph.value(graph.value(catalog, ns.DCTERMS.publisher), ns.FOAF.name)) == "Gemeente Voorbeeld"
    assert str(graph.value(graph.value(catalog, ns.DCAT.contactPoint), URIRef(VCARD + "hasEmail"))) == "mailto:opendata@example.org"
    assert client.get("/api/v1/dcat.ttl?x=1").status_code == 400
    assert client.get("/api/v1/dcat.xml").status_code == 404
