"""The net-cost estimate against the worked examples in docs/estimate-examples.md. Plain objects, no database."""
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from catalogue.combinations import check, deadlines
from catalogue.estimate import estimate, load_values, parse_input
from catalogue.estimate.rules import DatedValue, NationalValues
from catalogue.models import ParameterValue

D = Decimal


def instrument(kind, name=None, **values):
    base = dict(name=name or kind, kind=SimpleNamespace(code=kind), amount_type=None, amount_value=None,
                amount_max_per_year=None, amount_max_total=None, duration_max=None, duration_unit=None,
                valid_from=None, valid_until=None, source_url=f"https://example.org/{kind}", parameter_values=[])
    base.update(values)
    return SimpleNamespace(**base)


LKV = dict(amount_type="per_uur", amount_value=D("3.05"), amount_max_per_year=D("6000"), duration_max=3,
           duration_unit="jaar")
# A WML value for the worked examples only (TESTWAARDE, not the real WML): the real one is not in the data yet.
TEST_WML = DatedValue(D("14.00"), None, None, "testwaarde", "https://example.org/testwaarde")


def values_with_test_wml():
    real = load_values()
    return NationalValues({**real.values, "wml_per_hour": (TEST_WML,)})


def inputs(**fields):
    return parse_input({k: [v] for k, v in {"uren": "32", "loon": "16", "start": "2027-02-01", **fields}.items()})


def test_example_1_lkv_below_its_yearly_maximum():
    result = estimate(inputs(), [instrument("loonkostenvoordeel", "LKV", **LKV)])
    assert len(result.years) == 3
    year = result.years[0]
    assert year.paid_hours == D(1664) and year.wage_cost.amount == D("26624.00")
    assert year.support[0].amount == D("5075.20") and year.net == D("21548.80")
    assert result.wage_total == D("79872.00") and result.support_total == D("15225.60")
    assert result.net_total == D("64646.40")
    assert "€ 3.05 per verloond uur" in year.support[0].rule and year.support[0].valid_on == date(2027, 2, 1)


def test_example_2_lkv_capped_at_its_yearly_maximum():
    result = estimate(inputs(uren="40"), [instrument("loonkostenvoordeel", "LKV", **LKV)])
    assert result.years[0].support[0].amount == D("6000.00")


def test_example_3_loonkostensubsidie_within_the_cap_plus_allowance():
    lks = instrument("loonkostensubsidie", "LKS", amount_type="loonwaarde")
    values = values_with_test_wml()
    half = estimate(inputs(uren="36", loonwaarde="50"), [lks], values).years[0]
    assert half.support[0].amount == D("16183.44")  # (14 − 7) × 1.235 × 1872
    low = estimate(inputs(uren="36", loonwaarde="20"), [lks], values).years[0]
    assert low.support[0].amount == D("22656.82")  # capped: 70% × 14 = 9.80; × 1.235 × 1872
    assert "hoogstens 70% van het WML" in low.support[0].rule


def test_example_4_proefplaatsing_months_have_no_wage_cost():
    trial = instrument("proefplaatsing", "Proefplaatsing", duration_max=2, duration_unit="maand")
    result = estimate(inputs(), [trial, instrument("loonkostenvoordeel", "LKV", **LKV)])
    first, second = result.years[0], result.years[1]
    assert first.wage_cost.amount == D("22186.67") and first.support[0].amount == D("4229.33")
    assert second.wage_cost.amount == D("26624.00")
    assert "proefplaatsing" in first.wage_cost.rule


def test_example_5_only_the_highest_lkv_counts_and_the_rule_warns():
    high = instrument("loonkostenvoordeel", "LKV hoog", **LKV)
    low = instrument("loonkostenvoordeel", "LKV laag", **{**LKV, "amount_value": D("1.35"),
                                                          "amount_max_per_year": D("2600")})
    result = estimate(inputs(), [high, low])
    lines = {line.label: line.amount for line in result.years[0].support}
    assert lines == {"LKV hoog": D("5075.20"), "LKV laag": D("0")}
    assert {w.rule.code for w in result.warnings} == {"lkv-hoogste", "lkv-doelgroepverklaring"}


def test_dated_values_are_taken_on_each_years_first_day():
    item = instrument("loonkostenvoordeel", "LKV", **{**LKV, "amount_value": None})
    item.parameter_values = [ParameterValue(parameter="amount_value", value=D("3.05"), valid_until=date(2027, 12, 31)),
                             ParameterValue(parameter="amount_value", value=D("2.00"), valid_from=date(2028, 1, 1))]
    result = estimate(inputs(), [item])
    assert [y.support[0].amount for y in result.years] == [D("5075.20"), D("3328.00"), D("3328.00")]


def test_without_a_confirmed_wml_nothing_is_made_up():
    result = estimate(inputs(loon="wml"), [instrument("loonkostensubsidie", "LKS", amount_type="loonwaarde")])
    assert result.years[0].wage_cost.amount is None and result.net_total is None
    assert any("minimumloon" in text for text in result.unknown)


def test_risk_cover_and_services_are_listed_beside_the_money():
    coach, policy = instrument("jobcoaching", "Jobcoach"), instrument("no-riskpolis", "No-riskpolis")
    result = estimate(inputs(), [coach, policy])
    assert result.beside == [coach, policy] and result.support_total == 0


@pytest.mark.parametrize("field, value", [("uren", "0"), ("uren", "61"), ("uren", "veel"), ("loon", "-5"),
                                          ("start", "1999-12-31"), ("start", "morgen"), ("loonwaarde", "120")])
def test_bad_input_gets_a_message_and_nothing_is_computed(field, value):
    data = inputs(**{field: value})
    assert not data.ok and set(data.errors) == {field} and data.raw[field] == value[:40]
    with pytest.raises(AssertionError):
        estimate(data, [])


def test_combination_rules_and_deadlines():
    lks, ld = instrument("loonkostensubsidie"), instrument("loondispensatie")
    assert [w.rule.code for w in check([lks, ld])] == ["lks-loondispensatie"]
    assert check([lks]) == []
    lkv = instrument("loonkostenvoordeel", "LKV", **LKV)
    assert [d.due for d in deadlines([lkv, lks], date(2027, 2, 1))] == [date(2027, 4, 30)]
    assert deadlines([lkv], date(2027, 1, 15))[0].due == date(2027, 4, 14)
    assert deadlines([lkv], date(2027, 11, 30))[0].due == date(2028, 2, 28)
