"""Harmonisation engine: the deliberate differences in the seed data are all found, with no false 'geharmoniseerd'."""
import pytest

from catalogue.harmonisation import (
    derive_level,
    expand_parameters,
    national_overview,
    region_harmonisation,
    round_half_up,
    score_band,
    score_formula,
)
from helpers import declare_complete, make_instrument

# (region, kind, parameter, GM code of the gemeente that deviates from the majority) from the comment blocks of
# seed_data/regions/AM20.yaml, AM11.yaml and AM35.yaml
DELIBERATE_DIFFERENCES = {
    "AM20": {
        ("proefplaatsing", "duration", "GM1931"),  # 1 Krimpenerwaard 3 months
        ("jobcoaching", "amount", "GM0627"),  # 2 Waddinxveen EUR 59
        ("loonkostensubsidie", "decision_period", "GM0513"),  # 4 Gouda 4 weeks
        ("loonkostensubsidie", "payment_moments", "GM0627"),  # 5 Waddinxveen quarterly
        ("premie", "amount", "GM1931"),  # 6 Gouda 2,500 (centrumgemeente) vs Krimpenerwaard 1,500
        ("scholing", "amount", "GM0513"),  # 7 Gouda EUR 5,000
        ("mobiliteit", "amount", "GM1931"),  # 8 Krimpenerwaard EUR 1,500
        ("nazorg", "duration", "GM0513"),  # 9 Gouda 12 months
    },
    "AM11": {
        ("proefplaatsing", "duration", "GM0171"),  # 1 Noordoostpolder 3 months
        ("jobcoaching", "amount", "GM0303"),  # 2 Dronten EUR 59.50
        *{(kind, "decision_period", "GM0184") for kind in  # 4 Urk decides in 4 weeks
          ("loonkostensubsidie", "proefplaatsing", "jobcoaching", "werkplekvoorziening", "scholing")},
        ("loonkostensubsidie", "payment_moments", "GM0034"),  # 5 monthly in Almere and Lelystad, quarterly in 3
        ("loonkostensubsidie", "payment_moments", "GM0995"),
        ("scholing", "amount", "GM0034"),  # 6 EUR 5,000 in Almere and Lelystad
        ("scholing", "amount", "GM0995"),
        ("werkplekvoorziening", "amount", "GM0184"),  # 7 Urk max EUR 5,000
        ("premie", "amount", "GM0303"),  # 8 Almere (centrumgemeente) vs Dronten
        ("premie", "payment_moments", "GM0303"),
        ("mobiliteit", "amount", "GM0034"),  # 9 Almere EUR 750
        ("nazorg", "duration", "GM0034"),  # 10 Almere 12 months
    },
    "AM35": {
        ("proefplaatsing", "duration", "GM1961"),  # 1 Vijfheerenlanden 3 months
        ("jobcoaching", "amount", "GM1978"),  # 2 Molenlanden EUR 68.50
        ("loonkostensubsidie", "decision_period", "GM0512"),  # 4 Gorinchem 4 weeks
        ("premie", "amount", "GM1961"),  # 5 Vijfheerenlanden EUR 1,500
        ("nazorg", "duration", "GM0512"),  # 6 Gorinchem 6 months
    },
}
# (region, kind) -> gemeenten that lack it (drafts and ended schemes do not count)
DELIBERATE_GAPS = {
    "AM20": {"werkervaringsplaats": {"GM0627"}, "premie": {"GM1901", "GM0627"}},
    "AM11": {"werkervaringsplaats": {"GM0184"}, "premie": {"GM0995", "GM0171", "GM0184"}, "mobiliteit": {"GM0995", "GM0184"},
             "nazorg": {"GM0303", "GM0171"}},
    "AM35": {"werkervaringsplaats": {"GM1978"}, "mobiliteit": {"GM1978"}},
}
# the only kinds that really are equal in every gemeente
HARMONISED = {"AM20": {"werkplekvoorziening"}, "AM11": set(), "AM35": {"werkplekvoorziening", "scholing"}}


@pytest.fixture(scope="module")
def results(database):
    """The three seeded regions with every gemeente's offer declared complete (so a missing kind is a gap)."""
    from sqlalchemy.orm import Session

    with database.engine.connect() as conn:
        outer = conn.begin()
        session = Session(bind=conn)
        declare_complete(session)
        try:
            return {code: region_harmonisation(session, code) for code in ("AM20", "AM11", "AM35")}
        finally:
            session.close()
            outer.rollback()


