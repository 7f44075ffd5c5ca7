"""The `catalogue` command: init, seed, index rebuild/status, serve (and the Flask commands)."""
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

    from .search.changelog import install_triggers

    db = _db()
    before = current_revision(db.engine)
    upgrade(db.engine)
    with db.engine.begin() as conn:
        install_triggers(conn)  # idempotent: a migration that rebuilt a table cannot switch the change log off
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


@main.group()
def index():
    """The search index (whoosh, under CATALOGUE_INDEX_DIR, default instance/index)."""


@index.command("rebuild")
@click.option("--procs", default=min(2, os.cpu_count() or 1), show_default=True, type=int,
              help="writer processes (whoosh forks them; one index segment each)")
@with_appcontext
def index_rebuild(procs):
    """Build a complete new index beside the current one and swap it in (atomic; safe while the app is serving)."""
    from .search.follower import rebuild_index

    engine = current_app.extensions["catalogue_search"]
    with _db().session() as session:
        figures = rebuild_index(engine, session, procs=procs)
    click.echo(f"Search index rebuilt: {figures['documents']} instruments in {figures['seconds']:.1f} s "
               f"({figures['cpu_seconds']:.1f} s CPU) "
               f"({figures['path']}) at change-log position {figures['cursor']}; running nodes replay what changed "
               "since" + (f"; removed {figures['removed_crashed']} crashed build(s)." if figures.get("removed_crashed") else "."))


@index.command("follow")
@click.option("--parent", type=int, default=None, help="Stop when this process (the server that started this one) is "
                                                        "no longer the parent.")
@click.option("--nice", "niceness", type=click.IntRange(0, 19), default=0, show_default=True,
              help="Lower this process's CPU priority by this much, so requests go first on a busy machine.")
@with_appcontext
def index_follow(parent, niceness):
    """Write this node's search index from the change log, in a process of its own, until SIGTERM. `catalogue serve`
    starts one (at --nice 19) and runs its workers as readers of the index; one per index directory (a second one
    waits)."""
    from . import follow_settings
    from .logs import configure_from_environment
    from .search.follower import run_index_writer

    if niceness:
        os.nice(niceness)
    configure_from_environment()
    engine = current_app.extensions["catalogue_search"]
    click.echo(f"Following the change log into the search index {engine.store.root} (SIGTERM stops).", err=True)
    follower = run_index_writer(engine, _db().session_factory, parent=parent, **follow_settings(current_app))
    click.echo(f"Stopped at change-log position {follower.cursor} ({follower.applied} entries applied, "
               f"{follower.rebuilds} rebuild(s)).", err=True)


@index.command("status")
@with_appcontext
def index_status():
    """Show where the index is and how many instruments it holds."""
    status = current_app.extensions["catalogue_search"].store.status()
    if not status["exists"]:
        click.echo(f"No search index at {status['path']}; run `catalogue index rebuild` (a running app builds it in the "
                   "background and answers from SQL meanwhile).")
        return
    click.echo(f"Search index {status['path']}: {status['documents']} instruments, generation {status['generation']}, "
               f"{status['segments']} segment(s).")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int, help="gunicorn worker processes")
@click.option("--dev", is_flag=True, help="Flask's development server with reloader instead of gunicorn.")
@click.option("--job-workers", default=1, show_default=True, type=click.IntRange(0, 16),
              help="`catalogue jobs work` processes started and stopped with the server (0: run them yourself).")
@click.option("--webhook-workers", default=1, show_default=True, type=click.IntRange(0, 16),
              help="`catalogue webhooks work` processes (change feed and webhook deliveries; 0: run them yourself).")
def serve(host, port, workers, dev, job_workers, webhook_workers):
    """Serve the application (and, by default, one background job worker)."""
    if dev:
        from werkzeug.serving import run_simple

        run_simple(host, port, create_app(), use_reloader=True, use_debugger=True)
        return
    os.environ["CATALOGUE_JOB_WORKERS"] = str(job_workers)
    os.environ["CATALOGUE_WEBHOOK_WORKERS"] = str(webhook_workers)
    import shutil

    from .config import INSTANCE_DIR

    # each worker writes its metrics here; /metrics adds them up (stale files of an earlier run are removed first)
    metrics_dir = os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(INSTANCE_DIR / "metrics"))
    shutil.rmtree(metrics_dir, ignore_errors=True)
    os.makedirs(metrics_dir, exist_ok=True)
    # the app writes one JSON access-log line per request (with its request id), so gunicorn's own is off
    os.execv(sys.executable, [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"{host}:{port}",
                              "--config", "python:catalogue.gunicorn_conf", "catalogue.wsgi:app"])


