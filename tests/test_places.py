"""Finding a gemeente from what an employer types: code, name, name without accents, everyday name."""
import pytest

from catalogue.places import aliases, exact_municipality, find_municipality


@pytest.mark.parametrize("typed, code", [
    ("GM0513", "GM0513"), ("gm0513", "GM0513"), ("Gouda", "GM0513"), ("  gouda ", "GM0513"),
    ("Den Haag", "GM0518"), ("den haag", "GM0518"), ("'s-Gravenhage", "GM0518"), ("s Gravenhage", "GM0518"),
    ("Den Bosch", "GM0796"), ("Sudwest Fryslan", "GM1900"), ("Súdwest-Fryslân", "GM1900"),
])
def test_exact_names_codes_accents_and_everyday_names(session, typed, code):
    assert exact_municipality(session, typed).code == code


def test_partial_names_give_one_match_or_candidates(session):
    match, candidates = find_municipality(session, "Laren")
    assert match is not None and match.code == "GM0417" and candidates == []
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