@pytest.mark.parametrize("region", ["AM20", "AM11", "AM35"])
def test_every_deliberate_difference_is_found(results, region):
    found = {(d.kind, d.parameter, d.municipality) for d in results[region].differences}
    missing = DELIBERATE_DIFFERENCES[region] - found
    assert not missing, f"{region}: not found: {sorted(missing)}"


@pytest.mark.parametrize("region", ["AM20", "AM11", "AM35"])
def test_every_deliberate_gap_is_reported(results, region):
    h = results[region]
    gaps = {row.kind: {p.code for p in row.missing} for row in h.rows if row.missing}
    assert gaps == DELIBERATE_GAPS[region]
    for kind in DELIBERATE_GAPS[region]:
        assert h.row(kind).status == "ontbreekt"


@pytest.mark.parametrize("region", ["AM20", "AM11", "AM35"])
def test_no_false_harmonised(results, region):
    h = results[region]
    harmonised = {row.kind for row in h.rows if row.status == "geharmoniseerd"}
    assert harmonised == HARMONISED[region]
    differing_kinds = {kind for kind, _, _ in DELIBERATE_DIFFERENCES[region]} | set(DELIBERATE_GAPS[region])
    assert not harmonised & differing_kinds
    for row in h.rows:
        if row.status == "geharmoniseerd":
            assert not row.differences and not row.missing
            assert all(p.uniform for p in row.parameters)


def test_differences_carry_the_evidence(results):
    row = results["AM20"].row("proefplaatsing")
    (diff,) = row.differences
    assert (diff.municipality_name, diff.parameter_label, diff.value, diff.reference) == (
        "Krimpenerwaard", "Duur", "maximaal 3 maanden", "maximaal 2 maanden")
    assert row.cells["GM1931"].differs == ["duration"]
    assert row.cells["GM0513"].differs == []
    assert ("In 3 van de 4 gemeenten duurt de proefplaatsing maximaal 2 maanden, in Krimpenerwaard maximaal 3 maanden; "
            "UWV: maximaal 6 maanden.") in row.sentences


def test_a_gemeente_that_lacks_a_kind_is_reported(results):
    row = results["AM20"].row("werkervaringsplaats")
    assert [p.name for p in row.missing] == ["Waddinxveen"]
    assert row.cells["GM0627"].available is False
    assert "Waddinxveen biedt geen werkervaringsplaats aan." in row.sentences


def test_drafts_and_ended_schemes_do_not_count(results):
    # midden-holland-inclusiepremie is a draft; lelystad-premie ended; noordoostpolder-nazorg is a draft
    assert results["AM20"].row("premie").cells["regio"].available is False
    assert "GM0995" in {p.code for p in results["AM11"].row("premie").missing}
    assert "GM0171" in {p.code for p in results["AM11"].row("nazorg").missing}


def test_statuses_for_regional_and_national_kinds(results):
    h = results["AM20"]
    assert h.row("advies").status == "regionaal"
    assert h.row("leerwerktraject").status == "regionaal"
    assert h.row("no-riskpolis").status == "alleen_landelijk"
    assert h.row("loondispensatie").status == "alleen_landelijk"
    assert h.row("loonkostenvoordeel").status == "alleen_landelijk"
    for row in h.rows:  # the region and national columns are the same for every gemeente
        if row.status == "regionaal":
            assert all(row.cells[m.code].available and not row.cells[m.code].own for m in h.municipalities)


def test_uwv_relation(results):
    h = results["AM20"]
    assert h.row("loonkostensubsidie").uwv_relation == "niet_harmoniseerbaar"
    assert h.row("werkervaringsplaats").uwv_relation == "geen_uwv"
    proef = h.row("proefplaatsing")
    assert proef.uwv_relation == "wijkt_af"
    assert {d["parameter"] for d in proef.uwv_differences} == {"duration", "target_groups", "applicant"}


def test_score_and_level_of_the_seeded_regions(results):
    h = results["AM20"]
    # 9 kinds offered by a gemeente, 4 gemeenten, 3 empty cells; 1 of 9 kinds equal everywhere
    assert h.coverage == pytest.approx(33 / 36)
    assert h.uniformity == pytest.approx(1 / 9)
    assert h.score == round_half_up(100 * (0.5 * 33 / 36 + 0.5 / 9)) == 51
    assert h.level == 3
    assert results["AM11"].level == 4  # no kind is equal in all gemeenten
    assert results["AM35"].score == 69 and results["AM35"].level == 3