if __name__ == "__main__":
    main()


# ---------------------------------------------------------------------------------------------------------------------
# Background jobs (large exports and imports): see catalogue/jobs/.


@main.group()
def jobs():
    """Background jobs: large exports, large import previews and imports."""


def _jobs_root():
    from .jobs.files import jobs_root

    return jobs_root(current_app.instance_path)


@jobs.command("work")
@click.option("--once", is_flag=True, help="Run the jobs that are queued, then stop (default: keep waiting for more).")
@click.option("--poll", default=1.0, show_default=True, type=click.FloatRange(0.05, 60), help="Seconds between looks "
                                                                                               "at an empty queue.")
@with_appcontext
def jobs_work(once, poll):
    """Run background jobs. Start as many as you like, on one machine or several that share the instance directory
    (result files) and the database; SIGTERM lets the job at hand finish."""
    from .jobs import work

    count = work(_db(), _jobs_root(), once=once, poll=poll, echo=lambda public_id: click.echo(f"job {public_id} done"))
    click.echo(f"{count} job(s) run.")


@jobs.command("clean")
@with_appcontext
def jobs_clean():
    """Remove finished jobs and their files older than the retention period (CATALOGUE_JOB_RETENTION_HOURS, 24)."""
    from .jobs import clean
    from .jobs.queue import fail_stale

    stale = fail_stale(_db())
    removed = clean(_db(), _jobs_root())
    click.echo(f"{removed} old job(s) removed; {stale} interrupted job(s) marked as failed.")


# ---------------------------------------------------------------------------------------------------------------------
# The public change feed and webhooks (issue 15): see catalogue/changes/ and catalogue/webhooks/.


@main.group()
def webhooks():
    """The public change feed (/api/v1/changes) and webhook deliveries."""


@webhooks.command("work")
@click.option("--once", is_flag=True, help="Record what changed and deliver what is due, then stop.")
@click.option("--poll", default=1.0, show_default=True, type=click.FloatRange(0.05, 60),
              help="Seconds between rounds when nothing is due.")
@with_appcontext
def webhooks_work(once, poll):
    """Record public changes into the feed and deliver webhooks. Safe to run on several nodes at once: one recorder at
    a time, and every delivery is claimed by one worker (SELECT ... FOR UPDATE SKIP LOCKED; SQLite: BEGIN
    IMMEDIATE). SIGTERM lets the delivery at hand finish."""
    from .webhooks.worker import Settings, work

    settings = Settings(base=current_app.config["WEBHOOK_RETRY_SECONDS"],
                        allow_local=current_app.config["WEBHOOKS_ALLOW_LOCALHOST"])
    count = work(_db(), settings, once=once, poll=poll,
                 echo=lambda recorded, attempted: click.echo(f"{recorded} change(s) recorded, "
                                                             f"{attempted} delivery attempt(s)"))
    click.echo(f"{count} delivery attempt(s).")


# ---------------------------------------------------------------------------------------------------------------------
# Accounts (issues 5, 10, 13): `catalogue users create` makes the first admin; `users token` makes, lists and revokes
# write-API tokens; `users deactivate`/`activate`.


@main.group()
def users():
    """Accounts: create, deactivate and activate users; create, list and revoke write-API tokens."""


def _ask_password(value):
    """The password prompt: a password that is too short is refused at once, before the confirmation prompt."""
    from .auth import password_problem

    if value is not None:
        return value  # checked by the command
    for _attempt in range(3):
        first = click.prompt("Password", hide_input=True, default="", show_default=False)
        problem = password_problem(first)
        if problem:
            click.echo(f"Error: {problem}", err=True)
            continue
        if click.prompt("Repeat for confirmation", hide_input=True, default="", show_default=False) == first:
            return first
        click.echo("Error: The two entered values do not match.", err=True)
    raise click.UsageError("No acceptable password given (three attempts).")


