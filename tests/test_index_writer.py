"""The node's index written by a process of its own (`catalogue index follow`), the gunicorn workers following as
readers (follower role "reader"): what the writer stores reaches the readers' searches, a reader never writes the index
even when nobody else does, a reader whose writer is gone says it is behind, and the server's background processes are
started again when they exit. On SQLite copies of the seeded test database, committing for real (the two-node
PostgreSQL test, tests/test_two_nodes.py, runs whole servers with their writer processes)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from whoosh.query import Term

from catalogue.gunicorn_conf import Supervised
from catalogue.search import changelog
from catalogue.search.engine import SearchEngine
from catalogue.search.follower import Follower, run_index_writer
from helpers import make_instrument
from test_follower import names, wait

ROOT = Path(__file__).resolve().parent.parent


def writer_and_reader(db, index_dir):
    writer_engine = SearchEngine(index_dir)
    writer = Follower(writer_engine, db.session_factory, poll_interval=0.1, role="writer")
    writer.start()
    wait(lambda: writer._index_ready() and writer_engine.store.read_state() is not None, "the writer to build", 30)
    engine = SearchEngine(index_dir)
    reader = Follower(engine, db.session_factory, poll_interval=0.1, role="reader")
    reader.start()
    wait(lambda: engine.ready and reader.position is not None, "the reader to load")
    return writer, engine, reader


def test_the_readers_search_shows_what_the_writer_process_stored_and_a_reader_never_writes(own_db, tmp_path):
    writer, engine, reader = writer_and_reader(own_db, tmp_path / "index")
    try:
        assert writer.writer and writer.engine._table is None  # the index only: no facet table in the writer
        assert not reader.writer and reader.index_writer() == "another process"
        with own_db.session_factory() as session:
            make_instrument(session, "writer-a", name="Schrijverwoordaa", kind="jobcoaching")
            committed = time.monotonic()
            seen = wait(lambda: names(engine, own_db, "schrijverwoordaa")[0] == {"writer-a"}, "the edit in the reader")
            assert seen - committed < 2.0
            assert names(engine, own_db, "schrijverwoordaa")[1]["kind"]["jobcoaching"] == 1
            writer.stop()  # the writer process is gone
            assert reader.index_writer() == "none"
            time.sleep(0.3)
            assert not reader.writer  # a reader does not take the free lock
            session.execute(text("UPDATE instrument SET name = 'Wezenwoordbb' WHERE slug = 'writer-a'"))
            session.commit()
            head = changelog.head(session)
            wait(lambda: reader.cursor == head, "the reader to apply the edit to its table")
            assert names(engine, own_db, "wezenwoordbb")[0] == set()  # the index has not got it: not shown
            assert reader.position < head
            time.sleep(0.6)
            assert reader.lag() >= 0.5  # behind since the edit, although its rounds go on (/readyz: 503 past 5 s)
            assert time.monotonic() - reader.last_ok < 0.5
            again = Follower(SearchEngine(tmp_path / "index"), own_db.session_factory, poll_interval=0.1,
                             role="writer")
            again.start()  # a new writer process resumes from the stored position
            try:
                wait(lambda: names(engine, own_db, "wezenwoordbb")[0] == {"writer-a"}, "the edit after a restart")
                wait(lambda: reader.lag() is not None and reader.lag() < 0.5, "the reader to catch up")
                assert again.rebuilds == 0 and reader.position == head
            finally:
                again.stop()
    finally:
        reader.stop()
        writer.stop()


def test_a_reader_waiting_for_the_writer_looks_at_the_stored_position_not_the_whole_log(own_db, tmp_path):
    """A reader that applied an edit to its table waits for the writer to store it: it looks every 50 ms whether
    the stored position changed (a stat), and runs a whole round (session, change log) only when it did or after
    its poll interval; so it shows the writer's position at once although it polls the log only every second."""
    writer, engine, fast = writer_and_reader(own_db, tmp_path / "index")
    fast.stop()
    reader = Follower(SearchEngine(tmp_path / "index"), own_db.session_factory, poll_interval=1.0, role="reader")
    rounds = []
    step = reader.step
    reader.step = lambda session: rounds.append(time.monotonic()) or step(session)
    reader.start()
    again = None
    try:
        wait(lambda: reader.engine.ready and reader.position is not None, "the reader to load")
        writer.stop()  # the writer is gone for a while: the reader stays behind after the edit
        with own_db.session_factory() as session:
            session.execute(text("UPDATE instrument SET name = 'Wachtwoordcc' WHERE id = "
                                 "(SELECT min(id) FROM instrument)"))
            session.commit()
            head = changelog.head(session)
        wait(lambda: reader.cursor == head, "the reader to apply the edit to its table", 5)
        assert reader.position < head
        rounds.clear()
        time.sleep(1.5)
        assert 1 <= len(rounds) <= 2, rounds  # once per poll interval, not every 50 ms
        again = Follower(SearchEngine(tmp_path / "index"), own_db.session_factory, poll_interval=0.1, role="writer")
        again.start()
        wait(lambda: again.engine.store.read_state() is not None
             and int(again.engine.store.read_state()["cursor"]) >= head, "the new writer to store the edit")
        stored = time.monotonic()
        wait(lambda: reader.position == head, "the reader to show the stored position", 5)
        assert time.monotonic() - stored < 0.5  # well inside its poll interval of 1 s
    finally:
        reader.stop()
        if again is not None:
            again.stop()


