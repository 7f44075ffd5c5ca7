"""Our taxonomies as HSDS taxonomies and taxonomy terms: the kinds (soorten) and every facet taxonomy in taxonomy_term
(target groups, schemes, age groups, sectors, employment types, journey phases, provider types, reach)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import InstrumentKind, TaxonomyTerm
from . import ids


@dataclass(frozen=True)
class Taxonomy:
    number: int  # part of its HSDS id; never reuse or renumber
    key: str  # "kind" or the taxonomy_term.taxonomy value
    name: str
    description: str

    @property
    def id(self) -> str:
        return ids.make("taxonomy", self.number)


TAXONOMIES = (
    Taxonomy(1, "kind", "Soort instrument",
             "De canonieke soorten instrumenten voor werkgevers (loonkostensubsidie, proefplaatsing, jobcoaching, ...); "
             "instrumenten van dezelfde soort worden met elkaar vergeleken."),
    Taxonomy(2, "target_group", "Doelgroep", "Persoonskenmerken van de werknemer voor wie het instrument bedoeld is."),
    Taxonomy(3, "scheme", "Uitkering of regeling",
             "De uitkering of regeling van de werknemer (Participatiewet, WW, WIA, Wajong, doelgroepregister, ...); "
             "die bepaalt de aanbieder."),
    Taxonomy(4, "age_group", "Leeftijdsgroep", "Leeftijdsgroepen van de werknemer (codes LG01-LG06 van Dennis)."),
    Taxonomy(5, "sector", "Sector", "Sectoren van de werkgever: de secties A-U van de CBS SBI 2008."),
    Taxonomy(6, "employment_type", "Soort dienstverband",
             "Het dienstverband waarvoor het instrument geldt (codes DV01-DV04 van Dennis)."),
    Taxonomy(7, "journey_phase", "Fase werkgeversdienstverlening",
             "Fasen van de dienstverlening aan werkgevers (de tegels DW01-DW10 van Dennis)."),
    Taxonomy(8, "provider_type", "Soort aanbieder", "Gemeente, arbeidsmarktregio (WSP), UWV, Belastingdienst of andere landelijke aanbieder."),
    Taxonomy(9, "reach", "Bereik", "Landelijk, regionaal (arbeidsmarktregio) of lokaal (gemeente)."),
)
BY_KEY = {t.key: t for t in TAXONOMIES}
BY_ID = {t.id: t for t in TAXONOMIES}


def taxonomy_out(taxonomy: Taxonomy, hsds_url: str) -> dict:
    """`hsds_url`: where the HSDS API is served (its `uri` is the taxonomy's own address there)."""
    return {"id": taxonomy.id, "name": taxonomy.name, "description": taxonomy.description,
            "uri": f"{hsds_url}/taxonomies/{taxonomy.id}", "version": "1", "code": taxonomy.key}


def term_id(term: TaxonomyTerm | InstrumentKind) -> str:
    known = getattr(term, "hsds_id", None)  # bulk.py's copies carry it
    if known is not None:
        return known
    return ids.make("kind_term", term.id) if isinstance(term, InstrumentKind) else ids.make("taxonomy_term", term.id)


def term_out(term: TaxonomyTerm | InstrumentKind, hsds_url: str | None = None) -> dict:
    """One term; with `hsds_url` also its taxonomy in full (`taxonomy_detail`)."""
    taxonomy = BY_KEY["kind"] if isinstance(term, InstrumentKind) else BY_KEY[term.taxonomy]
    out = {
        "id": term_id(term),
        "code": term.code,
        "name": term.name,
        "description": term.description or term.name,
        "taxonomy": taxonomy.name,
        "taxonomy_id": taxonomy.id,
        "language": "nl",
    }
    if term.name_en:
        out["name_en"] = term.name_en
    external = getattr(term, "external_code", None)
    if external:
        out["external_code"] = external
    if hsds_url is not None:
        out["taxonomy_detail"] = taxonomy_out(taxonomy, hsds_url)
    return out


def all_terms(session: Session) -> list[TaxonomyTerm | InstrumentKind]:
    """Every term of every published taxonomy, taxonomy by taxonomy, in their own order."""
    kinds = list(session.scalars(select(InstrumentKind).order_by(InstrumentKind.sort_order, InstrumentKind.code)))
    order = {t.key: t.number for t in TAXONOMIES}
    terms = [t for t in session.scalars(select(TaxonomyTerm).order_by(TaxonomyTerm.sort_order, TaxonomyTerm.code))
             if t.taxonomy in order]
    terms.sort(key=lambda t: order[t.taxonomy])
    return [*kinds, *terms]


def find_term(session: Session, value: str) -> TaxonomyTerm | InstrumentKind | None:
    number = ids.number_of("taxonomy_term", value)
    if number is not None:
        return session.get(TaxonomyTerm, number)
    number = ids.number_of("kind_term", value)
    return session.get(InstrumentKind, number) if number is not None else None


def instrument_wide_terms(session: Session) -> dict[tuple[str, str], TaxonomyTerm]:
    """The terms an instrument has through its columns rather than instrument_term: its reach and its provider's type."""
    rows = session.scalars(select(TaxonomyTerm).where(TaxonomyTerm.taxonomy.in_(("reach", "provider_type"))))
    return {(t.taxonomy, t.code): t for t in rows}