@users.command("create")
@click.argument("email")
@click.option("--name", default="", help="Display name (default: the e-mail address).")
@click.option("--admin", is_flag=True, help="Global administrator: may do everything.")
@click.option("--organisation", "provider_slug", default=None,
              help="Member of the organisation behind this provider slug (gemeente-gouda, regio-midden-holland, uwv, ...).")
@click.option("--role", type=click.Choice(["coordinator", "editor", "account_manager"]), default=None)
@click.option("--password", callback=lambda ctx, param, value: _ask_password(value),
              help="The password (at least 10 characters); prompted for, twice, when not given.")
@with_appcontext
def users_create(email, name, admin, provider_slug, role, password):
    """Create a user (or add a role to an existing one)."""
    from sqlalchemy import select

    from .auth import add_membership, create_user, normalise_email, organisation_for_provider, password_problem
    from .models import User

    if bool(provider_slug) != bool(role):
        raise click.UsageError("--organisation and --role go together.")
    if not admin and not role:
        raise click.UsageError("Give --admin, or --organisation and --role.")
    problem = password_problem(password)
    if problem:
        raise click.UsageError(problem)
    with _db().session() as session:
        user = session.scalar(select(User).where(User.email == normalise_email(email)))
        created = user is None
        if created:
            user = create_user(session, email, name or email, password, is_admin=admin)
        elif admin:
            user.is_admin = True
        if role:
            try:
                org = organisation_for_provider(session, provider_slug)
            except ValueError as exc:
                raise click.UsageError(str(exc)) from exc
            add_membership(session, user, org, role)
        session.flush()
        what = "admin" if user.is_admin else role
        click.echo(f"{'Created' if created else 'Updated'} user {user.email} ({what}).")
        if user.requires_two_factor and not user.totp_enabled:
            click.echo("Admins and coordinators set up two-factor authentication (TOTP) at their first login.")


def _user_or_fail(session, email):
    from sqlalchemy import select

    from .auth import normalise_email
    from .models import User

    user = session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        raise click.ClickException(f"No user {email}.")
    return user


@users.command("token")
@click.argument("email")
@click.argument("token_id", required=False, type=int)
@click.option("--name", default="api", show_default=True, help="A label for a new token.")
@click.option("--list", "list_tokens", is_flag=True, help="List the user's tokens (number, label, prefix, state).")
@click.option("--revoke", is_flag=True, help="Revoke token TOKEN_ID (see --list), or every token with --all.")
@click.option("--all", "revoke_all", is_flag=True, help="With --revoke: all of the user's tokens.")
@with_appcontext
def users_token(email, token_id, name, list_tokens, revoke, revoke_all):
    """Create a write-API token for a user (shown once), list the user's tokens, or revoke them."""
    from .accounts.admin import AccountAdmin
    from .accounts.audit import record
    from .auth import create_api_token

    if revoke and not (revoke_all or token_id):
        raise click.UsageError("--revoke needs a TOKEN_ID (see --list) or --all.")
    if (token_id or revoke_all) and not revoke:
        raise click.UsageError("TOKEN_ID and --all go with --revoke.")
    with _db().session() as session:
        user = _user_or_fail(session, email)
        if list_tokens:
            for t in sorted(user.tokens, key=lambda t: t.id):
                state = f"revoked {t.revoked_at:%Y-%m-%d %H:%M}" if t.revoked_at else "active"
                used = f"last used {t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "never used"
                click.echo(f"{t.id}\t{t.name}\t{t.prefix}…\t{state}\t{used}")
            if not user.tokens:
                click.echo(f"{user.email} has no tokens.")
            return
        admin = AccountAdmin(session, None, via="cli")
        if revoke:
            if revoke_all:
                count = admin.revoke_all_tokens(user)
                click.echo(f"Revoked {count} token(s) of {user.email}.")
                return
            token = next((t for t in user.tokens if t.id == token_id), None)
            if token is None:
                raise click.ClickException(f"{user.email} has no token {token_id} (see --list).")
            if token.revoked_at is not None:
                raise click.ClickException(f"Token {token_id} was already revoked.")
            admin.revoke_token(user, token)
            click.echo(f"Revoked token {token_id} ({token.name}) of {user.email}.")
            return
        token = create_api_token(session, user, name)
        record(session, None, "token_create", subject=user, via="cli", name=name, token=token[:12])
    click.echo(token)


