"""The employer wizard: /werkgever → ?gemeente=GM0513 → ?gemeente=GM0513&doelgroep=...&uitkering=...&leeftijd=..."""
from datetime import date

import pytest
import yaml

from catalogue import wizard
from catalogue.config import SEED_DIR
from catalogue.models import Municipality
from helpers import make_instrument
from sqlalchemy import select

RESULT = "/werkgever?gemeente=GM0513&doelgroep=arbeidsbeperking&uitkering=wajong&leeftijd=27-55"


def test_every_kind_has_exactly_one_benefit_category():
    kinds = [k["code"] for k in yaml.safe_load((SEED_DIR / "taxonomies.yaml").read_text())["kinds"]]
    benefits = wizard.load_benefits()
    mapped = [kind for b in benefits for kind in b.kinds]
    assert sorted(mapped) == sorted(kinds), "seed_data/wizard.yaml must map every kind in taxonomies.yaml exactly once"
    assert [b.code for b in benefits] == ["geld", "uitproberen", "begeleiding", "werkplek", "risico"]
    assert wizard.benefit_for_kind("no-riskpolis").code == "risico"
    assert wizard.benefit_for_kind("iets-nieuws").code == wizard.OTHER_CATEGORY


def test_a_kind_mapped_twice_is_refused(tmp_path):
    path = tmp_path / "wizard.yaml"
    path.write_text("benefits:\n- {code: a, name: A, kinds: [premie]}\n- {code: b, name: B, kinds: [premie]}\n")
    with pytest.raises(ValueError, match="premie"):
        wizard.load_benefits(path)


def test_step_one_asks_for_the_gemeente_with_a_datalist(client):
    html = client.get("/werkgever").get_data(as_text=True)
    assert "Waar is uw bedrijf gevestigd?" in html
    assert 'list="wizard-gemeenten"' in html and '<option value="Gouda">' in html
    assert 'aria-current="step"' in html


def test_a_typed_name_continues_on_the_shareable_code_url(client):
    response = client.get("/werkgever?gemeente=gouda")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/werkgever?gemeente=GM0513")


def test_ambiguous_and_unknown_gemeenten(client):
    html = client.get("/werkgever?gemeente=ge").get_data(as_text=True)
    assert "Meerdere gemeenten passen" in html and "/werkgever?gemeente=GM" in html
    response = client.get("/werkgever?gemeente=Atlantis")
    assert response.status_code == 404
    assert "We vonden geen gemeente" in response.get_data(as_text=True)


def test_step_two_asks_whom_you_want_to_hire(client):
    html = client.get("/werkgever?gemeente=GM0513").get_data(as_text=True)
    assert "Wie wilt u aannemen?" in html
    assert 'name="gemeente" value="GM0513"' in html
    for name in ("doelgroep", "uitkering", "leeftijd"):
        assert f'name="{name}"' in html


def test_result_groups_by_benefit_with_wsp_contact(client):
    response = client.get(RESULT)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Steun bij het aannemen van personeel in Gouda" in html
    assert "WerkgeversServicepunt Midden-Holland" in html
    assert 'id="groep-geld"' in html and 'id="groep-risico"' in html
    assert "Loondispensatie Wajong" in html  # UWV, for Wajong
    assert "/instrumenten/gouda-loonkostensubsidie" not in html  # Participatiewet only
    assert "Hoe vraagt u het aan?" in html
    assert RESULT.replace("&", "&amp;") in html  # the shareable URL is shown


def test_result_in_english(client):
    html = client.get("/en" + RESULT).get_data(as_text=True)
    assert "Support for hiring staff in Gouda" in html
    assert "Money towards wage costs" in html


def test_unknown_answer_is_refused_with_a_message(client):
    response = client.get("/werkgever?gemeente=GM0513&doelgroep=marsmannetjes")
    assert response.status_code == 400
    assert "marsmannetjes" in response.get_data(as_text=True)


def test_restrictions_are_checked_point_by_point(session, today):
    gouda = session.scalar(select(Municipality).where(Municipality.code == "GM0513"))
    make_instrument(session, "wiz-iedereen", kind="premie")
    make_instrument(session, "wiz-wajong", kind="premie", terms=[("scheme", "wajong")])
    make_instrument(session, "wiz-pw-beperking", kind="premie",
                    terms=[("scheme", "participatiewet"), ("target_group", "arbeidsbeperking")])
    make_instrument(session, "wiz-oud", kind="premie", terms=[("age_group", "56-aow")])

    def slugs(**args):
        choices = wizard.parse_choices(session, {"gemeente": ["GM0513"], **{k: [v] for k, v in args.items()}})
        outcome = wizard.result(session, choices, today)
        return {i.slug for g in outcome.groups for i in g.instruments if i.slug.startswith("wiz-")}

    assert slugs() == {"wiz-iedereen", "wiz-wajong", "wiz-pw-beperking", "wiz-oud"}  # nothing chosen: everything
    assert slugs(uitkering="wajong") == {"wiz-iedereen", "wiz-wajong", "wiz-oud"}
    assert slugs(uitkering="wajong,participatiewet", doelgroep="arbeidsbeperking") == {
        "wiz-iedereen", "wiz-wajong", "wiz-pw-beperking", "wiz-oud"}
    assert slugs(uitkering="participatiewet", doelgroep="jongeren") == {"wiz-iedereen", "wiz-oud"}
    assert slugs(leeftijd="27-55") == {"wiz-iedereen", "wiz-wajong", "wiz-pw-beperking"}
    choices = wizard.parse_choices(session, {"gemeente": ["GM0513"], "leeftijd": ["27-55"]})
    group = next(g for g in wizard.result(session, choices, today).groups if g.benefit.code == "geld")
    assert all(i.kind.code in group.benefit.kinds for i in group.instruments)
    assert gouda.region.code == "AM20"


def test_only_current_public_instruments_of_the_gemeente(session, today):
    make_instrument(session, "wiz-ended", kind="premie", valid_until=date(2000, 1, 1))
    make_instrument(session, "wiz-draft", kind="premie", status="draft")
    make_instrument(session, "wiz-elders", kind="premie", reach="lokaal", municipalities=["GM0034"],
                    provider="gemeente-almere")
    choices = wizard.parse_choices(session, {"gemeente": ["GM0513"], "leeftijd": [""]})
    assert choices.answered
    found = {i.slug for g in wizard.result(session, choices, today).groups for i in g.instruments}
    assert not found & {"wiz-ended", "wiz-draft", "wiz-elders"}
    assert "gouda-werkervaringsplaats" in found


def test_what_was_typed_is_escaped(client):
    html = client.get("/werkgever?gemeente=%3Cscript%3Ealert(1)%3C/script%3E").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    html = client.get("/werkgever?gemeente=GM0513&doelgroep=%3Cb%3Ex").get_data(as_text=True)
    assert "<b>x" not in html


@pytest.mark.parametrize("value", ["%00", "GM0513%00", "%C0", "x" * 500])
def test_odd_input_never_breaks_the_wizard(client, value):
    response = client.get(f"/werkgever?gemeente={value}&doelgroep={value}")
    assert response.status_code in (200, 302, 400, 404)
