"""The `catalogue` command: init, seed (idempotent, atomic)."""
import shutil

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from catalogue.cli import main
from catalogue.config import SEED_DIR


@pytest.fixture()
def cli_env(tmp_path, monkeypatch, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("the command-line round trip uses its own SQLite file")
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    monkeypatch.setenv("CATALOGUE_DATABASE_URL", url)
    monkeypatch.setenv("CATALOGUE_SECRET_KEY", "x")
    return url


def _count(url, table):
    with create_engine(url).connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()


def test_init_then_seed_twice(cli_env):
    runner = CliRunner()
    result = runner.invoke(main, ["init"])
    assert result.exit_code == 0, result.output
    assert "migrated from empty" in result.output
    assert "up to date" in runner.invoke(main, ["init"]).output
    first = runner.invoke(main, ["seed"])
    assert first.exit_code == 0, first.output
    assert "35 arbeidsmarktregio's, 342 gemeenten" in first.output
    n = _count(cli_env, "instrument")
    second = runner.invoke(main, ["seed"])
    assert second.exit_code == 0 and "0 nieuw" in second.output
    assert _count(cli_env, "instrument") == n


def test_failed_seed_writes_nothing(cli_env, tmp_path, monkeypatch):
    runner = CliRunner()
    runner.invoke(main, ["init"])
    broken = tmp_path / "seed"
    shutil.copytree(SEED_DIR, broken)
    path = broken / "regions" / "AM20.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["instruments"][-1]["kind"] = "bestaat-niet"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    monkeypatch.setattr("catalogue.seed.SEED_DIR", broken)
    import catalogue.seed as seed_module
    monkeypatch.setattr(seed_module.seed, "__defaults__", (broken, False))
    result = runner.invoke(main, ["seed"])
    assert result.exit_code != 0
    assert "nothing was written" in result.output and "bestaat-niet" in result.output
    assert _count(cli_env, "region") == 0
    assert _count(cli_env, "instrument") == 0
