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
    # a jongere with bijstand may also have an arbeidsbeperking: ticking "jongeren" does not rule that out
    assert slugs(uitkering="participatiewet", doelgroep="jongeren") == {"wiz-iedereen", "wiz-oud", "wiz-pw-beperking"}
    assert slugs(uitkering="ww", doelgroep="jongeren") == {"wiz-iedereen", "wiz-oud"}
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


GOUDA_WW_56 = {"gemeente": ["GM0513"], "uitkering": ["ww"], "leeftijd": ["56-aow"]}


def _found(session, today, args):
    outcome = wizard.result(session, wizard.parse_choices(session, args), today)
    return {m.instrument.slug: m for g in outcome.groups for m in g.matches}


def test_ticking_a_true_target_group_never_removes_what_applies(session, today):
    """The issue's case: Gouda, WW, 56 to AOW age, plus "Ouderen (50-plus)" keeps Proefplaatsing and UWV scholing."""
    before = _found(session, today, GOUDA_WW_56)
    after = _found(session, today, {**GOUDA_WW_56, "doelgroep": ["ouderen"]})
    assert {"uwv-proefplaatsing", "uwv-scholing-uitkeringsgerechtigden"} <= set(before)
    assert set(before) <= set(after)
    assert after["uwv-proefplaatsing"].fit == "controleer"  # meant for other groups too: the card says check it
    for group in [g["code"] for g in yaml.safe_load((SEED_DIR / "taxonomies.yaml").read_text())["target_groups"]]:
        assert set(before) <= set(_found(session, today, {**GOUDA_WW_56, "doelgroep": [group]})), group


def test_an_age_rules_out_only_target_groups_bound_to_other_ages(session, today):
    make_instrument(session, "wiz-jong", kind="premie", terms=[("target_group", "jongeren")])
    make_instrument(session, "wiz-jong-of-beperkt", kind="premie",
                    terms=[("target_group", "jongeren"), ("target_group", "arbeidsbeperking")])
    found = _found(session, today, GOUDA_WW_56)
    assert "wiz-jong" not in found and "wiz-jong-of-beperkt" in found
    assert "wiz-jong" in _found(session, today, {**GOUDA_WW_56, "leeftijd": ["19-21"]})


def test_the_candidates_gemeente_decides_the_municipal_instruments(session, today):
    """Gouda employer, Zoetermeer candidate with bijstand: Zoetermeer's gemeente instruments, Midden-Holland's WSP."""
    gouda_own = make_instrument(session, "wiz-gouda-lks", kind="loonkostensubsidie", reach="lokaal",
                                municipalities=["GM0513"], provider="gemeente-gouda")
    zoetermeer = session.scalar(select(Municipality).where(Municipality.code == "GM0637"))
    args = {"gemeente": ["GM0513"], "woont": ["Zoetermeer"], "uitkering": ["participatiewet"]}
    choices = wizard.parse_choices(session, args)
    assert choices.residence.municipality.code == "GM0637" and not choices.canonical
    found = _found(session, today, args)
    assert gouda_own.slug not in found
    assert not any(m.origin.decider == "candidate" and m.origin.place == "Gouda" for m in found.values())
    for match in found.values():
        provider = match.instrument.provider
        if provider.type == "gemeente" and match.origin.decider == "candidate":
            assert zoetermeer in match.instrument.municipalities or zoetermeer.region in match.instrument.regions
        if provider.type == "regio":
            assert match.origin.decider == "employer" and match.origin.place == "Midden-Holland"
        if provider.type in ("uwv", "belastingdienst"):
            assert match.origin.decider == "national"
    assert any(m.instrument.provider.type == "regio" for m in found.values())
    # residence not known: Gouda's own offer, marked as depending on where the candidate lives
    unknown = _found(session, today, {"gemeente": ["GM0513"], "uitkering": ["participatiewet"]})
    assert unknown[gouda_own.slug].origin.unconfirmed and unknown[gouda_own.slug].origin.place == "Gouda"


def test_residence_on_the_page(client):
    response = client.get("/werkgever?gemeente=GM0513&woont=Schoonhoven&uitkering=participatiewet")
    assert response.status_code == 302 and "woont=GM1931" in response.headers["Location"]
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Schoonhoven ligt in de gemeente Krimpenerwaard." in html
    assert "Waar woont de kandidaat?" in html and "omdat de kandidaat daar woont" in html
    assert "omdat uw bedrijf daar gevestigd is" in html
    html = client.get("/werkgever?gemeente=GM0513&uitkering=ww&leeftijd=").get_data(as_text=True)
    assert "weet ik nog niet" in html
    html = client.get("/werkgever?gemeente=GM0513&woont=GM0637&uitkering=participatiewet").get_data(as_text=True)
    assert "Voor Zoetermeer staan nog geen gemeentelijke regelingen in de gids" in html
    bad = client.get("/werkgever?gemeente=GM0513&woont=Zoetermeeer&uitkering=ww&doelgroep=ouderen")
    text = bad.get_data(as_text=True)
    assert bad.status_code == 404 and "Zoetermeer</a>?" in text and 'aria-invalid="true"' in text
    assert 'value="ouderen"\n           checked' in text or 'value="ouderen" checked' in " ".join(text.split())
    ambiguous = client.get("/werkgever?gemeente=GM0513&woont=Bergen&uitkering=ww").get_data(as_text=True)
    assert "gemeente Bergen (NH.)" in ambiguous and "gemeente Bergen (L.)" in ambiguous


