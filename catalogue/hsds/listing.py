"""What the HSDS API lists: public instruments (every lifecycle: ended schemes stay, with status `defunct`), filters
that combine with AND as the HSDS API reference requires, and its `Page` shape."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import Instrument, InstrumentKind, Provider, TaxonomyTerm, instrument_term
from ..queries import QueryError, public_condition, with_relations
from . import ids, modified
from .taxonomies import BY_ID, find_term

MAX_PER_PAGE = 100


ListError = QueryError  # a parameter that cannot be used; `parameter` names it (the same error as /api/v1's filters)


@dataclass
class ServiceFilter:
    modified_after: datetime | None = None
    organization_ids: list[int] = field(default_factory=list)  # provider ids
    term: TaxonomyTerm | InstrumentKind | None = None
    taxonomy_key: str | None = None


def parse_filter(session: Session, args: dict[str, str]) -> ServiceFilter:
    out = ServiceFilter()
    if args.get("modified_after", "") != "":
        try:
            out.modified_after = modified.parse(args["modified_after"])
        except modified.ModifiedAfterError as exc:
            raise ListError("modified_after", exc.message) from None
    if args.get("organization_id", "") != "":
        number = ids.number_of("organization", args["organization_id"])
        if number is None or session.get(Provider, number) is None:
            raise ListError("organization_id", f"onbekende organization '{args['organization_id'][:60]}'")
        out.organization_ids = [number]
    if args.get("taxonomy_term_id", "") != "":
        out.term = find_term(session, args["taxonomy_term_id"])
        if out.term is None:
            raise ListError("taxonomy_term_id", f"onbekende taxonomy_term '{args['taxonomy_term_id'][:60]}'")
    if args.get("taxonomy_id", "") != "":
        taxonomy = BY_ID.get(args["taxonomy_id"])
        if taxonomy is None:
            raise ListError("taxonomy_id", f"onbekende taxonomy '{args['taxonomy_id'][:60]}'")
        out.taxonomy_key = taxonomy.key
    return out


def _term_condition(term):
    if isinstance(term, InstrumentKind):
        return Instrument.kind_id == term.id
    if term.taxonomy == "reach":
        return Instrument.reach == term.code
    if term.taxonomy == "provider_type":
        return Instrument.provider_id.in_(select(Provider.id).where(Provider.type == term.code))
    return Instrument.id.in_(select(instrument_term.c.instrument_id).where(instrument_term.c.term_id == term.id))


def _taxonomy_condition(key: str):
    if key in ("kind", "reach", "provider_type"):  # every instrument has one
        return None
    return Instrument.id.in_(select(instrument_term.c.instrument_id).join(TaxonomyTerm, TaxonomyTerm.id == instrument_term.c.term_id)
                             .where(TaxonomyTerm.taxonomy == key))


def conditions(flt: ServiceFilter, today: date) -> list:
    where = [public_condition(today)]
    if flt.modified_after is not None:
        where.append(modified.condition(flt.modified_after, today))
    if flt.organization_ids:
        where.append(Instrument.provider_id.in_(flt.organization_ids))
    if flt.term is not None:
        where.append(_term_condition(flt.term))
    if flt.taxonomy_key is not None:
        condition = _taxonomy_condition(flt.taxonomy_key)
        if condition is not None:
            where.append(condition)
    return where


def page_of_services(session: Session, flt: ServiceFilter, page: int, per_page: int, today: date) -> tuple[int, list]:
    where = conditions(flt, today)
    total = session.scalar(select(func.count()).select_from(Instrument).where(*where)) or 0
    stmt = with_relations(select(Instrument).where(*where).order_by(Instrument.id)).limit(per_page).offset((page - 1) * per_page)
    return total, list(session.scalars(stmt))


def public_service(session: Session, value: str, today: date) -> Instrument | None:
    number = ids.number_of("service", value)
    if number is None:
        return None
    return session.scalar(with_relations(select(Instrument).where(Instrument.id == number, public_condition(today))))


def page_shape(total: int, page: int, per_page: int, contents: list) -> dict:
    """The HSDS `Page` (total_items, total_pages, page_number, size, first_page, last_page, empty) with `contents`."""
    pages = max(1, -(-total // per_page))
    return {"total_items": total, "total_pages": pages, "page_number": page, "size": len(contents),
            "first_page": page == 1, "last_page": page >= pages, "empty": not contents, "contents": contents}


def providers(session: Session) -> list[Provider]:
    return list(session.scalars(select(Provider).order_by(Provider.id)))
