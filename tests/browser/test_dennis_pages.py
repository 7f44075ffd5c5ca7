"""The Dennis import pages and the review list of proposals (issue 13) in Chromium: axe (WCAG 2.1 AA) on the upload
form, the preview, the saved result and the review list; no horizontal scrolling at 390 px; the flow with the keyboard
-free mouse path an editor takes (upload, confirm, accept a proposal)."""
import json
import sys
from pathlib import Path

import pytest

from conftest import describe, login, require_route, run_axe, screenshot

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from dennis_export import dumps, instrument, local_party  # noqa: E402

pytestmark = pytest.mark.browser


def _no_violations(page, name):
    screenshot(page, name)
    violations = run_axe(page, name)
    assert not violations, f"{name}: WCAG 2.1 AA violations\n{describe(violations)}"


def _overflow(page) -> int:
    return page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")


def test_dennis_upload_preview_confirm_and_review(axe_page, live_app, tmp_path):
    page = axe_page  # the CSP is bypassed only to inject axe
    require_route(live_app, "dennis.upload", "Dennis import")
    export = tmp_path / "dennis.json"
    export.write_bytes(dumps([
        instrument("Proefplaatsing Gouda (browsertest)", local_party("GM0513", "Gouda"), uuid="browser-1",
                   townships=[("GM0513", "Gouda")], neighbourhoods=[("Korte Akkeren", "GM0513", "Gouda")],
                   conditions="<p>De proefplaatsing duurt maximaal 3 maanden.</p>",
                   target_groups=[(None, "Mensen uit de wijk")], links=[("Info", "https://www.gouda.nl")]),
        instrument("Jobcoaching Almere (browsertest)", local_party("GM0034", "Almere"), uuid="browser-2",
                   townships=[("GM0034", "Almere")], links=[("Info", "https://www.almere.nl")]),
    ]))
    if not page.logged_in:
        login(page)
        page.logged_in = True
    page.goto("/beheer/")
    page.get_by_role("link", name="Importeren uit Dennis").click()
    _no_violations(page, "dennis-upload")
    page.set_viewport_size({"width": 390, "height": 800})
    assert _overflow(page) <= 1
    page.set_viewport_size({"width": 1280, "height": 900})
    page.locator("input[name=file]").set_input_files(str(export))
    page.get_by_role("button", name="Controleren").click()
    assert "Controle: nog niets opgeslagen" in page.locator("h2#h-result").inner_text()
    assert "overgeslagen" in page.content() and "Korte Akkeren" in page.content()
    _no_violations(page, "dennis-preview")
    page.get_by_role("button", name="Bevestigen en opslaan").click()
    assert page.locator("h2#h-result").inner_text() == "Import opgeslagen"
    _no_violations(page, "dennis-saved")
    page.get_by_role("link", name="Voorstellen uit imports").first.click()
    assert "maximaal 3 maanden" in page.content()
    _no_violations(page, "proposals")
    page.set_viewport_size({"width": 390, "height": 800})
    screenshot(page, "proposals-390")
    assert _overflow(page) <= 1
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="Overnemen voor Proefplaatsing Gouda (browsertest)").click()
    assert "Het voorstel is overgenomen" in page.content()

    # someone edits the summary here; Dennis changes it too: the second import shows the conflict side by side
    from sqlalchemy import select

    from catalogue.db import Database
    from catalogue.editing import Editor
    from catalogue.models import Instrument, User

    db = Database(live_app.config["DATABASE_URL"])
    with db.session() as session:
        item = session.scalar(select(Instrument).where(Instrument.external_id == "browser-1"))
        editor = session.scalar(select(User).where(User.email == "redacteur@gouda.example.org"))
        Editor(session, editor).update(item, {"summary": "Onze eigen samenvatting, hier geschreven."}, partial=True)
        session.commit()
    db.engine.dispose()
    items = json.loads(export.read_text())
    items[0]["updated_at"] = "2025-01-01T00:00:00.000000Z"
    items[0]["short_description"] = "Dennis heeft de samenvatting ook gewijzigd."
    export.write_text(json.dumps(items))
    page.goto("/beheer/import/dennis")
    page.locator("input[name=file]").set_input_files(str(export))
    page.get_by_role("button", name="Controleren").click()
    assert "Conflicten met nieuwer werk" in page.content() and "Onze eigen samenvatting" in page.content()
    _no_violations(page, "dennis-conflict")
    page.set_viewport_size({"width": 390, "height": 800})
    screenshot(page, "dennis-conflict-390")
    assert _overflow(page) <= 1
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_label("huidige waarde houden").check()
    page.get_by_role("button", name="Bevestigen en opslaan").click()
    assert page.locator("h2#h-result").inner_text() == "Import opgeslagen"
