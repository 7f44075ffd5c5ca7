"""The four comparisons: exact differences, shareable URLs, clear 400s for invalid input."""
import pytest

from catalogue.comparison import (
    ComparisonError,
    compare_instruments,
    compare_municipalities,
    compare_municipality_uwv,
    compare_regions,
)


def test_instruments_side_by_side_exact_differences(session):
    result = compare_instruments(session, "gouda-proefplaatsing,krimpenerwaard-proefplaatsing")
    assert result.differing == ["provider", "where", "duration"]
    rows = {r.key: r for r in result.rows}
    assert rows["duration"].values == ["maximaal 2 maanden", "maximaal 3 maanden"]
    assert rows["decision_period"].values == ["2 weken", "2 weken"] and not rows["decision_period"].differs


def test_instruments_compare_durations_across_units(session):
    result = compare_instruments(session, ["gouda-nazorg", "almere-nazorg", "lelystad-nazorg"])
    assert "duration" in result.differing  # 12 months vs 6 months
    same = compare_instruments(session, ["gouda-nazorg", "almere-nazorg"])
    assert "duration" not in same.differing  # "1 jaar" and "12 maanden" are the same duration


def test_four_instruments_and_english(session):
    result = compare_instruments(session, ["uwv-proefplaatsing", "gouda-proefplaatsing", "almere-proefplaatsing",
                                           "urk-proefplaatsing"], language="en")
    rows = {r.key: r for r in result.rows}
    assert rows["duration"].label == "Maximum duration"
    assert rows["decision_period"].values == ["2 weeks", "2 weeks", "8 weeks", "4 weeks"]
    assert [i["slug"] for i in result.instruments][0] == "uwv-proefplaatsing"


@pytest.mark.parametrize("value,message", [
    ("uwv-proefplaatsing", "ten minste 2"),
    ("a,b,c,d,e", "hoogstens 4"),
    ("uwv-proefplaatsing,bestaat-niet", "bestaat-niet"),
    ("uwv-proefplaatsing,uwv-brug-ww", "uwv-brug-ww"),  # a draft
])
def test_invalid_instrument_selection(session, value, message):
    with pytest.raises(ComparisonError) as exc:
        compare_instruments(session, value)
    assert message in exc.value.message


def test_municipality_vs_municipality(session, declared):
    result = compare_municipalities(session, "GM0513", "waddinxveen")
    status = {k.kind: k.status for k in result.kinds}
    assert status == {
        "loonkostensubsidie": "verschilt", "proefplaatsing": "gelijk", "jobcoaching": "verschilt",
        "werkplekvoorziening": "gelijk", "scholing": "verschilt", "werkervaringsplaats": "alleen_a",
        "leerwerktraject": "gelijk", "mobiliteit": "gelijk", "nazorg": "verschilt", "advies": "gelijk", "premie": "alleen_a",
    }
    assert result.kind("loonkostensubsidie").differing == ["decision_period", "payment_moments"]
    assert result.kind("jobcoaching").differing == ["amount"]
    assert result.kind("nazorg").differing == ["duration"]
    assert result.kind("premie").status_label == "Alleen Gouda"
    assert result.kind("advies").a_source == "regional"


def test_without_a_declaration_a_lacking_kind_is_unknown_not_absent(session):
    result = compare_municipalities(session, "GM0513", "GM0363")  # Amsterdam: nothing entered
    assert result.kind("loonkostensubsidie").status == "onbekend_b"
    assert result.kind("loonkostensubsidie").status_label == "Amsterdam: onbekend — nog niet ingevoerd"
    assert not result.by_status("alleen_a") and result.coverage["b"]["state"] == "geen_gegevens"
    uwv = compare_municipality_uwv(session, "GM0363")
    assert uwv.kind("no-riskpolis").status == "gemeente_onbekend"
    regions = compare_regions(session, "AM20", "AM11")
    wep = {k["kind"]: k for k in regions.kinds}["werkervaringsplaats"]
    assert wep["a"]["text"] == "3 van 4 gemeenten; 1: onbekend — nog niet ingevoerd" and not wep["differs"]


def test_municipalities_in_different_regions(session):
    result = compare_municipalities(session, "Gouda", "Almere")
    assert result.kind("leerwerktraject").status == "verschilt"  # two different regional instruments
    assert result.kind("proefplaatsing").differing == ["schemes", "applicant", "decision_period"]