def _set_active(email: str, active: bool) -> None:
    """Deactivate or reactivate a user through the account service (audited as done on the command line)."""
    from .accounts.admin import AccountAdmin

    with _db().session() as session:
        user = _user_or_fail(session, email)
        was_active = user.active
        service = AccountAdmin(session, None, via="cli")
        (service.activate if active else service.deactivate)(user)
    if active:
        click.echo(f"{user.email} {'was already active' if was_active else 'activated'}.")
    else:
        click.echo(f"{user.email} {'deactivated' if was_active else 'was already deactivated'}.")


@users.command("deactivate")
@click.argument("email")
@with_appcontext
def users_deactivate(email):
    """Deactivate a user: their sessions end at once and their API tokens stop working (401)."""
    _set_active(email, False)


@users.command("activate")
@click.argument("email")
@with_appcontext
def users_activate(email):
    """Reactivate a user (tokens that were not revoked work again)."""
    _set_active(email, True)


@users.command("review-period")
@click.argument("provider_slug")
@click.argument("months", type=click.IntRange(1, 60))
@with_appcontext
def users_review_period(provider_slug, months):
    """Set after how many months an organisation's instruments appear in its "needs review" list."""
    from .auth import organisation_for_provider

    with _db().session() as session:
        try:
            org = organisation_for_provider(session, provider_slug)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from exc
        org.review_after_months = months
    click.echo(f"{org.name}: instruments not checked for {months} months need review.")


# ---------------------------------------------------------------------------------------------------------------------
# Exports and spreadsheet import (issue 6): `catalogue export` and `catalogue import`. See catalogue/exports/ and
# catalogue/imports/.


@main.command("export")
@click.option("--region", "region_code", default=None, help="Arbeidsmarktregio (AMxx): everything available there.")
@click.option("--municipality", "municipality_code", default=None, help="Gemeente (GMxxxx): everything available there.")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "pdf", "json"]), default="xlsx", show_default=True)
@click.option("--output", "-o", default=None,
              help="File to write (default: a name after the region in the current directory; '-' = standard output).")
@click.option("--a4", is_flag=True, help="PDF: the one-page A4 overview instead of the arrangementenkaart.")
@click.option("--lifecycle", default="current,upcoming", show_default=True,
              help="Which schemes: current, upcoming, ended (comma-separated).")
@click.option("--internal", is_flag=True, help="Include drafts, publication fields and internal notes (never publish "
                                                 "such a file).")
@click.option("--language", type=click.Choice(["nl", "en"]), default="nl", show_default=True, help="PDF and texts.")
@with_appcontext
def export_command(region_code, municipality_code, fmt, output, a4, lifecycle, internal, language):
    """Export instruments as CSV, XLSX, PDF or JSON (public fields only unless --internal)."""
    import time

    from .exports import ExportSpec, export, filename, items_for, spec_for_municipality, spec_for_region
    from .queries import InstrumentQuery, QueryError, parse_query

    started = time.perf_counter()
    with _db().session() as session:
        try:
            query = parse_query(session, {"lifecycle": [lifecycle]}) if lifecycle else InstrumentQuery()
        except QueryError as exc:
            raise click.BadParameter(exc.message, param_hint="--lifecycle") from exc
        options = dict(query=query, internal=internal, include_drafts=internal, language=language)
        try:
            if municipality_code:
                spec = spec_for_municipality(session, municipality_code, **options)
            elif region_code:
                spec = spec_for_region(session, region_code, **options)
            else:
                spec = ExportSpec(**options)
        except LookupError as exc:
            raise click.BadParameter(str(exc), param_hint="--municipality" if municipality_code else "--region") from exc
        instruments = items_for(session, spec, fmt)  # light rows for CSV/XLSX, full instruments for JSON/PDF
        target = output or filename(spec, fmt, a4)
        label = f"Exporting {len(instruments)} instruments as {fmt.upper()}"
        to_stdout = target == "-"
        stream = sys.stdout.buffer if to_stdout else open(target, "wb")
        try:
            show = target != "-" and len(instruments) >= PROGRESS_FROM
            with click.progressbar(length=len(instruments), label=label, file=None if show else _NullFile(),
                                   show_pos=True) as bar:
                count = export(session, spec, fmt, stream, a4=a4, progress=bar.update, instruments=instruments)
        finally:
            if to_stdout:
                stream.flush()
            else:
                stream.close()
    if target != "-":
        import os

        size = os.path.getsize(target)
        click.echo(f"Wrote {count} instruments to {target} ({size / 1024:.0f} KB) in "
                   f"{time.perf_counter() - started:.1f} s.", err=True)


