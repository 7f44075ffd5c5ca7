"""Finding a gemeente from what an employer types: code, name, name without accents, everyday name."""
import pytest

from catalogue.places import aliases, exact_municipality, find_municipality, resolve_place, woonplaatsen


@pytest.mark.parametrize("typed, code", [
    ("GM0513", "GM0513"), ("gm0513", "GM0513"), ("Gouda", "GM0513"), ("  gouda ", "GM0513"),
    ("Den Haag", "GM0518"), ("den haag", "GM0518"), ("'s-Gravenhage", "GM0518"), ("s Gravenhage", "GM0518"),
    ("Den Bosch", "GM0796"), ("Sudwest Fryslan", "GM1900"), ("Súdwest-Fryslân", "GM1900"),
])
def test_exact_names_codes_accents_and_everyday_names(session, typed, code):
    assert exact_municipality(session, typed).code == code


def test_partial_names_give_one_match_or_candidates(session):
    match, candidates = find_municipality(session, "Lare")
    assert match is not None and match.code == "GM0417" and candidates == []
    match, candidates = find_municipality(session, "Laren")  # woonplaats Laren lies in Laren (NH.) and in Lochem
    assert match is None and {m.code for m in candidates} == {"GM0417", "GM0262"}
    match, candidates = find_municipality(session, "Bergen")
    assert match is None and {m.name for m in candidates} >= {"Bergen (L.)", "Bergen (NH.)"}
    assert find_municipality(session, "Gravenhage")[0].code == "GM0518"
    assert find_municipality(session, "bestaat niet") == (None, [])
    assert find_municipality(session, "%_\\") == (None, [])
    assert find_municipality(session, "") == (None, [])


def test_aliases_point_at_real_gemeenten(session):
    from sqlalchemy import select

    from catalogue.models import Municipality

    codes = set(session.scalars(select(Municipality.code)))
    assert aliases() and set(aliases().values()) <= codes


def test_home_form_wizard_and_comparison_use_the_same_lookup(client):
    assert client.get("/gemeente-kiezen?gemeente=Den+Haag").headers["Location"].endswith("/gemeenten/s-gravenhage")
    wizard = client.get("/werkgever?gemeente=Den+Bosch")
    assert wizard.status_code in (200, 302)
    assert "GM0796" in (wizard.headers.get("Location") or wizard.get_data(as_text=True))
    compare = client.get("/vergelijken/gemeenten?a=Den+Haag&b=Gouda")
    assert compare.status_code == 200 and "Gouda" in compare.get_data(as_text=True)


def test_woonplaatsen_resolve_to_their_gemeente_and_say_so(session):
    for typed, code, name in [("Schoonhoven", "GM1931", "Schoonhoven"), ("boskoop", "GM0484", "Boskoop"),
                              ("Hoofddorp", "GM0394", "Hoofddorp")]:
        lookup = resolve_place(session, typed)
        assert lookup.municipality.code == code and lookup.woonplaats == name and lookup.choices == []
    assert resolve_place(session, "Gouda").woonplaats is None  # a gemeente's own name needs no note


def test_a_name_shared_by_several_gemeenten_offers_the_choice(session):
    for typed, names in [("Bergen", {"Bergen (NH.)", "Bergen (L.)"}), ("Haren", {"Oss", "Groningen"}),
                         ("Zevenhuizen", {"Zuidplas", "Westerkwartier"})]:
        lookup = resolve_place(session, typed)
        assert lookup.municipality is None, typed
        assert {c.municipality.name for c in lookup.choices} == names
    shared = sum(1 for places in woonplaatsen().values() if len({p.municipality_code for p in places}) > 1)
    assert shared >= 70


def test_a_typo_gets_a_suggestion(session):
    assert resolve_place(session, "Schoonhovn").suggestion == "Schoonhoven"
    assert resolve_place(session, "Zoetermeeer").suggestion == "Zoetermeer"
    assert resolve_place(session, "Qwxyz").suggestion is None


def test_woonplaats_in_home_form_comparison_and_api(client):
    home = client.get("/gemeente-kiezen?gemeente=Schoonhoven")
    assert home.status_code == 302 and "/gemeenten/krimpenerwaard" in home.headers["Location"]
    assert "Schoonhoven ligt in de gemeente Krimpenerwaard" in client.get(home.headers["Location"]).get_data(as_text=True)
    choose = client.get("/gemeente-kiezen?gemeente=Bergen").get_data(as_text=True)
    assert "Bergen (NH) (gemeente Bergen (NH.))" in choose
    typo = client.get("/gemeente-kiezen?gemeente=Schoonhovn")
    assert typo.status_code == 404 and "Schoonhoven" in typo.get_data(as_text=True)
    compare = client.get("/vergelijken/gemeenten?a=Schoonhoven&b=Gouda")
    assert compare.status_code == 200 and "Krimpenerwaard" in compare.get_data(as_text=True)
    api = client.get("/api/v1/instruments?plaats=Boskoop&per_page=1&facets=none")
    assert api.status_code == 200 and api.get_json()["place"]["municipality"]["code"] == "GM0484"
    assert api.get_json()["place"]["message"] == "Boskoop ligt in de gemeente Alphen aan den Rijn."
    ambiguous = client.get("/api/v1/instruments?plaats=Bergen")
    assert ambiguous.status_code == 400 and len(ambiguous.get_json()["choices"]) == 2
    typo = client.get("/api/v1/instruments?plaats=Schoonhovn")
    assert typo.status_code == 400 and typo.get_json()["suggestion"] == "Schoonhoven"