def test_municipality_vs_uwv_for_a_target_group(session, declared):
    result = compare_municipality_uwv(session, "GM0513", "arbeidsbeperking")
    status = {k.kind: k.status for k in result.kinds}
    assert status["loonkostensubsidie"] == "niet_harmoniseerbaar"
    assert status["loondispensatie"] == "niet_harmoniseerbaar"
    assert status["no-riskpolis"] == "alleen_uwv"
    assert status["werkervaringsplaats"] == "alleen_gemeente"
    proef = result.kind("proefplaatsing")
    assert proef.status == "verschilt" and proef.differing == ["duration", "target_groups", "applicant"]
    assert "schemes" not in proef.differing  # the benefit decides the provider, never a difference
    assert result.filter == {"taxonomy": "target_group", "code": "arbeidsbeperking", "name": "Mensen met een arbeidsbeperking"}
    # a target group filters: the Gouda werkervaringsplaats has no target group so it stays; the premie is for the
    # long-term unemployed and goes
    assert "premie" not in status
    with pytest.raises(ComparisonError):
        compare_municipality_uwv(session, "GM0513", "geen-doelgroep")


def test_region_vs_region(session, declared):
    result = compare_regions(session, "AM20", "flevoland")
    summary = {r.key: r for r in result.summary}
    assert summary["score"].values == ["51", "47"] and summary["score"].differs
    kinds = {k["kind"]: k for k in result.kinds}
    assert kinds["werkervaringsplaats"]["a"]["text"] == "3 van 4 gemeenten"
    assert kinds["werkervaringsplaats"]["b"]["text"] == "4 van 5 gemeenten"
    assert kinds["werkervaringsplaats"]["differs"]
    assert not kinds["no-riskpolis"]["differs"]
    with pytest.raises(ComparisonError):
        compare_regions(session, "AM20", "AM20")
    with pytest.raises(ComparisonError):
        compare_regions(session, "AM20", "AM99")


# ---------------------------------------------------------------------------------------------------------------------
# Pages


def test_instrument_comparison_page(client):
    html = client.get("/vergelijken?instrumenten=gouda-proefplaatsing,krimpenerwaard-proefplaatsing").get_data(as_text=True)
    assert "<caption" in html and "verschilt" in html and 'class="differs"' in html
    assert "maximaal 3 maanden" in html
    assert "/vergelijken?instrumenten=krimpenerwaard-proefplaatsing" in html  # remove one: a plain link


def test_basket_in_the_url(client):
    one = client.get("/vergelijken?instrumenten=gouda-proefplaatsing")
    assert one.status_code == 200 and "Voeg nog ten minste één instrument toe" in one.get_data(as_text=True)
    added = client.get("/vergelijken?instrumenten=gouda-proefplaatsing&toevoegen=uwv-proefplaatsing")
    assert added.status_code == 302
    assert added.headers["Location"].endswith("/vergelijken?instrumenten=gouda-proefplaatsing,uwv-proefplaatsing")
    choose = client.get("/vergelijken?instrumenten=gouda-proefplaatsing&toevoegen=proefplaatsing").get_data(as_text=True)
    assert "Kies een instrument" in choose
    removed = client.get("/vergelijken?instrumenten=a-b,gouda-proefplaatsing&verwijderen=a-b")
    assert removed.headers["Location"].endswith("/vergelijken?instrumenten=gouda-proefplaatsing")


def test_add_to_comparison_from_detail_page_and_results(client):
    html = client.get("/instrumenten/gouda-proefplaatsing").get_data(as_text=True)
    assert 'href="/vergelijken?instrumenten=gouda-proefplaatsing"' in html
    html = client.get("/instrumenten/gouda-proefplaatsing?vergelijk=uwv-proefplaatsing").get_data(as_text=True)
    assert 'href="/vergelijken?instrumenten=uwv-proefplaatsing,gouda-proefplaatsing"' in html
    results = client.get("/gemeenten/gouda?vergelijk=uwv-proefplaatsing").get_data(as_text=True)
    assert "/vergelijken?instrumenten=uwv-proefplaatsing,gouda-loonkostensubsidie" in results