PROGRESS_FROM = 100  # instruments; smaller exports finish before a progress bar would help


class _NullFile:
    def write(self, _text):
        return 0

    def flush(self):
        pass

    def isatty(self):
        return False


@main.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--region", "region_code", required=True, help="Arbeidsmarktregio (AMxx) the instruments belong to.")
@click.option("--dry-run", is_flag=True, help="Check and show what would happen; write nothing.")
@click.option("--allow-national", is_flag=True, help="Also write instruments of national providers (UWV, ...).")
@click.option("--quiet", "-q", is_flag=True, help="Only errors and the summary, not every row.")
@click.option("--keep-current", "keep", multiple=True, metavar="SLUG:FIELD",
              help="Conflict with newer work: keep the current value ('all' for every conflict). Repeatable.")
@click.option("--take-file", "take", multiple=True, metavar="SLUG:FIELD",
              help="Conflict with newer work: take the file's value ('all' for every conflict). Repeatable.")
@with_appcontext
def import_command(file, region_code, dry_run, allow_national, quiet, keep, take):
    """Import instruments from a spreadsheet (.xlsx or .csv) into a region, all or nothing.

    Rows are matched with existing instruments by external id, else slug, else provider + name. Re-importing the same
    file changes nothing. A row whose `Versie` is older than the instrument's and that changes a field changed since is
    a conflict: nothing is written until every conflict is chosen with --keep-current or --take-file. Exit code 1 when
    any row has an error or a conflict is open (then nothing is written). A file that passes is written in batches of
    100 rows, each committed."""
    from pathlib import Path

    from sqlalchemy import select

    from .imports import format_result, run_import
    from .models import Region

    path = Path(file)
    if path.stat().st_size > 5 * 1024 * 1024:
        raise click.ClickException(f"{path.name}: het bestand is groter dan 5 MB; niets opgeslagen.")
    data = path.read_bytes()
    with _db().session(write=not dry_run) as session:  # a dry run writes nothing: no write lock
        region = session.scalar(select(Region).where(Region.code == region_code.upper()))
        if region is None:
            raise click.BadParameter(f"onbekende arbeidsmarktregio '{region_code}'", param_hint="--region")
        result = run_import(session, path.name, data, region, user=None, dry_run=dry_run,
                            allow_national=allow_national, via="cli", resolutions=_resolutions(keep, take))
    for line in format_result(result, verbose=not quiet):
        click.echo(line)
    if not result.ok:
        saved = f"de eerste {result.saved} rijen zijn opgeslagen, de rest niet" if result.saved else \
            "er is niets opgeslagen"
        raise click.ClickException(f"{len(result.errors)} fout(en); {saved}.")
    if result.open_conflicts:
        raise click.ClickException(f"{len(result.open_conflicts)} conflict(en) met nieuwer werk; kies met "
                                   "--keep-current of --take-file SLUG:VELD. Er is niets opgeslagen.")


class _AllConflicts(dict):
    """Resolutions for 'all': every conflict gets the same choice unless named otherwise."""

    def __init__(self, choice: str, named: dict):
        super().__init__(named)
        self.choice = choice

    def get(self, key, default=None):
        return super().get(key, self.choice)


def _resolutions(keep: tuple[str, ...], take: tuple[str, ...]) -> dict[str, str]:
    named = {k: "current" for k in keep if k != "all"} | {k: "file" for k in take if k != "all"}
    if "all" in keep and "all" in take:
        raise click.BadParameter("'all' kan niet bij allebei", param_hint="--keep-current/--take-file")
    if "all" in keep or "all" in take:
        return _AllConflicts("current" if "all" in keep else "file", named)
    return named


# ---------------------------------------------------------------------------------------------------------------------
# Content truth (issue 12): `catalogue content check` and `catalogue links check`. See catalogue/content_check.py and
# catalogue/link_check.py.