def test_region_without_municipal_content_has_no_score(session, declared):
    h = region_harmonisation(session, "AM01")
    assert h.has_data is False and h.score is None and h.level is None
    row = h.row("no-riskpolis")  # UWV offers it; what the gemeenten offer is unknown, so no "only national" claim
    assert row.status == "onbekend" and row.cells["uwv"].available
    assert all(row.cells[m.code].unknown for m in h.municipalities) and not row.missing
    assert h.based_on == 0


def test_without_declarations_a_lacking_kind_is_unknown_not_missing(session):
    h = region_harmonisation(session, "AM20")  # the seed declares nothing
    row = h.row("werkervaringsplaats")
    assert row.missing == [] and [p.code for p in row.unknown] == ["GM0627"]
    assert row.cells["GM0627"].unknown and not row.cells["GM0627"].available
    assert any("onbekend — nog niet ingevoerd" in s for s in row.sentences)
    assert not any("biedt geen" in s for s in row.sentences)
    assert h.coverage == 1.0  # unknown cells are left out: 33 filled of 33 known
    assert h.score == round_half_up(100 * (0.5 + 0.5 / 9))
    assert (h.based_on, h.complete) == (4, 0)
    assert "4 van de 4 gemeenten" in h.based_on_text


def test_a_declaration_for_some_kinds_makes_only_those_gaps(session):
    declare_complete(session, ("AM20",), kinds=["premie"])
    h = region_harmonisation(session, "AM20")
    assert {p.code for p in h.row("premie").missing} == {"GM1901", "GM0627"}
    assert h.row("werkervaringsplaats").missing == [] and h.row("werkervaringsplaats").unknown
    assert h.complete == 0  # declared for one kind only, not the whole offer


def test_national_overview_ignores_unknown_gemeenten(session):
    overview = national_overview(session)
    am20 = next(r for r in overview.regions if r.region.code == "AM20")
    assert am20.missing == {} and am20.based_on == 4 and am20.complete == 0
    assert {g["kind"] for g in overview.gaps if g["regions_missing"]} == set()


def test_adding_the_missing_instrument_closes_the_gap(session, declared):
    make_instrument(session, "waddinxveen-wep-test", kind="werkervaringsplaats", provider="gemeente-waddinxveen",
                    reach="lokaal", municipalities=["GM0627"], duration_max=6, duration_unit="maand", applicant="wsp",
                    terms=[("target_group", "langdurig-werkloos"), ("scheme", "participatiewet")])
    row = region_harmonisation(session, "AM20").row("werkervaringsplaats")
    assert row.missing == [] and row.status == "deels"  # Gouda still has no target group
    assert {(d.municipality, d.parameter) for d in row.differences} == {("GM0513", "target_groups")}


def test_two_instruments_of_one_kind_are_compared_as_a_set(session, declared):
    make_instrument(session, "gouda-tweede-proefplaatsing", kind="proefplaatsing", provider="gemeente-gouda",
                    reach="lokaal", municipalities=["GM0513"], duration_max=3, duration_unit="maand", applicant="wsp",
                    decision_period_weeks=2, terms=[("scheme", "participatiewet")])
    row = region_harmonisation(session, "AM20").row("proefplaatsing")
    assert row.cells["GM0513"].params["duration"] == "maximaal 2 maanden / maximaal 3 maanden"
    assert ("GM0513", "duration") in {(d.municipality, d.parameter) for d in row.differences}


def test_english(session, declared):
    h = region_harmonisation(session, "AM20", language="en")
    assert h.level_label == "All municipalities, part of their instruments"
    assert ("In 3 of 4 municipalities the trial placement lasts up to 2 months, in Krimpenerwaard up to 3 months; "
            "UWV: up to 6 months.") in h.row("proefplaatsing").sentences


# ---------------------------------------------------------------------------------------------------------------------
# Formula and level, unit-tested


def test_score_formula():
    assert score_formula(1, 1) == 100
    assert score_formula(0, 0) == 0
    assert score_formula(1, 0) == 50
    assert score_formula(0.5, 0.51) == 51  # 50.5 rounds half up
    assert score_formula(0.8, 0.6) == 70
    assert round_half_up(2.5) == 3 and round_half_up(3.5) == 4


def test_score_bands():
    assert [score_band(s) for s in (None, 0, 39, 40, 59, 60, 79, 80, 100)] == [
        "geen", "laag", "laag", "matig", "matig", "redelijk", "redelijk", "hoog", "hoog"]


