"""Issue 18, search and lists: relevance by default with words (also from the list form), snippets inside their card, the
provider in the card title, no synonym noise, no "Bedoelde u" for correct words, natural questions, words that name a
target group or scheme become a removable filter, an empty result says what to try."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from catalogue.search import wordlist
from catalogue.search.intent import load as facet_words

ROOT = Path(__file__).resolve().parents[1]


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def card_titles(html):
    return re.findall(r'class="card-title"><a href="/instrumenten/([^"]+)"', html)


def api(client, **params):
    response = client.get("/api/v1/instruments", query_string=params)
    assert response.status_code == 200
    return response.json


# -- order -------------------------------------------------------------------------------------------------------------


def test_the_list_form_does_not_send_a_name_sort():
    html = (ROOT / "templates" / "instruments.html").read_text()
    assert 'name="sort"' in html
    # the form's default option has no value, so words typed into the form are ranked by relevance
    assert '<option value="" {% if chosen not in' in html


def test_search_from_the_list_form_is_ordered_by_relevance(client):
    # what the form sends when someone types in the list page's search box: every field, sort left at its default
    html = page(client, "/instrumenten?municipality=&region=&q=proefplaatsing+uwv&sort=")
    assert card_titles(html)[0] == "uwv-proefplaatsing"
    by_name = page(client, "/instrumenten?q=proefplaatsing+uwv&sort=name")
    assert 'value="name" selected' in by_name


def test_lks_ranks_every_loonkostensubsidie_above_the_plaatsingspremies(client):
    items = api(client, q="lks", per_page=50)["items"]
    kinds = [i["kind"]["code"] for i in items]
    assert "loonkostensubsidie" in kinds
    last_lks = max(n for n, k in enumerate(kinds) if k == "loonkostensubsidie")
    premies = [n for n, i in enumerate(items) if "plaatsingspremie" in i["slug"]]
    assert all(n > last_lks for n in premies), [i["slug"] for i in items]


# -- cards -------------------------------------------------------------------------------------------------------------


def test_snippets_stand_inside_their_card(client):
    html = page(client, "/instrumenten?q=werkplek")
    cards = re.findall(r'<article class="card">(.*?)</article>', html, re.S)
    assert any('class="snippet"' in c for c in cards)
    outside = re.sub(r'<article class="card">.*?</article>', "", html, flags=re.S)
    assert 'class="snippet"' not in outside


def test_the_provider_is_in_the_card_title_line(client):
    html = page(client, "/instrumenten?q=loonkostensubsidie")
    titles = re.findall(r'<h2 class="card-title">(.*?)</h2>', html, re.S)
    assert titles and all("card-provider" in t for t in titles)
    assert any("Gemeente Gorinchem" in t for t in titles) and any("Gemeente Molenlanden" in t for t in titles)


# -- synonym noise -----------------------------------------------------------------------------------------------------


def test_words_of_a_multi_word_synonym_are_not_highlighted(client):
    for q in ("wajong", "proefplaatsing wajong", "proefplaatsing"):
        for item in api(client, q=q, per_page=50)["items"]:
            assert "<mark>uitkering</mark>" not in (item["snippet"] or "").lower(), (q, item["slug"], item["snippet"])
    for item in api(client, q="lks", per_page=50)["items"]:
        assert "<mark>subsidie</mark>" not in (item["snippet"] or "").lower()


def test_a_synonym_scores_below_the_word_itself():
    from catalogue.search import querying

    assert querying.SYNONYM_BOOST < 1 and querying.CORRECTION_BOOST < querying.SYNONYM_BOOST


# -- corrections -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("q", ["werkfit", "iemand met een uitkering eerst proberen",
                               "wat krijg ik als ik iemand uit de bijstand aanneem", "wage subsidy", "garantiebaan",
                               "de het een", "als ik"])
def test_no_correction_for_correct_words(client, q):
    assert wordlist.available(), "the word lists of Debian's wdutch and wamerican are missing (make setup installs them)"
    assert api(client, q=q)["search"]["suggestion"] is None
    assert "Bedoelde u" not in page(client, "/instrumenten?q=" + q.replace(" ", "+"))


def test_a_real_typo_is_still_corrected(client):
    assert api(client, q="proefplaatsnig")["search"]["suggestion"] == "proefplaatsing"
    assert api(client, q="loonkostensubsdie")["search"]["suggestion"] == "loonkostensubsidie"


def test_compounds_of_normal_words_are_words():
    assert wordlist.is_word("werkfit") and wordlist.is_word("garantiebaan")
    assert not wordlist.is_word("proefplaatsnig")


# -- natural questions and facet words ---------------------------------------------------------------------------------


def test_a_natural_question_finds_the_proefplaatsing(client):
    items = api(client, q="iemand met een uitkering eerst proberen")["items"]
    assert items and all(i["kind"]["code"] == "proefplaatsing" for i in items[:5]), [i["slug"] for i in items[:5]]


def test_garantiebaan_finds_banenafspraak_instruments(client):
    html = page(client, "/instrumenten?q=garantiebaan")
    slugs = card_titles(html)
    assert slugs and any("banenafspraak" in s for s in slugs)
    assert "Doelgroepregister banenafspraak" in html and 'class="chip"' in html


def test_a_target_group_word_becomes_a_removable_chip(client):
    html = page(client, "/instrumenten?q=jobcoaching+50-plus")
    chip = re.search(r'<li class="chip">(.*?)</li>', html, re.S)
    assert chip and "Doelgroep: Ouderen (50-plus)" in " ".join(chip.group(1).split())
    remove = re.search(r'href="([^"]+)" class="chip-remove"', chip.group(1)).group(1)
    assert "target_group" not in remove and "50-plus" not in remove and "jobcoaching" in remove
    # the words typed stay in the field; the search itself filters on the target group
    assert 'value="jobcoaching 50-plus"' in html
    assert re.search(r'name="target_group" value="ouderen" checked', html)
    without = page(client, remove.replace("&amp;", "&"))
    assert 'class="chip"' not in without


def test_the_scheme_word_is_a_filter_not_text(client):
    html = page(client, "/instrumenten?q=proefplaatsing+wajong")
    assert card_titles(html)[0] == "uwv-proefplaatsing"
    assert "Uitkering of regeling: Wajong" in " ".join(html.split())


def test_quoted_words_stay_text():
    assert facet_words().interpret('"wajong"') == ('"wajong"', [])
    assert facet_words().interpret("lks OR wajong")[1] == []


def test_every_mapped_code_exists():
    taxonomies = yaml.safe_load((ROOT / "seed_data" / "taxonomies.yaml").read_text())
    known = {"target_group": {t["code"] for t in taxonomies["target_groups"]},
             "scheme": {t["code"] for t in taxonomies["schemes"]}}
    mapping = yaml.safe_load((ROOT / "seed_data" / "query_facets.yaml").read_text())
    for facet, values in mapping.items():
        assert set(values) <= known[facet], (facet, set(values) - known[facet])


# -- empty result and autocomplete ---------------------------------------------------------------------------------------


def test_an_empty_result_shows_what_to_try_instead_of_exports(client):
    html = page(client, "/instrumenten?q=xqzvw&kind=jobcoaching")
    assert "Probeer dit" in html
    assert "Zonder het filter ‘Soort instrument’" in html
    assert "lifecycle=ended" in html and "/regios" in html
    assert "Excel (.xlsx)" not in html
    assert "Excel (.xlsx)" in page(client, "/instrumenten?q=jobcoach")


def test_search_boxes_offer_suggestions_without_inline_script(client):
    for url in ("/", "/instrumenten"):
        html = page(client, url)
        assert 'data-suggest="/api/v1/suggest"' in html
        assert "<script>" not in html and "onclick" not in html
    assert 'data-suggest="/en/api/v1/suggest"' in page(client, "/en/instrumenten")


def test_the_word_lists_are_kept_as_hashes_and_answer_membership():
    from array import array

    words = wordlist.Words(array("q", sorted(hash(w) for w in ("werk", "fit", "garantie", "baan"))))
    assert "werk" in words and "baan" in words and "proefplaatsnig" not in words and len(words) == 4
    assert wordlist.is_word("werkfit", words)  # a compound of two known parts (the extra words)