def _provider_ids(session, provider_slug):
    if not provider_slug:
        return None
    from sqlalchemy import select

    from .models import Provider

    provider = session.scalar(select(Provider).where(Provider.slug == provider_slug))
    if provider is None:
        raise click.BadParameter(f"onbekende aanbieder '{provider_slug}'", param_hint="--provider")
    return {provider.id}


@main.group()
def content():
    """Checks on the catalogue's content."""


@content.command("check")
@click.option("--provider", "provider_slug", default=None, help="Only this provider's instruments (slug).")
@click.option("--date", "on_date", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Check as on this date (default today).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--errors-only", is_flag=True, help="List only errors (the summary still counts warnings).")
@with_appcontext
def content_check(provider_slug, on_date, fmt, errors_only):
    """Report per instrument: missing or non-official source, missing legal basis (national), last check older than the
    review period, amounts without validity dates, example content, ended schemes shown as current, missing contacts.
    Exit code 1 when there are errors."""
    import json

    from .content_check import check_content

    with _db().session() as session:
        report = check_content(session, on_date.date() if on_date else None, _provider_ids(session, provider_slug))
    if fmt == "json":
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        for slug, findings in report.by_instrument().items():
            shown = [f for f in findings if f.severity == "error" or not errors_only]
            if shown:
                click.echo(f"{slug} ({findings[0].provider})")
                for f in shown:
                    click.echo(f"  {'FOUT' if f.severity == 'error' else 'let op'} [{f.code}] {f.message}")
        click.echo(report.summary())
    if report.errors:
        raise click.ClickException(f"{len(report.errors)} fout(en) in de inhoud.")


@main.group()
def links():
    """Checks on the URLs the catalogue links to."""


@links.command("check")
@click.option("--provider", "provider_slug", default=None, help="Only this provider's instruments (slug).")
@click.option("--concurrency", type=click.IntRange(1, 32), default=8, show_default=True, help="Requests at once.")
@click.option("--timeout", type=click.FloatRange(0.1, 60), default=10.0, show_default=True, help="Seconds per request.")
@with_appcontext
def links_check(provider_slug, concurrency, timeout):
    """Visit every source, regulation and link URL; record status and redirects (shown per organisation under
    /beheer/links). Exit code 1 when a link is broken."""
    from .link_check import check_links

    with _db().session() as session:
        report = check_links(session, concurrency=concurrency, timeout=timeout,
                             provider_ids=_provider_ids(session, provider_slug))
        for v in report.visits:
            if not v.ok:
                click.echo(f"KAPOT {v.status or '-'} {v.url}{' (' + v.error + ')' if v.error else ''}")
            elif v.redirects:
                click.echo(f"door  {v.status} {v.url} -> {v.final_url}")
    click.echo(report.summary())
    if report.broken:
        raise click.ClickException(f"{len(report.broken)} kapotte link(s); zie /beheer/links.")


# ---------------------------------------------------------------------------------------------------------------------
# Migrating from Dennis (issue 13): `catalogue import-dennis`. See catalogue/imports/dennis/.


@main.command("import-dennis")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--region", "region_code", default=None,
              help="Only the instruments of this arbeidsmarktregio (AMxx); the others are listed as skipped.")
@click.option("--dry-run", is_flag=True, help="Check and show per instrument what would happen; write nothing.")
@click.option("--allow-national", is_flag=True, help="Also import instruments of national providers (UWV, ...).")
@click.option("--default-kind", default=None, metavar="KIND",
              help="Soort for instruments whose name and short description name none (e.g. advies).")
@click.option("--source-url", default=None, metavar="TEMPLATE",
              help="Source of every instrument, e.g. its Dennis page: https://…/instrument/{slug} ({uuid} and {slug} "
                   "are filled in). Default: the instrument's first link.")
@click.option("--keep-current", "keep", multiple=True, metavar="SLUG:FIELD",
              help="Conflict with newer work here: keep the current value ('all' for every conflict). Repeatable.")
@click.option("--take-file", "take", multiple=True, metavar="SLUG:FIELD",
              help="Conflict with newer work here: take Dennis's value ('all' for every conflict). Repeatable.")