A, B = ("x",), ("y",)


@pytest.mark.parametrize("profiles,level", [
    ({"k1": {1: A, 2: A, 3: A}, "k2": {1: B, 2: B, 3: B}}, 1),  # every kind equal everywhere
    ({"k1": {1: A, 2: A, 3: B}, "k2": {1: B, 2: B, 3: None}}, 2),  # gemeenten 1 and 2 equal on every kind
    ({"k1": {1: A, 2: A, 3: A}, "k2": {1: A, 2: B, 3: None}}, 3),  # all gemeenten share k1, not k2
    ({"k1": {1: A, 2: A, 3: B}, "k2": {1: A, 2: B, 3: B}}, 4),  # pairs agree on single kinds only
    ({"k1": {1: A, 2: None, 3: None}, "k2": {1: None, 2: B, 3: A}}, 5),  # nobody shares anything
    ({}, 5),
])
def test_derive_level(profiles, level):
    assert derive_level([1, 2, 3], profiles) == level


def test_regional_only_kind_counts_as_equal_for_the_level():
    assert derive_level([1, 2], {"k1": {1: ("regio",), 2: ("regio",)}}) == 1


def test_target_groups_bring_schemes_along():
    assert expand_parameters(["amount", "target_groups"]) == ["amount", "target_groups", "schemes"]


# ---------------------------------------------------------------------------------------------------------------------
# Nationally, pages and API


def test_national_overview(session, declared):
    overview = national_overview(session)
    assert len(overview.regions) == 35
    with_data = {r.region.code: r for r in overview.regions if r.has_data}
    assert set(with_data) == {"AM11", "AM20", "AM35"}
    assert with_data["AM20"].score == 51 and with_data["AM20"].missing == {"werkervaringsplaats": ["GM0627"],
                                                                            "premie": ["GM1901", "GM0627"]}
    assert overview.regions_with_data == 3
    gaps = {g["kind"]: g for g in overview.gaps}
    assert gaps["werkervaringsplaats"]["regions_missing"] == 3
    assert gaps["werkervaringsplaats"]["municipalities_missing"] == 3
    assert gaps["proefplaatsing"]["regions_differing"] == 3
    assert gaps["proefplaatsing"]["parameters"][0]["parameter"] == "duration"


def test_region_page(client, declared):
    html = client.get("/regios/midden-holland/harmonisatie").get_data(as_text=True)
    assert "<caption" in html and 'scope="col"' in html and 'scope="row"' in html
    assert "Deels geharmoniseerd" in html and "verschilt" in html and "ontbreekt" in html
    assert '<span aria-hidden="true">✗</span>' in html
    assert "In 3 van de 4 gemeenten duurt de proefplaatsing maximaal 2 maanden, in Krimpenerwaard maximaal 3 maanden" in html
    assert "0,5 × dekking + 0,5 × gelijkheid" in html
    en = client.get("/en/regios/midden-holland/harmonisatie").get_data(as_text=True)
    assert "Partly harmonised" in en and "0.5 × coverage + 0.5 × uniformity" in en
    assert client.get("/regios/bestaat-niet/harmonisatie").status_code == 404
    assert "geen gegevens" in client.get("/regios/groningen/harmonisatie").get_data(as_text=True).lower()


def test_region_api(client, declared):
    data = client.get("/api/v1/regions/am20/harmonisation").json
    assert data["score"] == 51 and data["level"] == 3 and "formula" in data
    rows = {r["kind"]: r for r in data["rows"]}
    assert rows["werkervaringsplaats"]["status"] == "ontbreekt"
    assert rows["proefplaatsing"]["differences"][0]["municipality"] == "GM1931"
    assert client.get("/api/v1/regions/AM99/harmonisation").status_code == 404
    assert client.get("/api/v1/regions/AM20/harmonisation?x=1").status_code == 400


def test_national_api_and_openapi(client):
    data = client.get("/api/v1/harmonisation").json
    assert len(data["regions"]) == 35 and data["regions_with_data"] == 3
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path in ("/api/v1/regions/{code}/harmonisation", "/api/v1/harmonisation", "/api/v1/compare"):
        assert "get" in paths[path]


def test_region_page_links_to_its_harmonisation(client):
    html = client.get("/regios/midden-holland").get_data(as_text=True)
    assert 'href="/regios/midden-holland/harmonisatie"' in html
    assert 'href="/en/regios/midden-holland/harmonisatie"' in client.get("/en/regios/midden-holland").get_data(as_text=True)
