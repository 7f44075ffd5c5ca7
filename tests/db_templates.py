"""Copies of the session database, taken once per test run, for tests that need a database of their own (their commits
are real: workers, servers or the command line use their own connections).

Migrating and seeding cost seconds per database (the seed alone ~2.5 s); copying costs milliseconds. The session
database fixture (conftest.py) captures two templates while it is built: `schema` (migrated, empty) and `seeded` (after
the seed, before any test or index build touched it). A copy is a file copy with SQLite's backup API (the files are in
WAL mode, so a plain file copy could miss pages) and `CREATE DATABASE … TEMPLATE` on PostgreSQL.
"""
from __future__ import annotations

import sqlite3
import uuid
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from catalogue.db import Database

KINDS = ("schema", "seeded")


def _sqlite_copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


class Templates:
    def __init__(self, database_url: str, folder: Path):
        self.url = make_url(database_url)
        self.folder = folder
        self.postgres = self.url.get_backend_name() == "postgresql"
        self.captured: dict[str, str] = {}  # kind -> SQLite file or PostgreSQL database name

    def _admin(self):
        return create_engine(self.url.set(database="postgres"), isolation_level="AUTOCOMMIT")

    def capture(self, kind: str, engine) -> None:
        """Takes the template `kind` from the database behind `engine` (its pooled connections are closed first:
        PostgreSQL copies only a database nobody is connected to)."""
        assert kind in KINDS and kind not in self.captured
        engine.dispose()
        if not self.postgres:
            target = self.folder / f"template-{kind}.sqlite"
            _sqlite_copy(Path(self.url.database), target)
            self.captured[kind] = str(target)
            return
        name = f"{self.url.database}_template_{kind}"
        admin = self._admin()
        try:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{self.url.database}"'))
        finally:
            admin.dispose()
        self.captured[kind] = name

    @contextmanager
    def copy(self, kind: str, folder: Path):
        """A fresh copy of the template `kind`: yields its URL; the PostgreSQL database is dropped afterwards."""
        if not self.postgres:
            target = Path(folder) / f"{kind}-{uuid.uuid4().hex[:8]}.sqlite"
            _sqlite_copy(Path(self.captured[kind]), target)
            yield f"sqlite:///{target}"
            return
        name = f"{self.url.database}_{kind}_{uuid.uuid4().hex[:8]}"
        admin = self._admin()
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{self.captured[kind]}"'))
        try:
            yield self.url.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

    @contextmanager
    def database(self, kind: str, folder: Path):
        """Like copy(), yielding a Database on the copy (disposed afterwards)."""
        with self.copy(kind, folder) as url:
            db = Database(url)
            try:
                yield db
            finally:
                db.engine.dispose()

    def drop(self) -> None:
        if not self.postgres or not self.captured:
            return
        admin = self._admin()
        try:
            with admin.connect() as conn:
                for name in self.captured.values():
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        finally:
            admin.dispose()