@click.option("--quiet", "-q", is_flag=True, help="Only the report of what could not be mapped, errors and the summary.")
@with_appcontext
def import_dennis_command(file, region_code, dry_run, allow_national, default_kind, source_url, keep, take, quiet):
    """Import a Dennis export (dennis:export-instruments, JSON) in one transaction, all or nothing.

    Instruments are matched by their Dennis uuid, so running it again changes only what changed in Dennis; fields
    changed both in Dennis and here since the last import are conflicts (choose with --keep-current/--take-file).
    Comparable parameters read from the texts become proposals for the review list in /beheer. Exit code 1 when any
    instrument has an error or a conflict is open (then nothing is written)."""
    from pathlib import Path

    from sqlalchemy import select

    from .imports.dennis import MAX_BYTES, format_dennis, run_dennis_import
    from .models import Region

    path = Path(file)
    if path.stat().st_size > MAX_BYTES:
        raise click.ClickException(f"{path.name}: het bestand is groter dan {MAX_BYTES // 1024 // 1024} MB; exporteer "
                                   "per regio. Er is niets opgeslagen.")
    data = path.read_bytes()
    with _db().session() as session:
        region = None
        if region_code:
            region = session.scalar(select(Region).where(Region.code == region_code.upper()))
            if region is None:
                raise click.BadParameter(f"onbekende arbeidsmarktregio '{region_code}'", param_hint="--region")
        result = run_dennis_import(session, path.name, data, region, user=None, dry_run=dry_run,
                                   allow_national=allow_national, resolutions=_resolutions(keep, take),
                                   default_kind=default_kind, source_url=source_url, via="cli")
    for line in format_dennis(result, verbose=not quiet):
        click.echo(line)
    if not result.ok:
        raise click.ClickException(f"{len(result.errors)} fout(en); er is niets opgeslagen.")
    if result.open_conflicts:
        raise click.ClickException(f"{len(result.open_conflicts)} conflict(en) met nieuwer werk; kies met "
                                   "--keep-current of --take-file SLUG:VELD. Er is niets opgeslagen.")


@main.group()
def analytics():
    """Anonymous search events (what people look for and don't find)."""


@analytics.command("prune")
@with_appcontext
def analytics_prune():
    """Delete search events older than 13 months, and rate-limit entries of quiet addresses (run daily)."""
    from .analytics.retention import RETENTION_MONTHS, prune
    from .feedback import ratelimit

    with _db().session() as session:
        removed = prune(session)
        ratelimit.prune(session)
    click.echo(f"{removed} zoekopdrachten ouder dan {RETENTION_MONTHS} maanden verwijderd.")


@main.group()
def alerts():
    """Followed searches ("Houd mij op de hoogte")."""


@alerts.command("send")
@click.option("--date", "on_date", default=None, help="send as if today were this day (YYYY-MM-DD); default today")
@with_appcontext
def alerts_send(on_date):
    """Send the daily and weekly digests of the last complete day/week through the outbox (run daily, e.g. at 06:00).
    Idempotent per period: a second run, or a run on another node, sends nothing twice."""
    from datetime import date

    from .alerts.digest import send_due
    from .web.alerts import link_for

    try:
        today = date.fromisoformat(on_date) if on_date else date.today()
    except ValueError:
        raise click.BadParameter("use YYYY-MM-DD", param_hint="--date") from None
    app = current_app._get_current_object()
    engine = app.extensions["catalogue_search"]
    base = app.config["PUBLIC_URL"].rstrip("/")
    with _db().session(write=True) as session:  # SQLite: each transaction takes the write lock up front (BEGIN IMMEDIATE)
        if engine.store.exists() and not engine.ready:  # search words are matched by the search engine, as on the page
            engine.load_table(session)
        sent = empty = before = 0
        for language in ("nl", "en"):  # links in the subscriber's language (/en/ for English)
            with app.test_request_context("/", base_url=base + ("/en" if language == "en" else "")):
                outcome = send_due(session, app.config["SECRET_KEY"], link_for, today, language=language)
            sent, empty, before = sent + outcome.sent, empty + outcome.empty, before + outcome.done_before
    click.echo(f"{sent} e-mail(s) in de outbox gezet, {empty} abonnement(en) zonder nieuws, {before} al eerder "
               f"verstuurd; {outcome.pruned} onbevestigde aanmelding(en) verwijderd.")
