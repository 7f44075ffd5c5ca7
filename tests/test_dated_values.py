"""Dated parameter values: the amount in force on a date, history and announced changes, `?peildatum=` on pages and
the API (400 when invalid), comparisons and harmonisation on the chosen date, and the input checks."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from marshmallow import ValidationError
from sqlalchemy import select

import catalogue.dated as dated
from catalogue.comparison import compare_instruments
from catalogue.dated import PeildatumError, amounts, on_date, parse_peildatum, timeline
from catalogue.editing import Editor, snapshot
from catalogue.harmonisation import region_harmonisation
from catalogue.models import Instrument, ParameterValue
from catalogue.parameters import amount_text
from catalogue.seed import InstrumentLoader
from accounts import people  # noqa: F401  (fixture)
from helpers import make_instrument


def lkv(session) -> Instrument:
    return session.scalar(select(Instrument).where(Instrument.slug == "lkv-oudere-werknemer"))


def test_parse_peildatum():
    assert parse_peildatum("2025-03-01") == date(2025, 3, 1)
    assert parse_peildatum("", default=date(2020, 1, 1)) == date(2020, 1, 1)
    assert parse_peildatum(None) == date.today()
    for wrong in ("2025-13-01", "1-3-2025", "gisteren", "2025-02-30", "20250301", "0001-01-01"):
        with pytest.raises(PeildatumError) as exc:
            parse_peildatum(wrong)
        assert exc.value.parameter == "peildatum"


def test_seeded_lkv_amount_changes_on_its_date(session):
    item = lkv(session)
    assert amounts(item, date(2024, 12, 31))["amount_value"] == Decimal("3.05")
    assert amounts(item, date(2025, 1, 1))["amount_value"] == Decimal("1.35")
    assert amounts(item, date(2025, 1, 1))["amount_max_per_year"] == Decimal("2600")
    assert amounts(item, date(2026, 6, 1))["amount_value"] is None  # no value in force after 2025: not guessed
    assert amount_text(item, "nl", date(2024, 6, 1)).startswith("€ 3,05 per verloond uur")
    assert amount_text(item, "nl", date(2025, 6, 1)).startswith("€ 1,35 per verloond uur")
    tl = timeline(item, date(2024, 6, 1))
    value = next(p for p in tl.parameters if p.parameter == "amount_value")
    assert value.current.value == Decimal("3.05") and [pv.value for pv in value.announced] == [Decimal("1.35")]


class _Frozen(date):
    frozen = date(2030, 1, 1)

    @classmethod
    def today(cls):
        return cls.frozen


def test_page_shows_the_value_in_force_today_and_announces_the_change(client, session, monkeypatch):
    item = make_instrument(session, "dated-premie", kind="premie", amount_type="vast", amount_value=None)
    item.parameter_values = [
        ParameterValue(parameter="amount_value", value=Decimal("1000"), valid_from=date(2029, 1, 1),
                       valid_until=date(2030, 6, 30)),
        ParameterValue(parameter="amount_value", value=Decimal("1500"), valid_from=date(2030, 7, 1),
                       note="Nieuw bedrag per 1 juli 2030."),
    ]
    session.commit()
    monkeypatch.setattr(dated, "date", _Frozen)  # "today" as the dated module sees it

    _Frozen.frozen = date(2030, 6, 30)
    html = client.get("/instrumenten/dated-premie").get_data(as_text=True)
    assert "€ 1.000" in html.split("Bedragen door de tijd")[0]  # the summary shows today's amount
    assert "Aangekondigde wijziging" in html and "€ 1.500" in html and "1 juli 2030" in html
    assert "geldt" in html and "aangekondigd" in html

    _Frozen.frozen = date(2030, 7, 1)  # the day of the change
    html = client.get("/instrumenten/dated-premie").get_data(as_text=True)
    assert "€ 1.500" in html.split("Bedragen door de tijd")[0]
    assert "Aangekondigde wijziging" not in html and "vervallen" in html

    english = client.get("/en/instrumenten/dated-premie?peildatum=2029-06-01").get_data(as_text=True)
    assert "Amounts over time" in english and "€1,000" in english.replace("€ ", "€")


def test_peildatum_on_pages_and_api_and_400_naming_it(client, session):
    html = client.get("/instrumenten/lkv-oudere-werknemer?peildatum=2024-06-01").get_data(as_text=True)
    assert "€ 3,05 per verloond uur" in html and "Aangekondigde wijziging" in html
    html = client.get("/instrumenten/lkv-oudere-werknemer?peildatum=2025-06-01").get_data(as_text=True)
    assert "€ 1,35 per verloond uur" in html

    body = client.get("/api/v1/instruments/lkv-oudere-werknemer?peildatum=2025-06-01").get_json()
    assert body["peildatum"] == "2025-06-01" and body["amount"]["value"] == 1.35
    assert {pv["value"] for pv in body["parameter_values"] if pv["parameter"] == "amount_value"} == {3.05, 1.35}
    assert client.get("/api/v1/instruments/lkv-oudere-werknemer?peildatum=2024-06-01").get_json()["amount"]["value"] == 3.05

    for url in ("/api/v1/instruments/lkv-oudere-werknemer?peildatum=morgen", "/api/v1/harmonisation?peildatum=2025-02-30",
                "/api/v1/regions/AM20/harmonisation?peildatum=x",
                "/api/v1/compare?type=regions&a=AM20&b=AM11&peildatum=2025/01/01"):
        response = client.get(url)
        assert response.status_code == 400, url
        assert response.get_json()["parameter"] == "peildatum"
    for url in ("/instrumenten/lkv-oudere-werknemer?peildatum=morgen", "/harmonisatie?peildatum=13-13-2025",
                "/regios/midden-holland/harmonisatie?peildatum=nee", "/vergelijken/regios?a=AM20&b=AM11&peildatum=1"):
        response = client.get(url)
        assert response.status_code == 400, url
        assert "peildatum" in response.get_data(as_text=True)
    english = client.get("/en/harmonisatie?peildatum=13-13-2025").get_data(as_text=True)
    assert "not a valid date" in english
    assert client.get("/api/v1/harmonisation?peildatum=2025-01-01").status_code == 200


def test_comparison_and_harmonisation_use_the_values_on_the_peildatum(session):
    gouda = session.scalar(select(Instrument).where(Instrument.slug == "gouda-premie"))
    assert gouda is not None and gouda.amount_value is not None
    base = gouda.amount_value
    gouda.parameter_values = [
        ParameterValue(parameter="amount_value", value=base, valid_until=date(2030, 12, 31)),
        ParameterValue(parameter="amount_value", value=base + 1000, valid_from=date(2031, 1, 1)),
    ]
    session.commit()
    other = session.scalar(select(Instrument).where(Instrument.slug == "krimpenerwaard-premie"))
    before = compare_instruments(session, [gouda.slug, other.slug], "nl", today=date(2030, 6, 1)).to_dict()
    after = compare_instruments(session, [gouda.slug, other.slug], "nl", today=date(2031, 6, 1)).to_dict()

    def amount_row(result):
        return next(r for r in result["rows"] if r["key"] == "amount")

    assert amount_row(before)["values"][0] != amount_row(after)["values"][0]

    def gouda_cell(h):
        return h.row("premie").cells["GM0513"].params.get("amount")

    h_before = region_harmonisation(session, "AM20", "nl", today=date(2030, 6, 1))
    h_after = region_harmonisation(session, "AM20", "nl", today=date(2031, 6, 1))
    assert gouda_cell(h_before) != gouda_cell(h_after)


def test_input_schema_and_seed_shape(session):
    loader = InstrumentLoader(session)
    record = snapshot(lkv(session))
    record["slug"] = "lkv-copy"
    assert len(record["parameter_values"]) == 4
    data = loader.validate(record)
    assert Decimal("1.35") in {pv["value"] for pv in data["parameter_values"] if pv["parameter"] == "amount_value"}

    overlapping = dict(record, parameter_values=[
        {"parameter": "amount_value", "value": "1", "valid_from": "2020-01-01", "valid_until": "2021-12-31"},
        {"parameter": "amount_value", "value": "2", "valid_from": "2021-06-01"}])
    with pytest.raises(ValidationError) as exc:
        loader.validate(overlapping)
    assert "parameter_values" in exc.value.messages

    for wrong in ({"parameter": "duration_max", "value": "3"},
                  {"parameter": "amount_value", "value": "1", "valid_from": "2022-01-01", "valid_until": "2021-01-01"},
                  {"parameter": "amount_value", "value": "-1"},
                  {"parameter": "amount_value", "value": "1", "source_url": "ftp://x"}):
        with pytest.raises(ValidationError):
            loader.validate(dict(record, parameter_values=[wrong]))

    # a dated amount satisfies "vast needs an amount"
    fixed = dict(record, amount_type="vast", amount_value=None,
                 parameter_values=[{"parameter": "amount_value", "value": "10", "valid_from": "2020-01-01"}])
    loader.validate(fixed)
    with pytest.raises(ValidationError):
        loader.validate(dict(fixed, parameter_values=[]))


def test_edits_without_dated_values_keep_them_and_versions_restore_them(session, people):  # noqa: F811
    item = lkv(session)
    editor = Editor(session, people["admin"], via="test")
    editor.update(item, {"summary": item.summary + " Bijgewerkt."}, partial=True)
    session.commit()
    kept = lkv(session)
    assert len(kept.parameter_values) == 4
    version_with_values = kept.version
    editor.update(kept, {"parameter_values": []}, partial=True)
    session.commit()
    assert lkv(session).parameter_values == []
    assert amounts(lkv(session), date(2025, 6, 1))["amount_value"] == lkv(session).amount_value
    editor.restore_version(lkv(session), version_with_values)
    session.commit()
    assert amounts(lkv(session), date(2025, 6, 1))["amount_value"] == Decimal("1.35")


def test_on_date_view_delegates():
    class Plain:
        amount_type, amount_value, amount_max_per_year, amount_max_total = "vast", Decimal("5"), None, None
        name = "x"
        parameter_values = [ParameterValue(parameter="amount_value", value=Decimal("7"), valid_from=date(2020, 1, 1))]

    view = on_date(Plain(), date(2021, 1, 1))
    assert view.amount_value == Decimal("7") and view.name == "x" and view.peildatum == date(2021, 1, 1)
    assert on_date(Plain(), date(2019, 1, 1)).amount_value is None


def test_spreadsheet_column_round_trips_and_empty_keeps(session):
    import csv
    import io

    from catalogue.imports import run_import
    from catalogue.models import Region

    am20 = session.scalar(select(Region).where(Region.code == "AM20"))
    item = session.scalar(select(Instrument).where(Instrument.slug == "gouda-premie"))

    def import_cell(text):
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["Slug", "Naam", "Soort", "Aanbieder", "Gedateerde bedragen"])
        writer.writerow([item.slug, item.name, item.kind.code, "Gouda", text])
        return run_import(session, "dated.csv", out.getvalue().encode(), am20, via="cli")

    result = import_cell("amount_value | 1000 | 2020-01-01 | 2030-12-31 | tot 2031\namount_value | 1250,50 | 2031-01-01")
    assert result.ok and result.committed, result.errors
    session.expire_all()
    assert [pv.value for pv in item.parameter_values] == [Decimal("1000"), Decimal("1250.50")]
    assert item.parameter_values[0].note == "tot 2031"
    assert import_cell("").rows[0].action == "unchanged"  # an empty cell leaves them as they are
    session.expire_all()
    assert len(item.parameter_values) == 2
    bad = import_cell("amount_value | veel | 2020-01-01")
    assert not bad.ok and any("Gedateerde bedragen" in e or "parameter_values" in e for e in bad.errors), bad.errors


def test_pages_say_which_peildatum_they_use(client):
    html = client.get("/regios/midden-holland/harmonisatie?peildatum=2025-01-01").get_data(as_text=True)
    assert "Peildatum 2025-01-01" in html and 'href="/regios/midden-holland/harmonisatie">' in html
    assert "de instrumenten en bedragen die op die dag golden" not in client.get(
        "/regios/midden-holland/harmonisatie").get_data(as_text=True)
    english = client.get("/en/vergelijken/regios?a=AM20&b=AM11&peildatum=2025-01-01").get_data(as_text=True)
    assert "Reference date 2025-01-01" in english and "/en/vergelijken/regios?a=AM20&amp;b=AM11" in english


def test_comparison_forms_keep_the_peildatum(client):
    html = client.get("/vergelijken/gemeenten?a=GM0513&b=GM0627&peildatum=2025-01-01").get_data(as_text=True)
    assert '<input type="hidden" name="peildatum" value="2025-01-01">' in html
    assert 'name="peildatum"' not in client.get("/vergelijken/gemeenten?a=GM0513&b=GM0627").get_data(as_text=True)
