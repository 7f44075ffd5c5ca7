"""Background jobs (catalogue/jobs/): large exports and large imports become jobs with a progress page; jobs are claimed
once even by several workers at the same time; results are offered as a download and cleaned up after the retention
period; the worker command. Jobs run inline here by calling the runner (`run_next`)."""
from __future__ import annotations

import csv
import io
import re
import threading
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from accounts import login, people, post  # noqa: F401
from catalogue.db import Database
from catalogue.jobs import JobError, clean, enqueue, run_next
from catalogue.jobs import kinds
from catalogue.jobs.files import jobs_root
from catalogue.models import Instrument, Job
from helpers import scratch_database

IMPORT_ROW = {"Naam": "Jobimport proefplaatsing {n}", "Soort": "proefplaatsing", "Aanbieder": "Gouda",
              "Samenvatting": "Een proefplaatsing om de achtergrondimport te testen.", "Voorbeeld": "ja"}


@pytest.fixture()
def instance(app, tmp_path, monkeypatch):
    """Job files in a temporary instance directory, and low thresholds so the small seed catalogue makes jobs."""
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    monkeypatch.setitem(app.config, "EXPORT_JOB_THRESHOLDS", {"csv": 10, "xlsx": 10, "json": 10, "pdf": 10})
    monkeypatch.setitem(app.config, "IMPORT_JOB_ROWS", 3)
    return tmp_path


def _run(app) -> str | None:
    return run_next(app.extensions["catalogue_db"], jobs_root(app.instance_path))


def _job_url(response) -> str:
    assert response.status_code == 303, response.status_code
    location = response.headers["Location"]
    assert re.search(r"/taken/[\w-]{32}$", location), location  # an unguessable id
    return location


def test_large_public_export_becomes_a_job_with_progress_and_a_download(client, app, instance, session):
    url = _job_url(client.get("/regios/midden-holland/export.csv"))
    page = client.get(url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "wachtrij" in html
    assert 'hx-trigger="every 2s"' in html and "stand bijwerken" in html  # polls with htmx, a link without JS
    # the same export asked again shares the job
    assert _job_url(client.get("/regios/midden-holland/export.csv")) == url
    assert _run(app) == url.rsplit("/", 1)[1]
    html = client.get(url).get_data(as_text=True)
    assert "Export klaar" in html and "hx-trigger" not in html
    download = client.get(url + "/bestand")
    assert download.status_code == 200
    assert "instrumenten-am20-midden-holland.csv" in download.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(download.data.decode("utf-8-sig"))))
    instruments = [r for r in rows if r["Naam"]]  # not the coverage rows ("onbekend — nog niet ingevoerd")
    # the same rows as the export in the request (a threshold above the catalogue's size)
    app.config["EXPORT_JOB_THRESHOLDS"] = {"csv": 100_000}
    direct = client.get("/regios/midden-holland/export.csv")
    assert direct.status_code == 200 and rows == list(csv.DictReader(io.StringIO(direct.data.decode("utf-8-sig"))))
    job = session.scalar(select(Job).where(Job.public_id == url.rsplit("/", 1)[1]))
    assert job.state == "done" and job.progress_current == job.progress_total == len(instruments) == job.result[
        "instruments"]


def test_exports_up_to_the_threshold_are_answered_at_once(client, app, instance):
    app.config["EXPORT_JOB_THRESHOLDS"] = {"csv": 100_000}
    response = client.get("/gemeenten/gouda/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    count = len([r for r in csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))) if r["Naam"]])
    app.config["EXPORT_JOB_THRESHOLDS"] = {"csv": count}
    assert client.get("/gemeenten/gouda/export.csv").status_code == 200
    app.config["EXPORT_JOB_THRESHOLDS"] = {"csv": count - 1}
    _job_url(client.get("/gemeenten/gouda/export.csv"))


def test_english_job_page(client, app, instance):
    url = _job_url(client.get("/en/export/instrumenten.json"))
    assert "/en/taken/" in url or url.startswith("/taken/")
    html = client.get("/en" + url[url.index("/taken/"):]).get_data(as_text=True)
    assert "queue" in html.lower()


def test_internal_export_job_belongs_to_its_user(client, app, instance, people):  # noqa: F811
    login(client, people["account_manager"])
    url = _job_url(client.get("/gemeenten/gouda/export.csv?intern=1"))
    _run(app)
    assert client.get(url + "/bestand").status_code == 200
    assert "Interne notities" in client.get(url + "/bestand").data.decode("utf-8-sig")
    login(client, people["other_editor"])
    assert client.get(url).status_code == 404 and client.get(url + "/bestand").status_code == 404
    login(client, None)
    assert client.get(url).status_code == 404 and client.get(url + "/bestand").status_code == 404
    assert client.get("/taken/" + "x" * 32).status_code == 404


def _csv(rows: int) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(IMPORT_ROW))
    writer.writeheader()
    for n in range(rows):
        writer.writerow({k: v.format(n=n) for k, v in IMPORT_ROW.items()})
    return buffer.getvalue().encode()


def _upload(client, data: bytes, name="groot.csv"):
    from werkzeug.datastructures import FileStorage

    return post(client, "/beheer/import", {"region": "AM20", "file": FileStorage(stream=io.BytesIO(data), filename=name)},
                content_type="multipart/form-data")


def _count(session) -> int:
    return session.scalar(select(func.count()).select_from(Instrument).where(Instrument.name.like("Jobimport%")))


