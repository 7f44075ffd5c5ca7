"""The background job page in a real Chromium: a large export leads to it, it updates itself (htmx polling, CSP on)
until the file is offered, works without JavaScript (a link) and on a 390 px phone, and has no WCAG 2.1 AA violations."""
import pytest

from conftest import _new_page, describe, require_route, run_axe, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture()
def jobs_app(live_app, tmp_path, monkeypatch):
    require_route(live_app, "jobs.status", "background jobs")
    monkeypatch.setattr(live_app, "instance_path", str(tmp_path))
    monkeypatch.setitem(live_app.config, "EXPORT_JOB_THRESHOLDS", {"csv": 5, "xlsx": 5, "json": 5, "pdf": 5})
    return live_app


def _run_jobs(app):
    from catalogue.jobs import run_next
    from catalogue.jobs.files import jobs_root

    while run_next(app.extensions["catalogue_db"], jobs_root(app.instance_path)):
        pass


def test_job_page_polls_until_the_file_is_offered(jobs_app, page, axe_page, browser, live_server):
    page.goto("/regios/midden-holland/export.xlsx")
    assert "/taken/" in page.url
    assert "wachtrij" in page.locator("#job-status").inner_text()
    job_url = page.url
    axe_page.goto(job_url)
    screenshot(axe_page, "job-queued")
    violations = run_axe(axe_page, "job-queued")
    assert not violations, describe(violations)

    _run_jobs(jobs_app)
    page.locator("a[href$='/bestand']").wait_for(timeout=8000)  # the poll replaced the status without a reload
    assert page.url == job_url
    with page.expect_download() as download:
        page.locator("a[href$='/bestand']").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    axe_page.goto(job_url)
    screenshot(axe_page, "job-done")
    violations = run_axe(axe_page, "job-done")
    assert not violations, describe(violations)

    context, phone = _new_page(browser, live_server, viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        phone.goto(job_url)
        assert phone.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 1
        screenshot(phone, "job-done-phone")
    finally:
        context.close()


def test_job_page_without_javascript_has_a_link_to_update_it(jobs_app, page_without_js):
    page_without_js.goto("/gemeenten/gouda/export.csv")
    assert "/taken/" in page_without_js.url
    link = page_without_js.locator("#job-status a", has_text="stand bijwerken")
    assert link.count() == 1
    _run_jobs(jobs_app)
    link.click()
    page_without_js.wait_for_load_state()  # count() does not wait for the reloaded page
    assert page_without_js.locator("a[href$='/bestand']").count() == 1
