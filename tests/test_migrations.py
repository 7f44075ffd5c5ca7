import uuid
from contextlib import contextmanager

from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from catalogue.db import make_engine
from catalogue.migrate import alembic_config, current_revision, upgrade


@contextmanager
def scratch_engine(database_url, tmp_path):
    """An empty database of the same kind as the suite's: a new SQLite file, or a new PostgreSQL database."""
    if database_url.startswith("sqlite"):
        engine = make_engine(f"sqlite:///{tmp_path / 'scratch.sqlite'}")
        yield engine
        engine.dispose()
        return
    url = make_url(database_url)
    name = f"scratch_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(url.set(database=name).render_as_string(hide_password=False))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}"'))
        admin.dispose()


def test_migrations_build_the_models_schema_and_go_back_down(database_url, tmp_path):
    with scratch_engine(database_url, tmp_path) as engine:
        upgrade(engine)
        cfg = alembic_config(engine)
        command.check(cfg)  # raises when models and migrations differ
        command.downgrade(cfg, "base")
        assert current_revision(engine) is None
        upgrade(engine)
        assert current_revision(engine) is not None


def test_session_database_is_at_head(database):
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config(database.engine)).get_current_head()
    assert current_revision(database.engine) == head