def test_large_import_preview_and_import_run_as_jobs(client, app, instance, session, people):  # noqa: F811
    login(client, people["coordinator"])
    url = _job_url(_upload(client, _csv(8)))
    assert "Import wordt verwerkt" in client.get(url).get_data(as_text=True)
    _run(app)
    result = client.get(url, follow_redirects=True)
    html = result.get_data(as_text=True)
    assert result.status_code == 200 and "Controle: nog niets opgeslagen" in html and "Bevestigen en opslaan" in html
    assert _count(session) == 0  # a preview writes nothing
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    url = _job_url(post(client, "/beheer/import/bevestigen", {"token": token}))
    _run(app)
    html = client.get(url, follow_redirects=True).get_data(as_text=True)
    assert "Import opgeslagen" in html
    assert _count(session) == 8
    job = session.scalar(select(Job).where(Job.public_id == url.rsplit("/", 1)[1]))
    assert job.progress_current == job.progress_total == 8
    # someone else does not see the job
    login(client, people["other_coordinator"])
    assert client.get(url, follow_redirects=True).status_code == 404


def test_a_failing_job_says_so(client, app, instance, session, monkeypatch):
    def boom(ctx):
        raise JobError("Deze regio bestaat niet meer.")

    def crash(ctx):
        raise RuntimeError("internal detail")

    monkeypatch.setitem(kinds.HANDLERS, "boom", kinds.Handler(boom, writes=False))
    monkeypatch.setitem(kinds.HANDLERS, "crash", kinds.Handler(crash, writes=False))
    a, b = enqueue(session, "boom", {}), enqueue(session, "crash", {})
    session.commit()
    _run(app), _run(app)
    assert "Deze regio bestaat niet meer." in client.get(f"/taken/{a.public_id}").get_data(as_text=True)
    html = client.get(f"/taken/{b.public_id}").get_data(as_text=True)
    assert "Er ging iets mis" in html and "internal detail" not in html
    assert client.get(f"/taken/{b.public_id}/bestand").status_code == 404


def test_old_results_are_cleaned(app, instance, session, client):
    url = _job_url(client.get("/regios/midden-holland/export.csv"))
    public_id = url.rsplit("/", 1)[1]
    _run(app)
    folder = jobs_root(app.instance_path) / public_id
    assert any(folder.iterdir())
    db = app.extensions["catalogue_db"]
    assert clean(db, jobs_root(app.instance_path)) == 0  # young: kept
    later = datetime.now(timezone.utc) + timedelta(days=2)
    assert clean(db, jobs_root(app.instance_path), now=later) == 1
    assert not folder.exists()
    assert session.scalar(select(Job).where(Job.public_id == public_id)) is None


@pytest.fixture()
def queue_db(tmp_path, templates):
    """A database of its own with the schema, so that commits are real (workers use their own connections)."""
    with scratch_database(templates, tmp_path) as db:
        yield db


def test_several_workers_claim_every_job_exactly_once(queue_db, tmp_path, monkeypatch):
    """Four workers on one queue at the same time."""
    runs: list[str] = []
    lock = threading.Lock()

    def record(ctx):
        with lock:
            runs.append(ctx.public_id)
        ctx.progress(1, total=1, message="Klaar", force=True)

    monkeypatch.setitem(kinds.HANDLERS, "record", kinds.Handler(record, writes=False))
    with queue_db.session() as s:
        ids = [enqueue(s, "record", {"n": n}).public_id for n in range(40)]

    def worker():
        while run_next(queue_db, tmp_path / "jobs") is not None:
            pass

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(runs) == sorted(ids)  # each exactly once
    with queue_db.session() as s:
        assert set(s.scalars(select(Job.state))) == {"done"}


def test_a_job_that_kills_its_process_is_failed_and_the_worker_goes_on(queue_db, tmp_path, monkeypatch):
    import os

    monkeypatch.setitem(kinds.HANDLERS, "killed", kinds.Handler(lambda ctx: os._exit(9), writes=False))
    monkeypatch.setitem(kinds.HANDLERS, "noop", kinds.Handler(lambda ctx: None, writes=False))
    with queue_db.session() as s:
        killed, fine = enqueue(s, "killed", {}).public_id, enqueue(s, "noop", {}).public_id
    assert run_next(queue_db, tmp_path / "jobs", isolate=True) == killed
    assert run_next(queue_db, tmp_path / "jobs", isolate=True) == fine
    with queue_db.session() as s:
        states = dict(s.execute(select(Job.public_id, Job.state)).all())
    assert states == {killed: "failed", fine: "done"}


def test_worker_command_runs_the_queue_once(tmp_path, monkeypatch):
    from catalogue.cli import main

    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    monkeypatch.setenv("CATALOGUE_DATABASE_URL", url)
    monkeypatch.setenv("CATALOGUE_INDEX_DIR", str(tmp_path / "index"))
    runner = CliRunner()
    assert runner.invoke(main, ["init"]).exit_code == 0
    db = Database(url)
    monkeypatch.setitem(kinds.HANDLERS, "noop", kinds.Handler(lambda ctx: None, writes=False))
    with db.session() as s:
        enqueue(s, "noop", {}), enqueue(s, "noop", {})
    result = runner.invoke(main, ["jobs", "work", "--once"])
    assert result.exit_code == 0, result.output
    assert "2 job(s) run." in result.output
    with db.session() as s:
        assert set(s.scalars(select(Job.state))) == {"done"}
    db.engine.dispose()


def test_a_full_export_queue_says_busy_instead_of_growing(client, app, instance, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_QUEUED_EXPORTS", 1)
    _job_url(client.get("/regios/midden-holland/export.csv"))
    busy = client.get("/regios/midden-holland/export.json")  # another export while one waits
    assert busy.status_code == 503 and busy.headers["Retry-After"] == "120"
    assert "erg druk" in busy.get_data(as_text=True)
    _run(app)
    _job_url(client.get("/regios/midden-holland/export.json"))  # the queue moved: accepted