def test_run_index_writer_stops_when_its_server_is_gone_and_releases_the_lock(own_db, tmp_path):
    engine = SearchEngine(tmp_path / "index")
    stop = threading.Event()
    started = time.monotonic()
    follower = run_index_writer(engine, own_db.session_factory, parent=-1, stop=stop, poll_interval=0.1)
    assert time.monotonic() - started < 5 and not follower.writer
    assert engine.store.merger is None  # its background merger (search/merging.py) stopped with it
    probe = Follower(SearchEngine(tmp_path / "index"), own_db.session_factory, role="reader")
    assert probe.index_writer() == "none"


def test_catalogue_index_follow_writes_the_index_at_a_lower_priority_until_sigterm(own_db, tmp_path):
    env = dict(os.environ, CATALOGUE_DATABASE_URL=str(own_db.engine.url), CATALOGUE_INDEX_DIR=str(tmp_path / "index"),
               CATALOGUE_INSTANCE_DIR=str(tmp_path / "instance"), CATALOGUE_LOG_FORMAT="text",
               CATALOGUE_SEARCH_POLL_INTERVAL="0.1", CATALOGUE_SECRET_KEY="test")
    process = subprocess.Popen([sys.executable, "-c", "from catalogue.cli import main; main()", "index", "follow",
                                "--nice", "3"],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    engine = SearchEngine(tmp_path / "index")
    try:
        wait(lambda: engine.store.read_state() is not None, "the index to be built", 60)
        # at a lower CPU priority than the server that started it (requests go first)
        assert os.getpriority(os.PRIO_PROCESS, process.pid) == min(19, os.getpriority(os.PRIO_PROCESS, 0) + 3)
        with own_db.session_factory() as session:
            make_instrument(session, "writer-cli", name="Opdrachtregelwoord")
            head = changelog.head(session)
        wait(lambda: engine.store.read_state()["cursor"] >= head, "the edit in the stored index")
        with own_db.session_factory() as session:
            reader = Follower(engine, own_db.session_factory, in_requests=True, role="reader")
            reader.step(session)
            assert reader.index_writer() == "another process"
            assert names(engine, own_db, "opdrachtregelwoord")[0] == {"writer-cli"}
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "Stopped at change-log position" in err


def test_a_background_process_that_exits_is_started_again_and_not_after_the_server_stops():
    class Log:
        def __init__(self):
            self.lines = []

        def warning(self, *args):
            self.lines.append(args[0] % args[1:])

    log = Log()
    failing = Supervised([sys.executable, "-c", "import sys; sys.exit(3)"], log, delays=(0.05, 0.2))
    failing.start()
    wait(lambda: failing.starts >= 3, "three starts")
    failing.terminate()
    failing.wait()
    starts = failing.starts
    time.sleep(0.5)
    assert failing.starts == starts  # not started again once the server stops
    assert any("exited with 3" in line for line in log.lines)

    running = Supervised([sys.executable, "-c", "import time; time.sleep(60)"], log, delays=(0.05, 0.2))
    running.start()
    time.sleep(0.3)
    running.terminate()
    started = time.monotonic()
    running.wait(timeout=10)
    assert time.monotonic() - started < 5 and running.starts == 1 and running.process.returncode is not None


@pytest.mark.parametrize("role", ["everything", ""])
def test_an_unknown_role_is_refused(role, tmp_path):
    with pytest.raises(ValueError, match="role must be one of"):
        Follower(SearchEngine(tmp_path / "index"), None, role=role)


def test_a_forked_worker_hands_the_gil_over_sooner(monkeypatch):
    """gunicorn_conf.post_fork: a request waits at most CATALOGUE_SWITCH_INTERVAL (default 0.5 ms, Python's own 5 ms)
    for the GIL while the worker's follower thread applies an edit."""
    from catalogue import gunicorn_conf

    before = sys.getswitchinterval()
    try:
        monkeypatch.delenv("CATALOGUE_SWITCH_INTERVAL", raising=False)
        gunicorn_conf.post_fork(None, None)
        assert sys.getswitchinterval() == pytest.approx(0.0005)
        monkeypatch.setenv("CATALOGUE_SWITCH_INTERVAL", "0.002")
        gunicorn_conf.post_fork(None, None)
        assert sys.getswitchinterval() == pytest.approx(0.002)
    finally:
        sys.setswitchinterval(before)


def test_the_index_writer_merges_small_segments_and_after_a_quiet_period_everything_in_its_merger(own_db, tmp_path,
                                                                                                 monkeypatch):
    # at the ordinary priority: at SCHED_IDLE a machine kept busy by the parallel test lanes may starve the merger
    monkeypatch.setenv("CATALOGUE_INDEX_MERGER_NICE", "0")
    engine = SearchEngine(tmp_path / "index")
    stop = threading.Event()
    thread = threading.Thread(target=run_index_writer, args=(engine, own_db.session_factory),
                              kwargs=dict(stop=stop, poll_interval=0.1, optimize_after=1.5))
    thread.start()
    try:
        wait(lambda: engine.store.read_state() is not None, "the writer to build", 60)
        assert engine.store.merger is not None
        with own_db.session_factory() as session:
            for n in range(5):
                make_instrument(session, f"merge-{n}", name=f"Mengwoord{n}aa", kind="jobcoaching")
                head = changelog.head(session)
                wait(lambda: int(engine.store.read_state()["cursor"]) >= head, "the edit in the index")
        wait(lambda: engine.store.status()["segments"] == 1, "everything merged into one segment", 60)
        assert engine.store.merger.merged >= 1
        searcher = engine.store.open().searcher()
        for n in range(5):
            assert len(searcher.search(Term("words", f"mengwoord{n}aa"), limit=None)) == 1
    finally:
        stop.set()
        thread.join(30)
    assert engine.store.merger is None
