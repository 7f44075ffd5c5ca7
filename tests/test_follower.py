"""The change-log follower as it runs in production: a background thread with its own sessions, on its own SQLite
database (a copy of the seeded test database), committing for real. (The two-node PostgreSQL test is
tests/test_two_nodes.py.)"""
from __future__ import annotations

import time
from datetime import date

from sqlalchemy import func, select, text

from catalogue.models import IndexChange, Instrument
from catalogue.queries import InstrumentQuery, public_condition
from catalogue.search import changelog
from catalogue.search.engine import SearchEngine
from catalogue.search.follower import Follower, rebuild_index
from helpers import make_instrument


def start(db, index_dir, **kwargs):
    engine = SearchEngine(index_dir)
    follower = Follower(engine, db.session_factory, poll_interval=0.1, **kwargs)
    follower.start()
    wait(lambda: engine.ready and follower.writer and follower._index_ready(), "the follower to load and build")
    return engine, follower


def wait(condition, what, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return time.monotonic()
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def names(engine, db, q, **facets):
    with db.session_factory() as session:
        outcome = engine.search(session, InstrumentQuery(q=q, facets=facets, per_page=50), date.today(), public_condition)
        rows = session.scalars(select(Instrument.slug).where(Instrument.id.in_(outcome.ids))).all() if outcome.ids else []
        return set(rows), outcome.counts


def test_a_committed_edit_reaches_search_and_facets_within_two_seconds_and_a_rollback_never(own_db, tmp_path):
    engine, follower = start(own_db, tmp_path / "index")
    try:
        assert follower.rebuilds == 1  # no index at start: built in the background
        with own_db.session_factory() as session:
            item = make_instrument(session, "follow-a", name="Volgwoordaa", kind="jobcoaching")
            committed = time.monotonic()
            seen = wait(lambda: names(engine, own_db, "volgwoordaa")[0] == {"follow-a"}, "the new instrument")
            assert seen - committed < 2.0
            assert names(engine, own_db, "volgwoordaa")[1]["kind"]["jobcoaching"] == 1

            item.name = "Nooitgezienwoord"
            session.flush()
            session.rollback()
            time.sleep(0.5)
            assert names(engine, own_db, "nooitgezienwoord")[0] == set()

            session.execute(text("UPDATE instrument SET name = 'Rauwgewijzigd' WHERE slug = 'follow-a'"))
            session.commit()
            wait(lambda: names(engine, own_db, "rauwgewijzigd")[0] == {"follow-a"}, "a raw SQL update")
            session.execute(text("UPDATE instrument SET status = 'draft' WHERE slug = 'follow-a'"))
            session.commit()
            expected = session.scalar(select(func.count()).select_from(Instrument).where(
                public_condition(date.today()), Instrument.kind.has(code="jobcoaching")))
            wait(lambda: names(engine, own_db, "rauwgewijzigd")[0] == set()
                 and names(engine, own_db, "", kind=["jobcoaching"])[1]["kind"]["jobcoaching"] == expected,
                 "an unpublish in the text index and the facet counts")
    finally:
        follower.stop()


def test_a_hole_in_the_ids_is_read_when_its_transaction_commits_later(own_db, tmp_path):
    """On PostgreSQL a transaction holding id k can commit after one holding k+1: the follower asks for k again."""
    engine, follower = start(own_db, tmp_path / "index")
    follower.stop()
    with own_db.session_factory() as session:
        make_instrument(session, "follow-late", name="Laatkomerwoord")
        make_instrument(session, "follow-early", name="Vroegkomerwoord")
        late = session.scalar(select(Instrument.id).where(Instrument.slug == "follow-late"))
        early = session.scalar(select(Instrument.id).where(Instrument.slug == "follow-early"))
        head = changelog.head(session)
        session.execute(text("DELETE FROM index_change WHERE id > :c"), {"c": follower.cursor})
        session.add(IndexChange(id=head + 2, entity="instrument", entity_id=early, op="insert"))
        session.commit()
        follower.step(session)
        assert head + 1 in follower.holes and follower.cursor == head + 2
        assert names(engine, own_db, "vroegkomerwoord")[0] == {"follow-early"}
        assert names(engine, own_db, "laatkomerwoord")[0] == set()
        session.add(IndexChange(id=head + 1, entity="instrument", entity_id=late, op="insert"))
        session.commit()
        follower.step(session)
        assert head + 1 not in follower.holes
        assert names(engine, own_db, "laatkomerwoord")[0] == {"follow-late"}


def test_a_gap_in_the_retained_log_triggers_a_rebuild_and_a_restart_resumes_from_the_stored_position(own_db, tmp_path):
    engine, follower = start(own_db, tmp_path / "index")
    follower.stop()
    stored = engine.store.read_state()["cursor"]
    with own_db.session_factory() as session:
        make_instrument(session, "follow-restart", name="Herstartwoord")  # committed while the node is down
    engine2, follower2 = start(own_db, tmp_path / "index")  # same index directory: resumes from its position
    try:
        assert follower2.rebuilds == 0
        wait(lambda: names(engine2, own_db, "herstartwoord")[0] == {"follow-restart"}, "catching up after a restart")
        assert engine2.store.read_state()["cursor"] > stored
    finally:
        follower2.stop()
    with own_db.session_factory() as session:
        make_instrument(session, "follow-gap", name="Gatwoordje")
        session.execute(text("DELETE FROM index_change WHERE id < :h"), {"h": changelog.head(session)})  # pruned
        session.commit()
    engine.store.write_state({"cursor": stored, "holes": []})  # as if the node had been down all that time
    engine3, follower3 = start(own_db, tmp_path / "index")
    try:
        assert follower3.rebuilds == 1
        assert names(engine3, own_db, "gatwoordje")[0] == {"follow-gap"}
    finally:
        follower3.stop()


def test_prune_keeps_the_newest_entry_and_is_gap_detects_pruned_positions(own_db):
    with own_db.session_factory() as session:
        make_instrument(session, "follow-prune")
        head = changelog.head(session)
        session.execute(text("UPDATE index_change SET changed_at = '2000-01-01 00:00:00'"))
        assert changelog.prune(session) > 0
        session.commit()
        assert changelog.head(session) == head and changelog.oldest(session) == head
        assert changelog.is_gap(session, head - 5) and not changelog.is_gap(session, head - 1)
        assert not changelog.is_gap(session, head) and changelog.is_gap(session, head + 10)  # restored from a backup


def test_rebuild_index_stores_its_position(own_db, tmp_path):
    engine = SearchEngine(tmp_path / "index")
    with own_db.session_factory() as session:
        figures = rebuild_index(engine, session)
        assert engine.store.read_state()["cursor"] == changelog.head(session) == figures["cursor"]


def test_read_returns_the_entries_after_the_cursor_and_those_of_the_holes_oldest_first(session):
    """Two queries since one with OR scanned the whole log on SQLite: the holes' entries (below the cursor) and the
    entries after it come back once each, in id order, within the limit."""
    head = changelog.head(session)
    for offset in (1, 2, 4, 6, 7, 8):
        session.add(IndexChange(id=head + offset, entity="instrument", entity_id=None, op="update"))
    session.flush()
    cursor = head + 4
    ids = [e[0] - head for e in changelog.read(session, cursor, {head + 1, head + 3, head + 7})]
    assert ids == [1, 6, 7, 8]  # 3 is not there yet; 7 is a hole above the cursor: read once
    assert [e[0] - head for e in changelog.read(session, cursor, set())] == [6, 7, 8]
    assert [e[0] - head for e in changelog.read(session, cursor, {head + 2}, limit=1)] == [2, 6]
    assert changelog.read(session, head + 8, {head + 9}) == []


def test_advance_moves_the_cursor_and_keeps_the_skipped_ids_as_holes_until_they_expire():
    holes = {3: 0.0, 5: 100.0}  # 3 was missed long ago (rolled back), 5 recently
    entries = [(5, "instrument", 1, None), (9, "instrument", 2, None)]
    assert changelog.advance(6, holes, entries, now=200.0) == 9
    assert holes == {7: 200.0, 8: 200.0}  # 3 expired, 5 arrived, 7 and 8 skipped below 9
    far = [(6000, "instrument", 3, None)]
    holes = {}
    assert changelog.advance(10, holes, far, now=1.0) == 6000 and min(holes) == 6000 - changelog.HOLE_WINDOW
    assert changelog.advance(6000, holes, [], now=1.0 + changelog.HOLE_SECONDS + 1) == 6000 and holes == {}


def test_the_journal_answers_the_same_question_once_per_round():
    from catalogue.search.journal import ChangeJournal

    journal = ChangeJournal()
    journal.record({1, 2}, newest=10)
    calls = []
    original = journal._changes
    journal._changes = lambda *a: calls.append(a) or original(*a)
    assert journal.since(0, 5) == {1, 2} and journal.since(0, 5) == {1, 2} and len(calls) == 1
    journal.record({3}, newest=11)  # a new round: asked again
    assert journal.since(0, 5) == {1, 2, 3} and len(calls) == 2
    assert journal.since(2, 11) == frozenset()
    assert journal.changes(0, 5) == ({1, 2, 3}, {1, 2, 3}) and len(calls) == 3  # since() asked it already
    journal.record({4, 5}, newest=12, moved={5, 6})  # the facet table row of 4 stayed (6 is not of this round)
    assert journal.changes(2, 11) == ({4, 5}, {5})
    journal.reset()
    assert journal.since(2, 11) is None


def test_at_midnight_the_follower_derives_the_next_days_table_and_search_shows_that_day(own_db, tmp_path, monkeypatch):
    from datetime import timedelta

    from catalogue.search import follower as follower_module

    today = date.today()
    tomorrow = today + timedelta(days=1)
    with own_db.session_factory() as session:
        make_instrument(session, "midnight-gone", name="Middernachtwoord weg", publish_to=today)
        make_instrument(session, "midnight-new", name="Middernachtwoord nieuw", publish_from=tomorrow)
        make_instrument(session, "midnight-ends", name="Middernachtwoord eindigt", valid_until=today)
    engine, follower = start(own_db, tmp_path / "index")
    try:
        wait(lambda: names(engine, own_db, "middernachtwoord")[0] == {"midnight-gone", "midnight-ends"}, "today")
        followed, lineage = engine._table, engine._lineage

        class Tomorrow(date):
            @classmethod
            def today(cls):
                return tomorrow

        monkeypatch.setattr(follower_module, "date", Tomorrow)
        wait(lambda: engine._table.today == tomorrow, "the follower to roll over")
        assert engine._table.ids is followed.ids and engine._lineage == lineage  # derived, not built again
        with own_db.session_factory() as session:
            outcome = engine.search(session, InstrumentQuery(q="middernachtwoord", per_page=50), tomorrow,
                                    public_condition)
            slugs = set(session.scalars(select(Instrument.slug).where(Instrument.id.in_(outcome.ids))))
        assert slugs == {"midnight-new"}  # ended schemes are left out unless asked for; counted apart
        assert outcome.ended == 1
        assert outcome.counts["lifecycle"]["ended"] == 1 and outcome.counts["lifecycle"]["current"] == 1
    finally:
        follower.stop()
