"""Small builders for tests."""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalogue.models import Instrument, InstrumentKind, Municipality, Provider, Region, TaxonomyTerm


def make_instrument(session: Session, slug: str, **overrides) -> Instrument:
    """A published instrument of UWV unless overridden; relations may be given as codes."""
    kind = overrides.pop("kind", "proefplaatsing")
    provider = overrides.pop("provider", "uwv")
    municipalities = overrides.pop("municipalities", [])
    regions = overrides.pop("regions", [])
    terms = overrides.pop("terms", [])
    values = dict(
        slug=slug, name=f"Testinstrument {slug}", reach="landelijk", summary="Een testinstrument voor werkgevers.",
        status="published", source_url="https://example.org/bron", example=True,
    )
    values.update(overrides)
    item = Instrument(**values)
    item.kind = session.scalar(select(InstrumentKind).where(InstrumentKind.code == kind))
    item.provider = session.scalar(select(Provider).where(Provider.slug == provider))
    item.municipalities = [session.scalar(select(Municipality).where(Municipality.code == c)) for c in municipalities]
    item.regions = [session.scalar(select(Region).where(Region.code == c)) for c in regions]
    item.terms = [session.scalar(select(TaxonomyTerm).where(TaxonomyTerm.taxonomy == t, TaxonomyTerm.code == c))
                  for t, c in terms]
    session.add(item)
    session.commit()
    return item


def declare_complete(session: Session, region_codes=("AM20", "AM11", "AM35"), kinds=(), when=None) -> None:
    """Every gemeente of these regions declares its offer complete (as its editors would, in /beheer); rolled back with
    the test's transaction. The seed declares nothing: a declaration is a person's statement on a date."""
    from datetime import datetime, timezone

    from catalogue.models import CoverageDeclaration

    when = when or datetime.now(timezone.utc)
    for m in session.scalars(select(Municipality).join(Region, Region.id == Municipality.region_id)
                             .where(Region.code.in_(region_codes))):
        session.add(CoverageDeclaration(municipality_id=m.id, kinds=list(kinds), declared_at=when,
                                        actor="redacteur@example.org", via="cli"))
    session.flush()


def seeded_cli_database(tmp_path_factory, templates, name: str):
    """For a module fixture: an initialised and seeded SQLite file of its own that the `catalogue` commands use (through
    the environment), yielding (url, folder): a copy of the session's seeded template (db_templates.py), brought up to
    date by `catalogue init` as a user would. The command-line tests skip on the PostgreSQL run."""
    import pytest
    from click.testing import CliRunner

    from catalogue.cli import main

    if templates.postgres:
        pytest.skip("the command-line tests use their own SQLite file")
    folder = tmp_path_factory.mktemp(name)
    mp = pytest.MonkeyPatch()
    with templates.copy("seeded", folder) as url:
        mp.setenv("CATALOGUE_DATABASE_URL", url)
        mp.setenv("CATALOGUE_SECRET_KEY", "x")
        mp.setenv("CATALOGUE_INDEX_DIR", str(folder / "index"))
        result = CliRunner().invoke(main, ["init"])
        assert result.exit_code == 0 and "up to date" in result.output, result.output
        yield url, folder
    mp.undo()


def scratch_database(templates, tmp_path):
    """A database of its own with the schema, so that commits are real (workers use their own connections): a copy of
    the migrated, empty template of the session database (SQLite file or PostgreSQL database; see db_templates.py)."""
    return templates.database("schema", tmp_path)
