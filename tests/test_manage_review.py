"""Issue 18, the account manager's and editor's day: /beheer and "Zoek en voeg toe" use the search engine, "Vergelijk" on
a card adds in place, the seeded state is a version, the audit compares normalised values, the users command refuses a
short password before asking again, the Makefile's port."""
from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select

from accounts import form_data, login, people, post  # noqa: F401
from catalogue.editing import Editor, diff, normalised, snapshot
from catalogue.models import AuditEntry, Instrument, InstrumentVersion
from helpers import make_instrument

ROOT = Path(__file__).resolve().parents[1]


def test_manage_list_uses_the_search_engine(client, session, people):
    login(client, people["admin"])
    html = client.get("/beheer/instrumenten?q=lks").get_data(as_text=True)  # an abbreviation: only the engine knows
    assert "Loonkostensubsidie Gouda" in html
    typo = client.get("/beheer/instrumenten?q=jobcoch+gouda").get_data(as_text=True)
    assert "Jobcoaching Gouda" in typo


def test_manage_search_finds_drafts_and_internal_notes(client, session, people):
    make_instrument(session, "concept-zoektest", name="Concept zoektest", status="draft", provider="gemeente-gouda",
                    reach="lokaal", municipalities=["GM0513"], internal_notes="bel eerst met mevrouw Pietersma")
    session.commit()
    login(client, people["account_manager"])
    assert "Concept zoektest" in client.get("/beheer/instrumenten?q=zoektest").get_data(as_text=True)
    assert "Concept zoektest" in client.get("/beheer/instrumenten?q=pietersma").get_data(as_text=True)


def test_manage_search_on_a_node_still_loading_answers_from_sql(app, client, session, people, monkeypatch):
    """Before the follower has loaded the facet table (a node that just started) the manage search finds the words
    in SQL, as the public search does; it raised "the facet table is not loaded yet" (a 500), and did so in this module
    run alone, where no earlier request had loaded it."""
    make_instrument(session, "laden-zoektest", name="Laadzoekwoord instrument", status="draft")
    session.commit()
    engine = app.extensions["catalogue_search"]
    monkeypatch.setattr(engine, "_table", None)
    monkeypatch.setattr(engine, "sync", lambda session: None)  # the follower has not got round to it yet
    login(client, people["account_manager"])
    response = client.get("/beheer/instrumenten?q=laadzoekwoord")
    assert response.status_code == 200 and "Laadzoekwoord instrument" in response.get_data(as_text=True)


def test_zoek_en_voeg_toe_uses_the_search_engine(client):
    response = client.get("/vergelijken?instrumenten=uwv-proefplaatsing&toevoegen=jobcoach+waddinxveen")
    assert response.status_code == 302
    assert "waddinxveen-jobcoaching" in response.headers["Location"]
    several = client.get("/vergelijken?instrumenten=uwv-proefplaatsing&toevoegen=lks").get_data(as_text=True)
    assert "Loonkostensubsidie Gouda" in several  # a list to choose from


def test_vergelijk_on_a_card_adds_in_place(client):
    html = client.get("/instrumenten?q=jobcoach&vergelijk=uwv-proefplaatsing").get_data(as_text=True)
    link = re.search(r'<a class="compare-link" href="([^"]+)"\s+hx-get="([^"]+)"\s+hx-target="#results"', html)
    assert link, "the card's Vergelijk link should add in place with htmx"
    href, in_place = (g.replace("&amp;", "&") for g in link.groups())
    assert href.startswith("/vergelijken?instrumenten=uwv-proefplaatsing,")  # without JavaScript: the comparison
    assert in_place.startswith("/instrumenten?") and "q=jobcoach" in in_place and "vergelijk=uwv-proefplaatsing," in in_place
    assert "1 instrument in uw vergelijking" in html
    added = client.get(in_place).get_data(as_text=True)
    assert "2 instrumenten in uw vergelijking" in added and 'name="vergelijk"' in added


def test_the_seeded_state_is_the_first_version(session):
    item = session.scalar(select(Instrument).where(Instrument.slug == "gouda-loonkostensubsidie"))
    first = session.scalar(select(InstrumentVersion).where(InstrumentVersion.instrument_id == item.id)
                           .order_by(InstrumentVersion.version).limit(1))
    assert first is not None and first.action == "seed" and first.snapshot["name"] == item.name


def test_history_shows_the_real_earlier_value_after_the_first_edit(client, session, people):
    item = make_instrument(session, "zonder-versie", name="Naam vooraf", provider="gemeente-gouda", reach="lokaal",
                           municipalities=["GM0513"], status="draft")
    session.commit()
    Editor(session, people["editor"]).update(item, {"name": "Naam nadien"}, partial=True)
    session.commit()
    versions = session.scalars(select(InstrumentVersion).where(InstrumentVersion.instrument_id == item.id)
                               .order_by(InstrumentVersion.version)).all()
    assert [v.action for v in versions] == ["initial", "update"]
    assert versions[0].snapshot["name"] == "Naam vooraf"
    login(client, people["editor"])
    page = client.get(f"/beheer/instrumenten/zonder-versie/versies/{versions[1].version}").get_data(as_text=True)
    assert "Naam vooraf" in page and "Naam nadien" in page


