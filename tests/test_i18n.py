"""Dutch by default; every page also in English under /en/; content without a translation stays Dutch."""
import pytest

PAGES = ["/", "/instrumenten", "/instrumenten/uwv-proefplaatsing", "/regios", "/regios/midden-holland", "/gemeenten",
         "/gemeenten/gouda", "/soorten"]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_in_dutch_and_english(client, path):
    nl = client.get(path)
    en = client.get("/en" + path)
    assert nl.status_code == en.status_code == 200
    nl_html, en_html = nl.get_data(as_text=True), en.get_data(as_text=True)
    assert '<html lang="nl">' in nl_html and '<html lang="en">' in en_html
    assert "Direct naar de inhoud" in nl_html and "Skip to content" in en_html
    assert "Skip to content" not in nl_html


def test_links_keep_the_language(client):
    html = client.get("/en/gemeenten/gouda").get_data(as_text=True)
    assert 'href="/en/instrumenten/uwv-proefplaatsing"' in html
    assert 'href="/en/static/css/site.css"' in html or 'href="/static/css/site.css"' in html
    assert 'href="/gemeenten/gouda" lang="nl"' in html  # the switch back to Dutch


def test_language_switch_preserves_the_query(client):
    html = client.get("/instrumenten?kind=proefplaatsing").get_data(as_text=True)
    assert 'href="/en/instrumenten?kind=proefplaatsing"' in html


def test_translated_content_is_shown_in_english_and_untranslated_stays_dutch(client, session):
    from sqlalchemy import select

    from catalogue.models import Instrument

    translated = session.scalar(select(Instrument).where(Instrument.slug == "uwv-proefplaatsing"))
    assert translated.translations.get("en", {}).get("name")
    en_html = client.get("/en/instrumenten/uwv-proefplaatsing").get_data(as_text=True)
    assert translated.translations["en"]["name"] in en_html

    untranslated = session.scalar(select(Instrument).where(Instrument.slug == "waddinxveen-proefplaatsing"))
    assert not untranslated.translations.get("en", {}).get("summary")
    en_html = client.get("/en/instrumenten/waddinxveen-proefplaatsing").get_data(as_text=True)
    assert untranslated.summary in en_html


def test_english_amounts_and_labels(client):
    html = client.get("/en/instrumenten/lkv-arbeidsgehandicapte-werknemer").get_data(as_text=True)
    assert "per paid hour" in html and "€ 3.05" in html
    nl = client.get("/instrumenten/lkv-arbeidsgehandicapte-werknemer").get_data(as_text=True)
    assert "per verloond uur" in nl and "€ 3,05" in nl
