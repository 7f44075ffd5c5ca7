"""The facet table's compact layout (arrays, `Positions`) and batched build give the same table as one read of the
whole catalogue, and incremental changes keep it equal to a fresh build (compared per instrument id, since ordinals of
instruments added later differ from a fresh build's)."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from catalogue.queries import public_condition
from catalogue.search.facettable import Positions, build_table
from catalogue.search.rows import known_values, load_rows
from array import array
from helpers import make_instrument


def by_id(table, bits: int) -> set[int]:
    return {table.ids[o] for o in table.members(bits)}


def contents(table) -> dict:
    """Everything the table says about instruments, by instrument id (independent of ordinals)."""
    out = {
        "all": by_id(table, table.all),
        "landelijk": by_id(table, table.landelijk),
        "values": {k: {c: by_id(table, b) for c, b in v.items()} for k, v in table.values.items()},
        "providers": {k: by_id(table, b) for k, b in table.providers.items() if b},
        "regionaal_in": {k: by_id(table, b) for k, b in table.regionaal_in.items() if b},
        "lokaal_in": {k: by_id(table, b) for k, b in table.lokaal_in.items() if b},
        "known": table.known,
    }
    for order in ("by_name", "by_recent", "by_short"):
        out[order] = [table.ids[o] for o in getattr(table, order)]
    out["short_rank"] = sorted(out["by_short"], key=lambda i: table.short_rank[table.position[i]])
    out["names"] = {table.ids[o]: table.names[o] for o in table.members(table.all)}
    return out


def test_batched_build_equals_one_batch(session):
    today = date.today()
    whole = build_table(session, today, public_condition, batch=10**9)
    batched = build_table(session, today, public_condition, batch=7)
    assert whole.size > 20
    assert isinstance(batched.ids, array) and isinstance(batched.by_name, array)
    assert list(batched.ids) == list(whole.ids) == sorted(whole.ids)
    assert contents(batched) == contents(whole)
    for o, iid in enumerate(batched.ids):
        assert batched.position[iid] == o


def test_changes_keep_the_table_equal_to_a_fresh_build(session):
    today = date.today()
    table = build_table(session, today, public_condition, batch=5)
    added = make_instrument(session, "facettable-new", name="Aaa facettabel nieuw", reach="lokaal",
                            municipalities=["GM0513"], kind="jobcoaching")
    edited_id = table.ids[3]
    gone_id = table.ids[5]
    from catalogue.models import Instrument

    edited = session.get(Instrument, edited_id)
    edited.name = "Zzz hernoemd"
    session.get(Instrument, gone_id).status = "draft"
    session.commit()
    ids = {added.id, edited_id, gone_id}
    rows = load_rows(session, today, public_condition, ids)
    assert set(rows) == {added.id, edited_id}
    followed = table.changed({i: rows.get(i) for i in ids}, known=known_values(session))
    fresh = build_table(session, today, public_condition)
    assert contents(followed) == contents(fresh)
    assert followed.position[added.id] == followed.size - 1  # a new instrument gets the next ordinal
    assert table.size == followed.size - 1 and gone_id in by_id(table, table.all)  # the old table is unchanged
    assert followed.moved == {added.id, gone_id}  # the renamed one kept its bitsets


def test_moved_names_the_instruments_whose_bitsets_changed(session):
    """FacetTable.moved (journal.py, reach.py): a change of facet value, location or publication; not a rename or a
    change the table does not hold."""
    from catalogue.models import InstrumentKind, Municipality

    today = date.today()
    table = build_table(session, today, public_condition)
    a, b, c, d = (make_instrument(session, f"moved-{n}", name=f"Bewogen {n}", reach="lokaal", municipalities=["GM0513"])
                  for n in range(4))
    table = table.changed(load_rows(session, today, public_condition, [a.id, b.id, c.id, d.id]),
                          known=known_values(session))
    a.name, a.summary = "Alleen hernoemd", "Andere tekst"
    b.kind = session.scalar(select(InstrumentKind).where(InstrumentKind.code == "jobcoaching"))
    c.municipalities = [session.scalar(select(Municipality).where(Municipality.code == "GM0484"))]
    d.status = "draft"
    session.commit()
    ids = [a.id, b.id, c.id, d.id]
    rows = load_rows(session, today, public_condition, ids)
    followed = table.changed({i: rows.get(i) for i in ids}, known=known_values(session))
    assert followed.moved == {b.id, c.id, d.id}
    assert table.changed({a.id: rows[a.id]}).moved == frozenset()


def test_positions():
    ids = array("q", [3, 8, 20])
    positions = Positions(ids)
    assert [positions.get(i) for i in (3, 8, 20, 4, 21)] == [0, 1, 2, None, None]
    ids.append(5)
    positions[5] = 3
    assert positions[5] == 3 and 5 in positions and 4 not in positions and len(positions) == 4
    assert positions.get(4, -1) == -1
    with pytest.raises(KeyError):
        positions[4]


def test_a_page_of_a_few_members_is_the_page_of_the_walk(session, monkeypatch):
    import random

    from catalogue.search import facettable

    table = build_table(session, date.today(), public_condition)
    rng = random.Random(17)
    live = [o for o in range(table.size) if table.all >> o & 1]
    for n in (0, 1, 5, 40, len(live) // 2):
        bits = facettable.from_positions(rng.sample(live, n), table.size)
        for order in ("name", "recent"):
            for offset in (0, 3, 20):
                sorted_page = table.page(bits, order, offset, 20)
                monkeypatch.setattr(facettable, "SPARSE", -1)
                assert table.page(bits, order, offset, 20) == sorted_page, (n, order, offset)
                monkeypatch.setattr(facettable, "SPARSE", 2000)


def test_short_rank_keys_follow_the_order_through_single_edits_removals_additions_and_exhausted_gaps():
    """The relevance tie-break keys (short_rank) are updated per edit, not numbered anew: an edited instrument gets a
    key between its neighbours'; when there is no room left (here: up to 40 insertions at one place), all are numbered anew.
    After every step the keys sort the instruments exactly as `by_short` does."""
    import bisect
    import random

    from catalogue.search.facettable import RANK_END, _ranks, _reranked

    rng = random.Random(4)
    names = [f"{'x' * rng.randrange(1, 30)}{n}" for n in range(400)]
    key = lambda o: (len(names[o]), names[o], o)  # noqa: E731
    order = array("i", sorted(range(400), key=key))
    rank = _ranks(order, len(names))
    renumbered = 0
    for step in range(300):
        action = step % 5
        inserted = []
        if action == 4:  # removed (unpublished): out of the order
            o = order[rng.randrange(len(order))]
            order.remove(o)
        else:
            if action == 3:  # a new instrument: the next ordinal
                names.append("y" * rng.randrange(1, 30))
                o = len(names) - 1
            else:
                o = order[rng.randrange(len(order))]
                order.remove(o)
                # the first 40 steps squeeze edits in at one place: each new name sorts just before the previous one
                names[o] = f"b{99 - step:02d}" if step < 40 else "x" * rng.randrange(1, 30)
            bisect.insort(order, o, key=key)
            inserted = [o]
        before = rank
        rank = _reranked(rank, order, inserted, key, len(names))
        renumbered += sum(1 for a, b in zip(before, rank) if a != b) > 1
        assert sorted(order, key=rank.__getitem__) == list(order), step
        assert all(rank[o] < RANK_END for o in order)
    assert 0 < renumbered < 30, renumbered  # mostly one key per edit; a few full renumberings when a gap ran out


def _dated_instruments(session, today):
    from datetime import timedelta

    tomorrow = today + timedelta(days=1)
    made = {
        "until-today": make_instrument(session, "day-until-today", name="Dag tot vandaag", publish_to=today),
        "from-tomorrow": make_instrument(session, "day-from-tomorrow", name="Dag vanaf morgen", publish_from=tomorrow),
        "ends-today": make_instrument(session, "day-ends-today", name="Dag eindigt vandaag", valid_until=today),
        "starts-tomorrow": make_instrument(session, "day-starts-tomorrow", name="Dag begint morgen",
                                           valid_from=tomorrow, kind="jobcoaching"),
    }
    return tomorrow, {key: item.id for key, item in made.items()}


def test_the_next_day_is_derived_from_the_table_and_equals_a_fresh_build_of_that_day(session):
    from datetime import timedelta

    from catalogue.search.rows import day_changes

    today = date.today()
    tomorrow, ids = _dated_instruments(session, today)
    table = build_table(session, today, public_condition)
    assert set(ids.values()) <= day_changes(session, today, tomorrow)
    assert day_changes(session, today, tomorrow) == day_changes(session, tomorrow, today)
    changed = day_changes(session, today, tomorrow)
    rows = load_rows(session, tomorrow, public_condition, changed)
    next_day = table.on_day(tomorrow, {i: rows.get(i) for i in changed})
    assert next_day.today == tomorrow and next_day.ids is table.ids  # derived: the same ordinals
    assert contents(next_day) == contents(build_table(session, tomorrow, public_condition))
    live = by_id(next_day, next_day.all)
    assert ids["until-today"] not in live and ids["from-tomorrow"] in live
    lifecycle = {code: by_id(next_day, bits) for code, bits in next_day.values["lifecycle"].items()}
    assert ids["ends-today"] in lifecycle["ended"] and ids["starts-tomorrow"] in lifecycle["current"]
    assert ids["starts-tomorrow"] in by_id(table, table.values["lifecycle"]["upcoming"])  # the old table is unchanged

    yesterday = today - timedelta(days=1)  # and backwards, over more than one day
    changed = day_changes(session, tomorrow, yesterday)
    rows = load_rows(session, yesterday, public_condition, changed)
    back = next_day.on_day(yesterday, {i: rows.get(i) for i in changed})
    assert contents(back) == contents(build_table(session, yesterday, public_condition))


def test_the_engine_derives_another_days_table_once_and_the_follower_rolls_over_without_a_rebuild(session, tmp_path):
    from catalogue.search.engine import SearchEngine

    today = date.today()
    tomorrow, ids = _dated_instruments(session, today)
    engine = SearchEngine(tmp_path / "index")
    engine.load_table(session, today)
    followed, lineage = engine._table, engine._lineage
    asked = engine.table(session, tomorrow, public_condition)
    assert asked.today == tomorrow and asked.ids is followed.ids
    assert engine.table(session, tomorrow, public_condition) is asked  # kept until the next change
    assert engine._table is followed  # a request does not move the followed table

    engine.roll_over(session, tomorrow)
    assert engine._table is asked and engine._lineage == lineage  # what the request derived, not a new lineage
    assert contents(engine._table) == contents(build_table(session, tomorrow, public_condition))
    assert engine.table(session, tomorrow, public_condition) is asked
    engine.roll_over(session, tomorrow)  # the same day again: nothing to do
    assert engine._table is asked


def keys_by_id(table) -> dict[int, set]:
    """The bitsets `keys_of` says each ordinal is in, by instrument id (every ordinal: not public ones say none)."""
    return {table.ids[o]: table.codes.decode(table.keys_of[o]) for o in range(table.size)}


@pytest.mark.parametrize("seed", range(3))
def test_random_changes_keep_the_table_equal_to_a_fresh_build_and_leave_earlier_tables_alone(session, seed):
    """Random edits of what the table holds (name, kind, provider, reach and location, terms, publication, validity,
    new instruments), one to three instruments at a time: after each, the derived table equals a fresh build, its
    `keys_of` are the rows' keys (nothing for an instrument that is not public), and every earlier table still says
    what it said (copy on write: they share chunks and bitsets)."""
    import random
    from datetime import timedelta

    from catalogue.models import Instrument, InstrumentKind, Municipality, Provider, Region, TaxonomyTerm

    rng = random.Random(seed)
    today = date.today()
    kinds = session.scalars(select(InstrumentKind).order_by(InstrumentKind.code).limit(6)).all()
    providers = session.scalars(select(Provider).order_by(Provider.slug).limit(6)).all()
    places = session.scalars(select(Municipality).order_by(Municipality.code).limit(8)).all()
    regions = session.scalars(select(Region).order_by(Region.code).limit(4)).all()
    terms = session.scalars(select(TaxonomyTerm).where(TaxonomyTerm.taxonomy.in_(["target_group", "scheme"]))
                            .order_by(TaxonomyTerm.id).limit(10)).all()
    pool = [make_instrument(session, f"random-table-{seed}-{n}", name=f"Willekeurig {n}") for n in range(8)]
    table = build_table(session, today, public_condition, batch=50)
    history = [(table, contents(table))]
    for step in range(30):
        created = []
        if rng.random() < 0.15:  # (committed here: in the change log like the edits below)
            created = [make_instrument(session, f"random-table-{seed}-new-{step}", name=f"Nieuw {step}",
                                       status=rng.choice(["published", "draft"]))]
            pool += created
        changed = rng.sample(pool, rng.randint(1, 3))
        for item in changed:
            what = rng.choice(["name", "kind", "provider", "local", "regional", "national", "terms", "status", "ended"])
            if what == "name":
                item.name = rng.choice(["Aaa", "Mmm", "Zzz"]) + f" {step}"
            elif what == "kind":
                item.kind = rng.choice(kinds)
            elif what == "provider":
                item.provider = rng.choice(providers)
            elif what == "local":
                item.reach, item.regions = "lokaal", []
                item.municipalities = rng.sample(places, rng.randint(1, 3))
            elif what == "regional":
                item.reach, item.municipalities = "regionaal", []
                item.regions = rng.sample(regions, rng.randint(1, 2))
            elif what == "national":
                item.reach, item.municipalities, item.regions = "landelijk", [], []
            elif what == "terms":
                item.terms = rng.sample(terms, rng.randint(0, 3))
            elif what == "status":
                item.status = "draft" if item.status == "published" else "published"
            else:
                item.valid_until = today - timedelta(days=1) if item.valid_until is None else None
        session.commit()
        ids = {item.id for item in changed + created}
        rows = load_rows(session, today, public_condition, ids)
        table = table.changed({i: rows.get(i) for i in ids}, known=known_values(session))
        fresh = build_table(session, today, public_condition)
        assert contents(table) == contents(fresh), step
        everything = load_rows(session, today, public_condition, list(table.ids))
        assert keys_by_id(table) == {iid: set(everything[iid].keys()) if iid in everything else set()
                                     for iid in table.ids}, step
        history.append((table, contents(table)))
    for old, said in history:
        assert contents(old) == said
    assert session.get(Instrument, pool[0].id) is not None
