"""`catalogue content check` on the seed data (no errors) and on crafted bad records (errors), and the promise it keeps
for every national instrument: an official source, a legal basis and a check within 12 months."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from catalogue.cli import main
from catalogue.content_check import check_content, check_instrument, is_official
from catalogue.models import NATIONAL_PROVIDER_TYPES, Instrument, ParameterValue, Provider
from catalogue.review import months_ago
from accounts import login, people  # noqa: F401  (fixture)
from helpers import make_instrument


def codes(findings, severity=None):
    return {f.code for f in findings if severity is None or f.severity == severity}


def test_seed_data_has_no_content_errors(session):
    report = check_content(session)
    assert report.instruments >= 140
    assert report.errors == [], [f.to_dict() for f in report.errors]
    assert report.warnings  # regional example content and undated amounts are reported, as warnings


def test_every_national_instrument_has_an_official_source_a_legal_basis_and_a_recent_check(session, today):
    national = session.scalars(select(Instrument).join(Provider).where(Provider.type.in_(NATIONAL_PROVIDER_TYPES))
                               .options(selectinload(Instrument.provider))).all()
    assert len(national) >= 30
    cutoff = months_ago(today, 12)
    for item in national:
        own = (item.provider.website or "").split("//")[-1].removeprefix("www.").split("/")[0]
        assert is_official(item.source_url, (own, "uwvjaarverslag.nl")), (item.slug, item.source_url)
        assert (item.legal_basis or "").strip(), item.slug
        assert item.last_checked is not None and cutoff <= item.last_checked <= today, (item.slug, item.last_checked)


def test_official_domains():
    assert is_official("https://www.uwv.nl/werkgevers/x")
    assert is_official("https://business.uwv.nl/x")
    assert is_official("https://zoek.officielebekendmakingen.nl/stcrt-2017-68248.html")
    assert is_official("https://wetten.overheid.nl/BWBR0037522")
    assert not is_official("https://uwv.nl.example.com/x")
    assert not is_official("https://wetten.legaltools.nl/ziektewet/artikel-29b")
    assert not is_official("https://wspavregio.nl/subsidies/x")
    assert is_official("https://www.gouda.nl/werk", ("gouda.nl",))
    assert not is_official(None)


def test_crafted_bad_records_are_errors(session, today):
    bad = make_instrument(session, "bad-national", example=False, source_url="https://www.lawfirm.example/blog",
                          legal_basis=None, last_checked=date(2020, 1, 1), amount_type="vast", amount_value=500,
                          summary="Beëindigd: deze regeling bestaat niet meer, maar er is geen einddatum.")
    found = check_instrument(bad, today)
    assert {"source_not_official", "legal_basis_missing", "check_overdue", "ended_without_end_date"} <= codes(found, "error")
    assert "amount_undated" in codes(found, "warning")

    no_source = make_instrument(session, "bad-no-source", example=False, source_url=None, legal_basis="Wet X",
                                last_checked=today)
    assert "source_missing" in codes(check_instrument(no_source, today), "error")

    never = make_instrument(session, "bad-never-checked", example=False, legal_basis="Wet X",
                            source_url="https://www.uwv.nl/x", last_checked=None)
    assert "never_checked" in codes(check_instrument(never, today), "error")

    future = make_instrument(session, "bad-future-check", example=False, legal_basis="Wet X",
                             source_url="https://www.uwv.nl/x", last_checked=date(today.year + 1, 1, 1))
    assert "checked_in_future" in codes(check_instrument(future, today), "error")

    # regional: a non-official source is a warning, the review period is the organisation's (default 12 months)
    local = make_instrument(session, "bad-local", provider="gemeente-gouda", reach="lokaal", municipalities=["GM0513"],
                            example=False, source_url="https://blog.example.org/x", last_checked=months_ago(today, 13))
    found = check_instrument(local, today)
    assert {"source_not_official", "check_overdue"} <= codes(found, "warning")
    assert not codes(found, "error")

    example = make_instrument(session, "bad-example", example=True)
    assert "example_content" in codes(check_instrument(example, today), "warning")

    ended = make_instrument(session, "ended-silent", example=False, legal_basis="Wet X", source_url="https://www.uwv.nl/x",
                            last_checked=today, valid_until=date(2020, 1, 1), summary="Een regeling voor werkgevers.")
    ended.parameter_values = [ParameterValue(parameter="amount_value", value=1, valid_from=date(2021, 1, 1))]
    session.commit()
    found = check_instrument(ended, today)
    assert {"ended_not_said", "dated_value_outside_scheme"} <= codes(found, "warning")
    assert "amount_undated" not in codes(found)

    report = check_content(session, today)
    assert {f.slug for f in report.errors} >= {"bad-national", "bad-no-source", "bad-never-checked", "bad-future-check"}


def test_contacts_missing_when_nobody_can_be_reached(session, today):
    provider = Provider(slug="stil-bureau", name="Stil bureau", type="landelijk")
    session.add(provider)
    session.commit()
    item = make_instrument(session, "no-contacts", provider="stil-bureau", contacts=[])
    assert "contacts_missing" in codes(check_instrument(item, today), "warning")
    item.contacts = [{"name": "Loket", "phone": None, "email": None, "website": None}]
    assert "contacts_missing" not in codes(check_instrument(item, today))


def test_cli_exit_code_follows_errors(app, session, database):
    runner = app.test_cli_runner()
    ok = runner.invoke(main, ["content", "check", "--errors-only"])
    assert ok.exit_code == 0, ok.output
    assert "0 fout(en)" in ok.output
    # a committed bad record (cleaned up afterwards; the CLI uses its own session)
    with database.session() as s:
        make_instrument(s, "cli-bad-record", example=False, source_url=None, legal_basis=None)
    try:
        bad = runner.invoke(main, ["content", "check", "--provider", "uwv"])
        assert bad.exit_code != 0
        assert "cli-bad-record" in bad.output and "[source_missing]" in bad.output
        as_json = runner.invoke(main, ["content", "check", "--format", "json", "--provider", "uwv"])
        assert '"code": "legal_basis_missing"' in as_json.output
        unknown = runner.invoke(main, ["content", "check", "--provider", "nobody"])
        assert unknown.exit_code != 0 and "nobody" in unknown.output
    finally:
        with database.session() as s:
            s.delete(s.scalar(select(Instrument).where(Instrument.slug == "cli-bad-record")))


def test_content_check_page_is_scoped_to_what_the_user_edits(client, session, people):  # noqa: F811
    make_instrument(session, "gouda-bad", provider="gemeente-gouda", reach="lokaal", municipalities=["GM0513"],
                    example=False, source_url=None)
    make_instrument(session, "almere-bad", provider="gemeente-almere", reach="lokaal", municipalities=["GM0034"],
                    example=False, source_url=None)
    login(client, people["editor"])
    html = client.get("/beheer/inhoudscontrole").get_data(as_text=True)
    assert "Testinstrument gouda-bad" in html and "Testinstrument almere-bad" not in html
    assert "source_missing" in html
    errors_only = client.get("/beheer/inhoudscontrole?ernst=error").get_data(as_text=True)
    assert "example_content" not in errors_only
    login(client, people["admin"])
    html = client.get("/beheer/inhoudscontrole").get_data(as_text=True)
    assert "Testinstrument gouda-bad" in html and "Testinstrument almere-bad" in html
    login(client, people["account_manager"])  # edits nothing
    assert client.get("/beheer/inhoudscontrole").status_code == 403
    login(client, None)
    assert client.get("/beheer/inhoudscontrole").status_code in (302, 401)


def test_findings_are_translated_on_the_english_page(client, session, people):  # noqa: F811
    make_instrument(session, "gouda-bad-en", provider="gemeente-gouda", reach="lokaal", municipalities=["GM0513"],
                    example=False, source_url="https://blog.example.org/x")
    login(client, people["editor"])
    html = client.get("/en/beheer/inhoudscontrole").get_data(as_text=True)
    assert "The source is not an official page (blog.example.org)" in html
    assert "Content check" in html
