"""Test fixtures.

The suite runs against SQLite by default and against PostgreSQL when CATALOGUE_TEST_DATABASE_URL is set (`.ci/run` and
`make test` start a throw-away server for that). The schema is built with the Alembic migrations and seeded once; every test
runs inside a transaction that is rolled back, so tests that write do not leak into each other.
"""
from __future__ import annotations

import atexit
import os
import shutil
import sqlite3
import tempfile
from datetime import date

# Each test session gets an instance folder of its own (uploads, job files), not the checkout's instance/: the SQLite
# and PostgreSQL runs of `make test` run side by side. Set before catalogue.config is imported; removed at exit.
if "CATALOGUE_INSTANCE_DIR" not in os.environ:
    os.environ["CATALOGUE_INSTANCE_DIR"] = tempfile.mkdtemp(prefix="catalogue-test-instance-")
    atexit.register(lambda pid=os.getpid(), folder=os.environ["CATALOGUE_INSTANCE_DIR"]:
                    os.getpid() == pid and shutil.rmtree(folder, ignore_errors=True))  # not in forked children

import pytest  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.orm import sessionmaker

from catalogue import create_app
from catalogue.db import Database
from catalogue.migrate import upgrade
from catalogue.seed import seed


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    return os.environ.get("CATALOGUE_TEST_DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"


@pytest.fixture(scope="session")
def database(database_url, tmp_path_factory) -> Database:
    from db_templates import Templates

    db = Database(database_url)
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    upgrade(db.engine)
    db.templates = Templates(database_url, tmp_path_factory.mktemp("templates"))
    db.templates.capture("schema", db.engine)
    with db.session() as session:
        seed(session)
    db.templates.capture("seeded", db.engine)  # before any test or index build touched it
    yield db
    db.engine.dispose()
    db.templates.drop()


@pytest.fixture(scope="session")
def templates(database):
    """Copies of the migrated (`schema`) and of the seeded (`seeded`) session database for tests that need a database
    of their own: `with templates.copy("seeded", folder) as url:` or `templates.database(kind, folder)` (tests/db_templates.py)."""
    return database.templates


@pytest.fixture(scope="session")
def app(database, database_url, tmp_path_factory):
    app = create_app({
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret",
        "INDEX_DIR": str(tmp_path_factory.mktemp("index")),
    })
    from catalogue.search.follower import rebuild_index

    with database.session() as session:  # the index is built up front: no request builds it
        rebuild_index(app.extensions["catalogue_search"], session)
    return app


@pytest.fixture(autouse=True)
def _follower_forgets_rolled_back_changes(app, database):
    """Set up before (so torn down after) the test's rolled-back transaction. The app's follower runs inside requests
    and follows the test's transaction; afterwards it re-reads what that transaction touched and goes back to its
    position of before, so the next test sees the index and facet table of the seeded database."""
    from catalogue.search import register

    engine = app.extensions["catalogue_search"]
    register(app.config["DATABASE_URL"], engine)  # a test that made its own app on this database registered that one
    follower = engine.follower
    before = follower.checkpoint()
    yield
    live = app.extensions.get("harmonisation_live")
    if live is not None:
        live.clear()  # its snapshot may hold what the test's transaction changed (catalogue/harmonisation/live.py)
    if follower.touched or follower.cursor != before:
        with database.session() as session:
            follower.rewind(session)
        from catalogue.web.http_cache import page_cache, position_cache

        position_cache.clear()  # SQLite hands the rolled-back positions out again
        page_cache.clear()


@pytest.fixture()
def connection(database):
    conn = database.engine.connect()
    outer = conn.begin()
    yield conn
    outer.rollback()
    conn.close()


@pytest.fixture()
def session(connection):
    """A session inside the test's transaction; commits become savepoints."""
    factory = sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    s = factory()
    yield s
    s.close()


@pytest.fixture()
def client(app, connection):
    """A test client whose requests use the test's transaction."""
    db = app.extensions["catalogue_db"]
    original = db.session_factory
    db.session_factory = sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield app.test_client()
    finally:
        db.session_factory = original


@pytest.fixture()
def today() -> date:
    return date.today()


@pytest.fixture()
def declared(session):
    """Every gemeente of the three seeded regions declares its offer complete, so a kind it lacks is "not offered"
    rather than unknown (see catalogue/coverage.py)."""
    from helpers import declare_complete

    declare_complete(session)
    session.commit()


@pytest.fixture()
def own_db(database, database_url, tmp_path):
    """A database of the test's own (a copy of the seeded SQLite test database), for code that commits for real from
    other threads or processes (followers, index writers)."""
    if not database_url.startswith("sqlite"):
        pytest.skip("follower unit tests run on SQLite (PostgreSQL: tests/test_two_nodes.py)")
    source = sqlite3.connect(database_url.split(":///", 1)[1])
    target = sqlite3.connect(tmp_path / "follow.sqlite")
    source.backup(target)
    source.close()
    target.close()
    db = Database(f"sqlite:///{tmp_path / 'follow.sqlite'}")
    yield db
    db.engine.dispose()
