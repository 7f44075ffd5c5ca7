"""The instruments a file's rows may be about, loaded in a few queries before the rows are checked: external id, slug,
provider and name of every instrument, and the full instruments the rows name. Checking a file writes nothing, so the
index also keeps what the rows before a row would have written (a new instrument, a changed slug, name or external
id): a row then finds the same instrument, or the same duplicate, as when the rows are written one by one. No Flask."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..models import Instrument

CHUNK = 500  # ids per IN (...) when loading full instruments


@dataclass(eq=False)
class Known:
    """One instrument as the rows see it. `instrument` is None for a new one that an earlier row creates."""
    key: tuple  # ("id", instrument id) or ("row", the row that creates it)
    slug: str
    external_id: str | None
    provider_id: int | None
    name: str
    deleted: bool
    instrument: Instrument | None = None


class KnownInstruments:
    def __init__(self, session: Session):
        self.session = session
        self.items: list[Known] = []
        for id_, slug, ext, provider_id, name, deleted_at in session.execute(select(
                Instrument.id, Instrument.slug, Instrument.external_id, Instrument.provider_id, Instrument.name,
                Instrument.deleted_at)):
            self.items.append(Known(("id", id_), slug, ext, provider_id, name or "", deleted_at is not None))
        self._index()

    def _index(self) -> None:
        self.by_slug: dict[str, Known] = {}
        self.by_external_id: dict[str, list[Known]] = {}
        self.by_name: dict[tuple, list[Known]] = {}
        for item in self.items:
            self._add(item)

    def _add(self, item: Known) -> None:
        self.by_slug[item.slug] = item
        if item.external_id:
            self.by_external_id.setdefault(item.external_id, []).append(item)
        if not item.deleted:
            self.by_name.setdefault((item.provider_id, item.name.lower()), []).append(item)

    def _remove(self, item: Known) -> None:
        if self.by_slug.get(item.slug) is item:
            del self.by_slug[item.slug]
        if item.external_id:
            self.by_external_id[item.external_id].remove(item)
        if not item.deleted:
            self.by_name[(item.provider_id, item.name.lower())].remove(item)

    def slug_taken(self, slug: str) -> bool:
        return slug in self.by_slug

    def named(self, provider_id: int, name: str) -> list[Known]:
        return self.by_name.get((provider_id, name.lower()), [])

    def load(self, keys: set[tuple]) -> None:
        """Loads the full instruments (with everything a snapshot reads) of these keys, in a few queries."""
        wanted = {k: item for item in self.items if (k := item.key) in keys and item.instrument is None
                  and k[0] == "id"}
        ids = [k[1] for k in wanted]
        for start in range(0, len(ids), CHUNK):
            for instrument in self.session.scalars(select(Instrument).where(
                    Instrument.id.in_(ids[start:start + CHUNK])).options(
                    selectinload(Instrument.kind), selectinload(Instrument.provider), selectinload(Instrument.regions),
                    selectinload(Instrument.municipalities), selectinload(Instrument.terms),
                    selectinload(Instrument.parameter_values))):
                wanted[("id", instrument.id)].instrument = instrument

    def instrument(self, item: Known) -> Instrument:
        if item.instrument is None:
            item.instrument = self.session.get(Instrument, item.key[1])
        return item.instrument

    def add_new(self, row: int, slug: str, external_id: str | None, provider_id: int, name: str) -> Known:
        item = Known(("row", row), slug, external_id or None, provider_id, name or "", False)
        self.items.append(item)
        self._add(item)
        return item

    def change(self, item: Known, slug: str, external_id: str | None, provider_id: int, name: str) -> None:
        """What an update of `item` would write: its slug, external id, provider and name as the next rows see them."""
        self._remove(item)
        item.slug, item.external_id, item.provider_id, item.name = slug, external_id or None, provider_id, name or ""
        self._add(item)
