"""What the spreadsheet exports say about data coverage (catalogue/coverage.py): a "Dekking" column after the exchange
columns (the state of the offer each row belongs to) and, for a region or gemeente export, one marker row per gemeente
(and for the region's own offer) that is not declared complete: "onbekend — nog niet ingevoerd". The import skips
marker rows and the column, so an export stays importable."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

from ..coverage import Coverage, municipality_coverage, region_coverage, unknown_text
from ..models import Instrument
from .selection import ExportSpec

COVERAGE_LABEL = "Dekking"
COVERAGE_HELP = ("Alleen in exports: hoe compleet het aanbod van de gemeente of regio in de gids staat. Rijen zonder naam "
                 "met 'onbekend — nog niet ingevoerd' zeggen dat het aanbod van die gemeente niet (compleet) bekend "
                 "is; de import slaat ze over.")
MARKER_START = "onbekend"


@dataclass
class Marker:
    provider: str  # as the Aanbieder column names it
    name: str
    text: str


@dataclass
class ExportCoverage:
    gemeenten: dict[str, Coverage] = field(default_factory=dict)  # by gemeente name
    regions: dict[str, Coverage] = field(default_factory=dict)  # by AM code
    markers: list[Marker] = field(default_factory=list)
    ask: str = ""

    def label_for(self, row) -> str | None:
        """The state of the offer a row belongs to (gemeente or region); None for national providers."""
        if isinstance(row, Instrument):
            ptype = row.provider.type
            municipality = row.provider.municipality.name if row.provider.municipality else None
            region = row.provider.region.code if row.provider.region else None
        else:
            ptype, municipality, region = row.provider_type, row.provider_municipality, row.provider_region
        cov = self.gemeenten.get(municipality) if ptype == "gemeente" else (
            self.regions.get(region) if ptype == "regio" else None)
        if cov is None:
            return None
        if cov.state == "compleet" and not cov.complete:
            return f"{cov.label()} ({', '.join(cov.declared_kinds)})"
        return cov.label()


def _marker_text(cov: Coverage, ask: str) -> str:
    why = "geen gegevens" if cov.state == "geen_gegevens" else (
        "aanbod in opbouw, niet compleet verklaard: wat hier ontbreekt, kan er toch zijn"
        + (f"; laatst bevestigd op {cov.last_confirmed.isoformat()}" if cov.last_confirmed else ""))
    if cov.state == "compleet":
        why = f"alleen compleet verklaard voor {', '.join(cov.declared_kinds)}"
    return f"{unknown_text()} ({why}). {ask}"


def export_coverage(session: Session, spec: ExportSpec, today: date | None = None) -> ExportCoverage:
    today = today or date.today()
    out = ExportCoverage()
    if spec.municipality is not None:
        places = [spec.municipality]
    elif spec.region is not None:
        places = [m for m in spec.region.municipalities
                  if (m.valid_until is None or m.valid_until >= today) and (m.valid_from is None or m.valid_from <= today)]
    else:
        places = None  # every gemeente: labels only, no marker rows
    by_code = municipality_coverage(session, places, today)
    out.gemeenten = {c.name: c for c in by_code.values()}
    out.regions = region_coverage(session, [spec.region] if spec.region is not None else None, today)
    if spec.region is not None:
        r = spec.region
        contact = ", ".join(p for p in (r.wsp_name, r.wsp_website, r.wsp_phone, r.wsp_email) if p)
        out.ask = f"Vraag het werkgeversservicepunt: {contact}." if contact else \
            f"Vraag het werkgeversservicepunt van regio {r.name}."
    if places is not None:
        for cov in by_code.values():
            if not cov.complete:
                out.markers.append(Marker(cov.name, f"Gemeente {cov.name}", _marker_text(cov, out.ask)))
        region_cov = out.regions.get(spec.region.code) if spec.region is not None else None
        if region_cov is not None and not region_cov.complete and spec.municipality is None:
            out.markers.append(Marker(f"regio {spec.region.code}", f"Regio {spec.region.name} (regionaal aanbod)",
                                      _marker_text(region_cov, out.ask)))
    return out
