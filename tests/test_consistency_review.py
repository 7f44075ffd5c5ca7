"""Issue 18, consistency: one count of the instruments on every page, a translated 404 page with a search box, a
favicon and a real mark, English pages translate every generated sentence and mark Dutch-only content."""
from __future__ import annotations

import re

import pytest


def text(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def list_total(client, url):
    match = re.search(r'<p role="status">(\d+) instrument', text(client, url))
    assert match, url
    return int(match.group(1))


def test_every_count_of_the_listed_instruments_agrees(client):
    home = int(re.search(r"Of zoek in de (\d+) instrumenten die nu lopen", text(client, "/")).group(1))
    assert home == list_total(client, "/instrumenten") == client.get("/api/v1/instruments").json["total"]
    kinds = text(client, "/soorten")
    links = re.findall(r'<a href="/instrumenten\?kind=([a-z_-]+)">(\d+) lopende? (?:of komende?|of komend) instrument', kinds)
    assert len(links) >= 10
    for code, count in links:
        assert int(count) == list_total(client, f"/instrumenten?kind={code}"), code
    assert sum(int(c) for _, c in links) == home


def test_the_english_pages_say_the_same_counts(client):
    home = int(re.search(r"Or search the (\d+) instruments that are current", text(client, "/en/")).group(1))
    assert home == client.get("/api/v1/instruments").json["total"]


@pytest.mark.parametrize("prefix,title,message,search,home", [
    ("", "Pagina niet gevonden", "Deze pagina bestaat niet", "Zoek een instrument", "Naar de startpagina"),
    ("/en", "Page not found", "This page does not exist", "Search for an instrument", "To the home page"),
])
def test_the_404_page_in_both_languages(client, prefix, title, message, search, home):
    response = client.get(prefix + "/bestaat-helemaal-niet")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert f"<h1>{title}</h1>" in html and message in html and search in html and home in html
    assert 'name="q"' in html and f'action="{prefix}/instrumenten"' in html
    assert "The requested URL" not in html  # werkzeug's English text is not shown
    if prefix:
        assert "Pagina niet gevonden" not in html and "Terug" not in html
    # a view's own message stays
    own = client.get(prefix + "/instrumenten/bestaat-niet").get_data(as_text=True)
    assert ("bestaat niet of is niet" in own) if not prefix else ("does not exist" in own or "bestaat niet" not in own)


def test_favicon_and_logo(client):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
    html = text(client, "/")
    assert 'rel="icon"' in html and "img/logo.svg" in html and ">IG<" not in html
    svg = client.get("/static/img/logo.svg")
    assert svg.status_code == 200 and b"<svg" in svg.data


def test_english_pages_mark_dutch_only_content(client):
    kinds = text(client, "/en/soorten")
    assert "(in Dutch)" in kinds and 'lang="nl">Loonkostensubsidie (gemeente, Participatiewet)' in kinds
    assert "(in Dutch)" not in text(client, "/soorten") and "(in het Nederlands)" not in text(client, "/soorten")


DUTCH_SENTENCE = re.compile(r"\b(gemeenten|biedt|bieden|duurt|geregeld|dezelfde|voorwaarden|aangeboden)\b")


@pytest.mark.parametrize("url", ["/en/regios/midden-holland/harmonisatie", "/en/harmonisatie",
                                 "/en/vergelijken/gemeenten?a=GM0513&b=GM0627",
                                 "/en/vergelijken/gemeente-uwv?gemeente=GM0513", "/en/vergelijken/regios?a=AM20&b=AM11"])
def test_english_generated_sentences_are_english(client, url):
    html = text(client, url)
    html = re.sub(r'<span lang="nl">.*?</span>', "", html, flags=re.S)  # content marked as Dutch
    html = re.sub(r'<(a|option|script|style)\b[^>]*>.*?</\1>', "", html, flags=re.S)  # names of instruments and places
    plain = re.sub(r"<[^>]+>", " ", html)
    hits = sorted({m.group(0) for m in DUTCH_SENTENCE.finditer(plain)})
    assert not hits, (url, hits, [plain[max(0, m.start() - 60):m.end() + 60] for m in DUTCH_SENTENCE.finditer(plain)][:3])


def test_the_gemeente_page_count_equals_its_filtered_list(client):
    html = text(client, "/gemeenten/gouda")
    link = re.search(r'<a href="([^"]+)">Filter deze (\d+) lopende instrumenten', html)
    assert link
    assert list_total(client, link.group(1).replace("&amp;", "&")) == int(link.group(2))
    region = int(re.search(r"(\d+) lopende? instrument(?:en)? voor werkgevers in deze regio",
                           text(client, "/regios/midden-holland")).group(1))
    assert region == list_total(client, "/instrumenten?region=AM20&lifecycle=current")