def test_the_audit_compares_normalised_values():
    assert normalised({"name": "WSP", "phone": "", "email": None}) == {"name": "WSP"}
    assert normalised([{"name": " WSP ", "website": None}, {"name": ""}]) == [{"name": "WSP"}]
    assert diff({"contacts": [{"name": "WSP", "phone": None}]}, {"contacts": [{"name": "WSP", "phone": ""}]}) == {}
    assert diff({"contacts": [{"name": "WSP"}]}, {"contacts": [{"name": "WSP 2"}]})


def test_untouched_contacts_are_not_audited_as_changed(client, session, people):
    item = make_instrument(session, "met-contact", name="Met contact", provider="gemeente-gouda", reach="lokaal",
                           municipalities=["GM0513"], status="draft",
                           contacts=[{"name": "Werkgeversservicepunt", "phone": None, "email": "",
                                      "website": "https://www.gouda.nl"}])
    session.commit()
    login(client, people["editor"])
    data = [(k, v) for k, v in form_data(snapshot(item)) if k != "name"] + [("name", "Met contact (nieuw)"),
                                                                             ("version", str(item.version))]
    assert post(client, "/beheer/instrumenten/met-contact/bewerken", data).status_code == 302
    entry = session.scalars(select(AuditEntry).where(AuditEntry.instrument_id == item.id)).all()[-1]
    assert set(entry.changes) == {"name"}


def test_a_short_password_is_refused_before_the_confirmation_prompt(monkeypatch, tmp_path):
    from catalogue.cli import _ask_password

    prompts = []
    answers = iter(["kort", "lang genoeg wachtwoord", "lang genoeg wachtwoord"])

    def prompt(text, hide_input=False, **kwargs):
        prompts.append(text)
        return next(answers)

    monkeypatch.setattr("click.prompt", prompt)
    assert _ask_password(None) == "lang genoeg wachtwoord"
    assert prompts == ["Password", "Password", "Repeat for confirmation"]
    assert _ask_password("given on the command line") == "given on the command line"


def test_users_create_documents_and_checks_password(database_url):
    from catalogue.cli import main

    result = CliRunner().invoke(main, ["users", "create", "x@example.org", "--admin", "--password", "kort"])
    assert result.exit_code != 0 and "minstens 10 tekens" in result.output
    readme = (ROOT / "README.md").read_text()
    assert "--password" in readme


def test_makefile_port_can_be_overridden():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^PORT \?= 5000$", makefile, re.M) and "--port $(PORT)" in makefile


# -- rich text as Markdown ---------------------------------------------------------------------------------------------


def test_markdown_round_trips_every_seeded_text(session):
    from catalogue.richtext import from_markdown, to_markdown
    from catalogue.sanitize import rich_text

    texts = [t for row in session.execute(select(Instrument.description, Instrument.conditions, Instrument.how_to_apply))
             for t in row if t]
    assert len(texts) > 100
    for html in texts:
        assert rich_text(from_markdown(to_markdown(html))) == html, html[:200]


def test_markdown_becomes_only_what_the_sanitiser_allows():
    from catalogue.richtext import from_markdown, preview

    html = preview("# Kop\n\nTekst met **vet** en *cursief* en [een link](https://www.uwv.nl).\n\n- een\n- twee\n\n"
                   "1. eerst\n2. dan\n\n![plaatje](https://x.nl/a.png)\n\n<script>alert(1)</script>\n\n"
                   "[klik](javascript:alert(1))")
    assert "<h3>Kop</h3>" in html and "<strong>vet</strong>" in html and "<em>cursief</em>" in html
    assert '<a href="https://www.uwv.nl" rel="noopener noreferrer">een link</a>' in html
    assert "<ul><li>een</li><li>twee</li></ul>" in html and "<ol><li>eerst</li><li>dan</li></ol>" in html
    assert "<img" not in html and "<script" not in html and "alert(1)</script>" not in html
    assert 'href="javascript' not in html
    assert from_markdown("") is None


def test_the_edit_form_shows_markdown_and_previews_without_saving(client, session, people):
    item = session.scalar(select(Instrument).where(Instrument.slug == "gouda-loonkostensubsidie"))
    version = item.version
    login(client, people["editor"])
    form = client.get("/beheer/instrumenten/gouda-loonkostensubsidie/bewerken").get_data(as_text=True)
    description = re.search(r'<textarea id="f-description"[^>]*>(.*?)</textarea>', form, re.S).group(1)
    assert "&lt;p&gt;" not in description and "Opmaak: **vet**" in form
    data = [(k, v) for k, v in form_data(snapshot(item)) if k != "description"]
    data += [("description", "Nieuwe **tekst**\n\n- punt een\n- punt twee"), ("version", str(version)), ("preview", "1")]
    response = post(client, "/beheer/instrumenten/gouda-loonkostensubsidie/bewerken", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Voorbeeld (nog niet opgeslagen)" in page
    assert "<p>Nieuwe <strong>tekst</strong></p><ul><li>punt een</li><li>punt twee</li></ul>" in page
    assert "Nieuwe **tekst**" in page  # what was typed stays in the field
    session.expire_all()
    assert session.get(Instrument, item.id).version == version  # nothing saved
    data = [(k, v) for k, v in data if k != "preview"]
    assert post(client, "/beheer/instrumenten/gouda-loonkostensubsidie/bewerken", data).status_code == 302
    session.expire_all()
    assert session.get(Instrument, item.id).description == \
        "<p>Nieuwe <strong>tekst</strong></p><ul><li>punt een</li><li>punt twee</li></ul>"