@pytest.mark.parametrize("url", [
    "/vergelijken?instrumenten=a,b,c,d,e",
    "/vergelijken?instrumenten=gouda-proefplaatsing,bestaat-niet",
    "/vergelijken/gemeenten?a=GM0513&b=GM9999",
    "/vergelijken/gemeenten?a=GM0513&b=gouda",
    "/vergelijken/gemeente-uwv?gemeente=GM0513&doelgroep=onbekend",
    "/vergelijken/gemeente-uwv?gemeente=nergens",
    "/vergelijken/regios?a=AM20&b=XX",
    "/en/vergelijken/regios?a=AM20&b=AM20",
])
def test_invalid_input_gives_a_clear_400_page(client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert 'role="alert"' in response.get_data(as_text=True)


def test_comparison_pages(client, declared):
    for url, text in [
        ("/vergelijken/gemeenten?a=GM0513&b=GM0627", "Alleen Gouda"),
        ("/vergelijken/gemeente-uwv?gemeente=GM0513&doelgroep=arbeidsbeperking", "Alleen UWV"),
        ("/vergelijken/regios?a=AM20&b=AM11", "Harmonisatiescore"),
        ("/vergelijken/gemeenten", "Eerste gemeente"),
        ("/vergelijken/regios?a=AM20", "Eerste regio"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert text in response.get_data(as_text=True), url


# ---------------------------------------------------------------------------------------------------------------------
# API


def test_compare_api(client, declared):
    data = client.get("/api/v1/compare?type=instruments&instruments=gouda-proefplaatsing,krimpenerwaard-proefplaatsing").json
    assert data["type"] == "instruments" and data["differing"] == ["provider", "where", "duration"]
    data = client.get("/api/v1/compare?type=municipalities&a=GM0513&b=GM0627").json
    assert {k["kind"]: k["differing"] for k in data["kinds"]}["jobcoaching"] == ["amount"]
    data = client.get("/api/v1/compare?type=municipality-uwv&municipality=GM0513&target_group=arbeidsbeperking").json
    assert {k["kind"]: k["status"] for k in data["kinds"]}["no-riskpolis"] == "alleen_uwv"
    data = client.get("/api/v1/compare?type=regions&a=AM20&b=AM11").json
    assert data["a"]["score"] == 51 and "werkervaringsplaats" in data["differing"]


@pytest.mark.parametrize("query,parameter", [
    ("", "type"),
    ("type=nonsense", "type"),
    ("type=instruments&instruments=uwv-proefplaatsing", "instruments"),
    ("type=instruments&instruments=uwv-proefplaatsing,x&onbekend=1", "onbekend"),  # documented ones of other types: ignored
    ("type=municipality-uwv&municipality=GM0513&target_group=zz", "target_group"),
    ("type=municipality-uwv", "municipality"),
    ("type=regions&a=AM20", "b"),
])
def test_compare_api_400(client, query, parameter):
    response = client.get(f"/api/v1/compare?{query}")
    assert response.status_code == 400
    assert response.json["parameter"] == parameter


def test_a_draft_is_refused_without_leaking_it(client, session):
    from helpers import make_instrument

    make_instrument(session, "concept-vergelijk", name="CONCEPT-VERGELIJK-1", status="draft", internal_notes="GEHEIM-42")
    for url in ("/vergelijken?instrumenten=uwv-proefplaatsing,concept-vergelijk",
                "/api/v1/compare?type=instruments&instruments=uwv-proefplaatsing,concept-vergelijk",
                "/vergelijken?instrumenten=uwv-proefplaatsing&toevoegen=CONCEPT-VERGELIJK"):
        response = client.get(url)
        body = response.get_data(as_text=True)
        assert response.status_code in (200, 400), url
        assert "CONCEPT-VERGELIJK-1" not in body and "GEHEIM-42" not in body, url


def test_filtering_the_list_keeps_the_comparison_basket(client):
    html = client.get("/instrumenten?vergelijk=uwv-proefplaatsing,gouda-proefplaatsing&kind=proefplaatsing").get_data(as_text=True)
    assert '<input type="hidden" name="vergelijk" value="uwv-proefplaatsing,gouda-proefplaatsing">' in html


def test_instrument_comparison_warns_about_combinations(client):
    html = client.get("/vergelijken?instrumenten=loonkostensubsidie-participatiewet,uwv-loondispensatie-wajong"
                      ).get_data(as_text=True)
    assert "Let op: wat (niet) samengaat" in html and "sluiten elkaar voor dezelfde werknemer uit" in html
    html = client.get("/vergelijken?instrumenten=lkv-arbeidsgehandicapte-werknemer,"
                      "lkv-banenafspraak-scholingsbelemmerden").get_data(as_text=True)
    assert "alleen het hoogste bedrag" in html and "binnen 3 maanden" in html


COMPARE_ESTIMATE = ("/vergelijken?instrumenten=lkv-arbeidsgehandicapte-werknemer,loonkostensubsidie-participatiewet,"
                    "uwv-loondispensatie-wajong,uwv-no-riskpolis")


def test_comparison_of_a_candidates_instruments_has_the_estimate(client):
    empty = client.get(COMPARE_ESTIMATE).get_data(as_text=True)
    assert "Wat kost deze medewerker mij? (schatting)" in empty and "Vul uren, loon en startdatum in" in empty
    assert 'name="instrumenten" value="lkv-arbeidsgehandicapte-werknemer,' in empty  # the basket stays in the form
    response = client.get(COMPARE_ESTIMATE + "&uren=32&loon=16&start=2027-02-01&loonwaarde=50")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Dit is een schatting, geen toezegging." in html and "Jaar 1: 01-02-2027 tot en met 31-01-2028" in html
    assert "€ 26.624,00" in html  # 16.00 × 1,664 (docs/estimate-examples.md, example 1)
    assert "per verloond uur" in html and "bedragen geldig op 01-02-2027" in html  # each number: rule and date
    assert "sluiten elkaar voor dezelfde werknemer uit" in html  # loonkostensubsidie and loondispensatie
    # the loonkostensubsidie needs the WML, which is not confirmed: it says so and computes nothing
    assert "niet bevestigd" in html and "Landelijke waarden op 01-02-2027" in html
    assert "laatst gecontroleerd" in html and "stcrt-2017-68248" in html
    assert "No-riskpolis" in html and "Naast het geld" in html


def test_comparison_estimate_bad_input_is_shown_next_to_the_field(client):
    response = client.get(COMPARE_ESTIMATE + "&uren=0&loon=-3&start=2027-02-01&loonwaarde=150")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="est-uren-error"' in html and 'id="est-loon-error"' in html and 'id="est-loonwaarde-error"' in html
    assert 'aria-invalid="true"' in html and 'value="-3"' in html and "Er is niets berekend" in html
    assert "Jaar 1:" not in html and "Vergelijking van 4 instrumenten" in html  # the comparison itself stays
    en = client.get("/en" + COMPARE_ESTIMATE + "&uren=0&loon=16&start=2027-02-01").get_data(as_text=True)
    assert "What does this employee cost me? (estimate)" in en and "a number from 1 to 60" in en


def test_estimate_rule_texts_are_english_under_en(client):
    query = COMPARE_ESTIMATE + "&uren=36&loon=16&start=2026-01-01&zonderloonwaarde=ja&wml=14,71"
    nl = client.get(query).get_data(as_text=True)
    assert "€ 9.182,25" in nl  # docs/estimate-examples.md, example 12: 50% × 14.71 (typed) × 1.08 × 1.235 × 936 hours
    assert "Door u ingevuld:" in nl and "niet door de gids gecontroleerd" in nl
    assert "Zonder loonwaardebepaling, gedurende ten hoogste de eerste 6 maanden" in nl and "per verloond uur" in nl
    # numbers in the rule texts as each language writes them (Dutch decimal comma)
    assert "(WML € 14,71 + 8% vakantiebijslag) = € 7,94 per uur, plus 23,5% vergoeding werkgeverslasten" in nl
    assert 'name="zonderloonwaarde" value="ja" checked' in " ".join(nl.split())
    en = client.get("/en" + query).get_data(as_text=True)
    assert "€ 9,182.25" in en and "€ 9.182,25" not in en
    assert "(minimum wage € 14.71 + 8% holiday allowance) = € 7.94 per hour, plus 23.5% allowance" in en
    assert "Without a wage value assessment, during at most the first 6 months" in en
    assert "without wage value, first 6 months" in en and "per paid hour" in en
    assert "Gross wage € 16 per hour × 1872 hours." in en
    assert "Zonder loonwaardebepaling" not in en and "per verloond uur" not in en
    assert "read in a copy of the official text" in en and "Holiday allowance (share of the wage)" in en
    assert "Entered by you:" in en and "as you entered it" in en and "The guide has not checked this amount." in en


def test_national_values_are_listed_with_plain_percentages(client):
    html = client.get(COMPARE_ESTIMATE + "&uren=36&loon=16&start=2026-01-01").get_data(as_text=True)
    listed = html[html.index('<ul class="national-values">'):]
    listed = " ".join(listed[:listed.index("</ul>")].split())
    assert "€ 14,71" not in listed and "<strong>8%</strong>" in listed and "<strong>70%</strong>" in listed
    assert "<strong>50%</strong>" in listed and "<strong>6 maanden</strong>" in listed and "<strong>23,5%</strong>" in listed
    assert "gelezen in een kopie van de officiële tekst" in listed  # the law texts read in MinBZK's copies
    wml = listed[listed.index("Wettelijk minimumloon per uur"):]
    assert wml.split("</li>")[0].count("niet bevestigd") == 1
