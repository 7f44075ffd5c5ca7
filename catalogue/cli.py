"""The `catalogue` command: init, seed, serve (and the Flask commands)."""
from __future__ import annotations

import os
import sys

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from . import create_app


def _db():
    return current_app.extensions["catalogue_db"]


@click.group(cls=FlaskGroup, create_app=create_app, add_default_commands=False,
             help="Open instrumentengids. Database: CATALOGUE_DATABASE_URL (default: SQLite under instance/).")
def main():
    pass


@main.command()
@with_appcontext
def init():
    """Create the database or migrate it to the newest schema."""
    from .migrate import current_revision, upgrade

    db = _db()
    before = current_revision(db.engine)
    upgrade(db.engine)
    after = current_revision(db.engine)
    if before == after:
        click.echo(f"Database {db.engine.url.render_as_string()} is up to date (revision {after}).")
    else:
        click.echo(f"Database {db.engine.url.render_as_string()} migrated from {before or 'empty'} to {after}.")


@main.command()
@click.option("--refresh", is_flag=True, help="Overwrite instruments and region details with the seed files' content.")
@with_appcontext
def seed(refresh):
    """Load the seed data (regions, gemeenten, taxonomies, instruments). Safe to run again."""
    from .seed import SeedError
    from .seed import seed as run_seed

    try:
        with _db().session() as session:
            report = run_seed(session, refresh=refresh)
    except SeedError as exc:
        raise click.ClickException(f"Seed aborted, nothing was written: {exc}") from exc
    click.echo(report.summary())


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int, help="gunicorn worker processes")
@click.option("--dev", is_flag=True, help="Flask's development server with reloader instead of gunicorn.")
def serve(host, port, workers, dev):
    """Serve the application."""
    if dev:
        from werkzeug.serving import run_simple

        run_simple(host, port, create_app(), use_reloader=True, use_debugger=True)
        return
    os.execv(sys.executable, [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"{host}:{port}",
                           "--access-logfile", "-", "catalogue.wsgi:app"])


if __name__ == "__main__":
    main()
