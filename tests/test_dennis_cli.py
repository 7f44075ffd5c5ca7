"""`catalogue import-dennis` and the conflict options of `catalogue import` (issue 13), against their own SQLite file."""
import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from catalogue.cli import main
from helpers import seeded_cli_database
from dennis_export import dumps, instrument, local_party


@pytest.fixture(scope="module")
def cli_db(tmp_path_factory, templates):
    yield from seeded_cli_database(tmp_path_factory, templates, "cli-dennis")


def _scalar(url, sql):
    with create_engine(url).connect() as conn:
        return conn.execute(text(sql)).scalar()


def test_import_dennis_dry_run_import_and_second_run(cli_db):
    url, folder = cli_db
    path = folder / "dennis.json"
    path.write_bytes(dumps([
        instrument("Proefplaatsing Gouda (CLI)", local_party("GM0513", "Gouda"), uuid="cli-1", townships=[("GM0513", "Gouda")],
                   conditions="<p>Maximaal 2 maanden.</p>", links=[("Info", "https://www.gouda.nl/proef")],
                   tiles=[{"name": "Plaatsing"}]),
        instrument("Jobcoaching Almere (CLI)", local_party("GM0034", "Almere"), uuid="cli-2",
                   townships=[("GM0034", "Almere")], links=[("Info", "https://www.almere.nl")]),
    ]))
    runner = CliRunner()
    n = _scalar(url, "SELECT count(*) FROM instrument")
    result = runner.invoke(main, ["import-dennis", str(path), "--region", "AM20", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "nieuw" in result.output and "overgeslagen" in result.output and "proefimport" in result.output
    assert "voorstel: duration_max=2, duration_unit=maand" in result.output
    assert _scalar(url, "SELECT count(*) FROM instrument") == n
    result = runner.invoke(main, ["import-dennis", str(path), "--region", "AM20"])
    assert result.exit_code == 0 and "1 nieuw" in result.output and "opgeslagen." in result.output
    assert _scalar(url, "SELECT count(*) FROM instrument") == n + 1
    assert _scalar(url, "SELECT count(*) FROM parameter_proposal WHERE status = 'open'") == 1
    result = runner.invoke(main, ["import-dennis", str(path), "--region", "AM20", "-q"])
    assert result.exit_code == 0 and "0 nieuw, 0 bijwerken, 1 ongewijzigd" in result.output
    bad = folder / "kapot.json"
    bad.write_bytes(path.read_bytes()[:-30])
    result = runner.invoke(main, ["import-dennis", str(bad)])
    assert result.exit_code == 1 and "houdt halverwege op" in result.output and "niets opgeslagen" in result.output
    result = runner.invoke(main, ["import-dennis", str(path), "--region", "AM99"])
    assert result.exit_code == 2 and "onbekende arbeidsmarktregio 'AM99'" in result.output


def test_import_refuses_open_conflicts_until_chosen(cli_db):
    url, folder = cli_db
    runner = CliRunner()
    export = folder / "am20.csv"
    assert runner.invoke(main, ["export", "--region", "AM20", "--format", "csv", "-o", str(export),
                                "--internal"]).exit_code == 0
    with create_engine(url).begin() as conn:  # someone edits the instrument after the export (as the editor would)
        iid, version = conn.execute(text("SELECT id, version FROM instrument WHERE slug = "
                                         "'waddinxveen-proefplaatsing'")).one()
        conn.execute(text("UPDATE instrument SET duration_max = 3, version = version + 1 WHERE id = :id"), {"id": iid})
        conn.execute(text("INSERT INTO audit_entry (created_at, actor, via, instrument_id, action, version, changes) "
                          "VALUES (CURRENT_TIMESTAMP, 'red@waddinxveen.example.org', 'web', :id, 'update', :v, "
                          "'{\"duration_max\": [2, 3]}')"), {"id": iid, "v": version + 1})
    result = runner.invoke(main, ["import", str(export), "--region", "AM20"])
    assert result.exit_code == 1, result.output
    assert "CONFLICT waddinxveen-proefplaatsing:duration_max: bestand 2, nu 3 (gewijzigd door " \
           "red@waddinxveen.example.org" in result.output
    assert _scalar(url, "SELECT duration_max FROM instrument WHERE slug = 'waddinxveen-proefplaatsing'") == 3
    result = runner.invoke(main, ["import", str(export), "--region", "AM20", "--keep-current", "all", "-q"])
    assert result.exit_code == 0, result.output
    assert _scalar(url, "SELECT duration_max FROM instrument WHERE slug = 'waddinxveen-proefplaatsing'") == 3
    result = runner.invoke(main, ["import", str(export), "--region", "AM20",
                                  "--take-file", "waddinxveen-proefplaatsing:duration_max"])
    assert result.exit_code == 0 and "duration_max: 3 → 2" in result.output
    assert _scalar(url, "SELECT duration_max FROM instrument WHERE slug = 'waddinxveen-proefplaatsing'") == 2
