"""Re-imports never lose newer work (issue 13 §2): exports carry the version, a stale row that changes a field changed
since is a conflict, nothing is written until the editor chooses per conflict; the preview names field, old and new."""
from __future__ import annotations

import csv
import io
import json

from openpyxl import load_workbook
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from accounts import login, people, post  # noqa: F401
from catalogue import exports
from catalogue.editing import Editor
from catalogue.imports import format_result, run_import
from catalogue.models import AuditEntry, Instrument, Region

SLUG = "waddinxveen-proefplaatsing"


def _region_export(session, fmt="csv") -> bytes:
    return exports.to_bytes(session, exports.spec_for_region(session, "AM20", internal=True, include_drafts=True), fmt)


def _edit_to_three_months(session, user) -> Instrument:
    item = session.scalar(select(Instrument).where(Instrument.slug == SLUG))
    assert item.duration_max == 2
    Editor(session, user).update(item, {"duration_max": 3}, partial=True)
    session.commit()
    return item


def test_every_export_row_carries_its_version(session):
    item = session.scalar(select(Instrument).where(Instrument.slug == SLUG))
    rows = list(csv.DictReader(io.StringIO(_region_export(session).decode("utf-8-sig"))))
    assert {r["Slug"]: r["Versie"] for r in rows}[SLUG] == str(item.version)
    wb = load_workbook(io.BytesIO(_region_export(session, "xlsx")))
    ws = wb["Gemeenten"]
    header = [c.value for c in ws[1]]
    versions = {r[header.index("Slug")]: r[header.index("Versie")] for r in ws.iter_rows(min_row=2, values_only=True)}
    assert versions[SLUG] == item.version
    doc = json.loads(_region_export(session, "json"))
    assert {i["slug"]: i["version"] for i in doc["instruments"]}[SLUG] == item.version


def test_stale_region_export_conflicts_and_writes_nothing_until_chosen(session, people):  # noqa: F811
    am20 = session.scalar(select(Region).where(Region.code == "AM20"))
    earlier = _region_export(session)  # duration 2 months, at version v
    item = _edit_to_three_months(session, people["coordinator"])
    audits = session.scalar(select(func.count()).select_from(AuditEntry))
    version = item.version

    preview = run_import(session, "am20.csv", earlier, am20, dry_run=True)
    assert preview.ok and not preview.ready
    [conflict] = preview.conflicts
    assert (conflict.slug, conflict.field, conflict.file_value, conflict.current_value) == (SLUG, "duration_max", 2, 3)
    assert conflict.changed_by == "coordinator@example.org" and conflict.changed_at is not None
    assert conflict.current_version == version and conflict.base_version == version - 1
    row = next(r for r in preview.rows if r.slug == SLUG)
    assert row.action == "conflict"
    assert all(r.action == "unchanged" for r in preview.rows if r.slug != SLUG)
    text = "\n".join(format_result(preview))
    assert "CONFLICT waddinxveen-proefplaatsing:duration_max: bestand 2, nu 3" in text

    # not a dry run, but no choice made: still nothing written
    result = run_import(session, "am20.csv", earlier, am20)
    assert not result.committed and result.open_conflicts
    session.expire_all()
    assert session.scalar(select(Instrument.duration_max).where(Instrument.slug == SLUG)) == 3
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == audits

    # keep current: nothing changes at all
    kept = run_import(session, "am20.csv", earlier, am20, resolutions={conflict.key: "current"})
    assert kept.committed and kept.counts["update"] == 0
    session.expire_all()
    assert session.scalar(select(Instrument.duration_max).where(Instrument.slug == SLUG)) == 3
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == audits

    # take the file: written, audited, the preview named field, old and new value
    taken = run_import(session, "am20.csv", earlier, am20, resolutions={conflict.key: "file"})
    assert taken.committed
    row = next(r for r in taken.rows if r.slug == SLUG)
    assert row.action == "update" and row.diffs == {"duration_max": [3, 2]}
    session.expire_all()
    assert session.scalar(select(Instrument.duration_max).where(Instrument.slug == SLUG)) == 2


def test_fields_changed_on_one_side_only_are_no_conflict(session, people):  # noqa: F811
    am20 = session.scalar(select(Region).where(Region.code == "AM20"))
    earlier = _region_export(session)
    _edit_to_three_months(session, people["coordinator"])
    rows = list(csv.DictReader(io.StringIO(earlier.decode("utf-8-sig"))))
    for r in rows:
        if r["Slug"] == SLUG:
            r["Maximale duur"] = "3"  # agrees with the newer edit
            r["Beslistermijn (weken)"] = "4"  # changed only in the file
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    result = run_import(session, "am20.csv", buffer.getvalue().encode(), am20)
    assert result.committed and not result.conflicts
    row = next(r for r in result.rows if r.slug == SLUG)
    assert row.diffs == {"decision_period_weeks": [2, 4]}


def test_upload_shows_conflict_side_by_side_and_confirms_the_choice(client, session, people):  # noqa: F811
    earlier = _region_export(session)
    _edit_to_three_months(session, people["coordinator"])
    login(client, people["coordinator"])
    page = post(client, "/beheer/import", {"region": "AM20", "file": FileStorage(io.BytesIO(earlier), "am20.csv")},
                content_type="multipart/form-data")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Conflicten met nieuwer werk" in html and "coordinator@example.org" in html
    assert f'name="keuze-{SLUG}:duration_max"' in html
    token = html.split('name="token" value="')[1].split('"')[0]
    unchosen = post(client, "/beheer/import/bevestigen", {"token": token})
    assert unchosen.status_code == 422
    session.expire_all()
    assert session.scalar(select(Instrument.duration_max).where(Instrument.slug == SLUG)) == 3
    done = post(client, "/beheer/import/bevestigen", {"token": token, f"keuze-{SLUG}:duration_max": "current"})
    assert done.status_code == 200 and "Import opgeslagen" in done.get_data(as_text=True)
    session.expire_all()
    assert session.scalar(select(Instrument.duration_max).where(Instrument.slug == SLUG)) == 3



def test_conflicts_survive_a_background_import_job(client, app, session, people, tmp_path, monkeypatch):  # noqa: F811
    import re

    from catalogue.jobs import run_next
    from catalogue.jobs.files import jobs_root

    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    monkeypatch.setitem(app.config, "IMPORT_JOB_ROWS", 3)
    earlier = _region_export(session)
    _edit_to_three_months(session, people["coordinator"])
    login(client, people["coordinator"])
    page = post(client, "/beheer/import", {"region": "AM20", "file": FileStorage(io.BytesIO(earlier), "am20.csv")},
                content_type="multipart/form-data")
    assert page.status_code == 303
    run_next(app.extensions["catalogue_db"], jobs_root(app.instance_path))
    html = client.get(page.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert "Conflicten met nieuwer werk" in html and "coordinator@example.org" in html
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    page = post(client, "/beheer/import/bevestigen", {"token": token, f"keuze-{SLUG}:duration_max": "file"})
    assert page.status_code == 303
    run_next(app.extensions["catalogue_db"], jobs_root(app.instance_path))
    html = client.get(page.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert "Import opgeslagen" in html
    session.expire_all()
    assert session.scalar(select(Instrument.duration_max).where(Instrument.slug == SLUG)) == 2