SUMMARY = ("/werkgever/overzicht?gemeente=GM0513&woont=GM0513&uitkering=wia&leeftijd=27-55&doelgroep="
           "&i=lkv-arbeidsgehandicapte-werknemer,uwv-no-riskpolis,uwv-proefplaatsing&uren=32&loon=16&start=2027-02-01")


def test_the_result_offers_a_selection_for_the_summary(client):
    html = client.get("/werkgever?gemeente=GM0513&uitkering=wia&leeftijd=27-55").get_data(as_text=True)
    assert 'form="selection" name="i" value="lkv-arbeidsgehandicapte-werknemer"' in html
    assert 'action="/werkgever/overzicht"' in html


def test_summary_page_with_estimate_deadlines_and_contact(client):
    response = client.get(SUMMARY)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Dit is een schatting, geen toezegging." in html
    assert "Loonkostenvoordeel arbeidsgehandicapte werknemer" in html or "LKV" in html
    assert "Vóór of op 30-04-2027" in html  # doelgroepverklaring: 3 months from 1 February 2027
    assert "No-riskpolis" in html and "Naast het geld" in html
    assert "Uw contactpunt: werkgeversservicepunt" in html
    assert "Doelgroepverklaring" in html
    # the shareable link holds no personal data: only the answers, slugs and numbers
    assert "naam=" not in html and "bsn" not in html.lower()


def test_summary_bad_input_is_shown_next_to_the_field_and_nothing_is_computed(client):
    response = client.get(SUMMARY.replace("uren=32", "uren=61").replace("start=2027-02-01", "start=1999-01-01"))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "een getal van 1 tot en met 60" in html and "tussen 1 januari 2000" in html
    assert 'value="61"' in html and "Er is niets berekend" in html and "Jaar 1:" not in html


def test_summary_warns_about_combinations(client):
    html = client.get("/werkgever/overzicht?gemeente=GM0513&uitkering=&doelgroep=&leeftijd="
                      "&i=loonkostensubsidie-participatiewet,uwv-loondispensatie-wajong").get_data(as_text=True)
    assert "sluiten elkaar voor dezelfde werknemer uit" in html


def test_summary_pdf(client):
    response = client.get(SUMMARY.replace("/werkgever/overzicht?", "/werkgever/overzicht.pdf?"))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data[:5] == b"%PDF-" and len(response.data) > 2000


def test_summary_by_email_goes_to_the_outbox(client, session):
    from accounts import post
    from catalogue.models import OutboxMessage

    bad = post(client, SUMMARY, {"email": "geen-adres"})
    assert bad.status_code == 400 and "geldig e-mailadres" in bad.get_data(as_text=True)
    response = post(client, SUMMARY, {"email": "werkgever@example.org"})
    assert response.status_code == 302 and "verstuurd=1" in response.headers["Location"]
    message = session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == "werkgever@example.org")).one()
    assert "30-04-2027" in message.body and "/werkgever/overzicht?" in message.body


def test_available_ids_in_each_agree_with_the_old_query_and_follow_changes(app, session):
    """Which instruments the employer's and the candidate's gemeente offer is answered by the facet table (kept current
    by the change-log follower) or, without one, by SQL: both agree with the old query, and a change is followed."""
    from catalogue.models import Instrument, Municipality
    from catalogue.queries import available_for_municipality, available_ids_in_each
    from catalogue.search import register, unregister

    gouda, zoetermeer = (session.scalar(select(Municipality).where(Municipality.code == c)) for c in ("GM0513", "GM0637"))
    per = available_ids_in_each(session, [gouda, zoetermeer])
    for m in (gouda, zoetermeer):
        assert per[m.id] == {i.id for i in available_for_municipality(session, m)}
    engine = app.extensions["catalogue_search"]
    unregister(app.config["DATABASE_URL"])
    try:
        by_sql = available_ids_in_each(session, [gouda, zoetermeer])
    finally:
        register(app.config["DATABASE_URL"], engine)
    assert by_sql == per
    local = next(session.get(Instrument, i) for i in sorted(per[gouda.id]) if session.get(Instrument, i).reach == "lokaal")
    local.status = "draft"
    session.flush()  # the change log's trigger records it; the follower applies it to the facet table
    after = available_ids_in_each(session, [gouda, zoetermeer])
    assert local.id not in after[gouda.id] and after[zoetermeer.id] == per[zoetermeer.id]


def test_the_wizard_result_queries_do_not_grow_with_the_instruments(session):
    from sqlalchemy import event

    from catalogue.wizard import parse_choices, result

    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(session.get_bind(), "before_cursor_execute", listener)
    try:
        choices = parse_choices(session, {"gemeente": ["GM0513"], "woont": ["GM0637"], "uitkering": ["participatiewet"]})
        statements.clear()
        outcome = result(session, choices)
    finally:
        event.remove(session.get_bind(), "before_cursor_execute", listener)
    assert outcome.total > 10
    instrument_loads = [s for s in statements if s.lstrip().upper().startswith("SELECT INSTRUMENT.ID, INSTRUMENT.SLUG")]
    assert len(instrument_loads) == 1 and len(statements) <= 14, statements
