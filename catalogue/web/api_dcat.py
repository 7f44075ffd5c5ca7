"""DCAT-AP-NL 3.0 description of the catalogue: /api/v1/dcat.jsonld and /api/v1/dcat.ttl (catalogue/dcat.py builds it)."""
from __future__ import annotations

from flask import Response, current_app, url_for

from .. import get_db
from ..dcat import Settings, Urls, catalog_graph, serialize
from .api import _check_only, bp

MIME = {"jsonld": "application/ld+json", "ttl": "text/turtle"}


def _urls() -> Urls:
    def api_instruments(code):
        return url_for("api.instruments", region=code, _external=True) if code else url_for("api.instruments", _external=True)

    def export(region, fmt):
        if region is None:
            return url_for("exports.instruments", fmt=fmt, _external=True)
        return url_for("exports.region", slug=region.slug, fmt=fmt, _external=True)

    return Urls(home=url_for("public.home", _external=True), catalog=url_for("api.dcat", fmt="jsonld", _external=True),
                api_instruments=api_instruments, export=export,
                region_page=lambda region: url_for("public.region", slug=region.slug, _external=True),
                hsds_root=url_for("hsds.root", _external=True), hsds_export=url_for("hsds.export_zip", _external=True))


def _settings() -> Settings:
    config = current_app.config
    return Settings(publisher_name=config.get("PUBLISHER_NAME") or Settings.publisher_name,
                    publisher_url=config.get("PUBLISHER_URL") or None, contact_email=config.get("CONTACT_EMAIL") or None)


@bp.get("/dcat.<any(jsonld, ttl):fmt>")
def dcat(fmt: str):
    _check_only(set())
    graph = catalog_graph(get_db(), _urls(), _settings())
    return Response(serialize(graph, fmt), mimetype=MIME[fmt])
