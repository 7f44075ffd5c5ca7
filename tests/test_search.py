"""Search: relevance for account managers' queries, synonyms, typos, phrases, facet counts equal to SQL, availability by
gemeente, hostile input, suggestions, the HTML page."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from catalogue.facets import FACETS
from catalogue.models import Instrument
from catalogue.queries import (
    InstrumentQuery,
    _count_values,
    available_for_municipality,
    base_conditions,
    facet_conditions,
    facet_counts,
    find_instruments,
    parse_query,
)
from catalogue.search import querying
from catalogue.search.synonyms import Synonyms, load


def search(client, **params):
    response = client.get("/api/v1/instruments", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def slugs(body):
    return [i["slug"] for i in body["items"]]


# -- relevance ---------------------------------------------------------------------------------------------------------


def test_lks_finds_loonkostensubsidie_first(client):
    body = search(client, q="lks")
    assert body["total"] >= 5
    assert all(i["kind"]["code"] == "loonkostensubsidie" for i in body["items"][:5]), slugs(body)[:5]


def test_proefplaatsing_wajong_puts_uwv_proefplaatsing_on_top(client):
    body = search(client, q="proefplaatsing wajong")
    assert "uwv-proefplaatsing" in slugs(body)[:3]


def test_typo_jobcoch_leads_to_jobcoach(client):
    body = search(client, q="jobcoch")
    assert body["total"] > 0
    assert body["search"]["suggestion"] == "jobcoach"
    assert "corrected" in body["search"]["notices"]
    assert all(i["kind"]["code"] == "jobcoaching" for i in body["items"][:3]), slugs(body)[:3]


def test_did_you_mean_on_the_page(client):
    html = client.get("/instrumenten?q=proefplaatsnig").get_data(as_text=True)
    assert "Bedoelde u" in html and "proefplaatsing" in html


@pytest.mark.parametrize("abbreviation, kind", [
    ("lkv", "loonkostenvoordeel"),
    ("WEP", "werkervaringsplaats"),
    ("no-risk", "no-riskpolis"),
    ("jobcoach", "jobcoaching"),
    ("proefplaats", "proefplaatsing"),
])
def test_synonyms_and_abbreviations(client, abbreviation, kind):
    body = search(client, q=abbreviation)
    assert body["items"], abbreviation
    assert body["items"][0]["kind"]["code"] == kind, (abbreviation, slugs(body)[:3])


def test_liv_finds_the_ended_scheme_through_the_ended_link(client):
    body = search(client, q="liv")
    assert body["search"]["ended"] >= 1 and "ended" in body["links"]
    ended = search(client, q="liv", lifecycle="ended")
    assert "lage-inkomensvoordeel" in slugs(ended)


def test_ended_matches_are_announced_on_the_page(client):
    html = client.get("/instrumenten?q=lage-inkomensvoordeel").get_data(as_text=True)
    assert "beëindigde regeling" in html and "lifecycle=ended" in html


def test_stemming_finds_plurals(client):
    assert "uwv-proefplaatsing" in slugs(search(client, q="proefplaatsingen", per_page=50))


def test_phrase_search(client):
    phrase = search(client, q='"met behoud van uitkering"', per_page=100)
    assert phrase["total"] > 0
    loose = search(client, q="uitkering behoud", per_page=100)
    assert phrase["total"] <= loose["total"]
    reversed_phrase = search(client, q='"uitkering van behoud met"')
    assert reversed_phrase["total"] < phrase["total"]


def test_or_and_exclusion(client):
    a = search(client, q="wep")["total"]
    b = search(client, q="jobcoaching")["total"]
    both = search(client, q="wep OR jobcoaching")["total"]
    assert max(a, b) < both <= a + b
    without = search(client, q="jobcoaching -gouda", per_page=100)
    assert without["total"] < b and all("gouda" not in s for s in slugs(without))


def test_prefix(client):
    body = search(client, q="loonkost*", per_page=100)
    assert {"loonkostensubsidie", "loonkostenvoordeel"} <= {i["kind"]["code"] for i in body["items"]}


def test_snippets_mark_matches_and_escape_everything_else(client, session):
    from helpers import make_instrument

    make_instrument(session, "snippet-test", name="Snippettest", summary="<script>alert(1)</script> Uniekwoordxyz staat hier.")
    body = search(client, q="uniekwoordxyz")
    item = body["items"][0]
    assert item["slug"] == "snippet-test"
    assert "<mark>Uniekwoordxyz</mark>" in item["snippet"]
    assert "<script>" not in item["snippet"]
    html = client.get("/instrumenten?q=uniekwoordxyz").get_data(as_text=True)
    assert "<mark>Uniekwoordxyz</mark>" in html and "<script>alert(1)" not in html


def test_sort_orders(client):
    by_name = [i["name"].lower() for i in search(client, q="jobcoaching", sort="name", per_page=100)["items"]]
    assert by_name == sorted(by_name)
    recent = search(client, q="jobcoaching", sort="recent", per_page=100)
    assert recent["total"] == len(by_name)


def test_empty_query_is_browse_with_facets(client, session, today):
    body = search(client, per_page=1)
    expected = find_instruments(session, InstrumentQuery(per_page=1), today)
    assert body["total"] == expected.total > 100
    assert set(body["facets"]) == {f.key for f in FACETS}


# -- facet counts equal SQL --------------------------------------------------------------------------------------------


def sql_counts(session, query, today, ids=None):
    """Facet counts computed in SQL (the pre-search implementation), optionally limited to the text matches `ids`."""
    if ids is None:
        return {f.key: {v.code: v.count for v in f.values} for f in facet_counts(session, InstrumentQuery(
            regions=query.regions, municipalities=query.municipalities, providers=query.providers, facets=query.facets), today)}
    plain = InstrumentQuery(regions=query.regions, municipalities=query.municipalities, providers=query.providers,
                            facets=query.facets)
    base = base_conditions(session, plain, today) + [Instrument.id.in_(ids)]
    out = {}
    for facet in FACETS:
        counts = _count_values(session, facet, base + facet_conditions(plain, today, skip=facet.key), today)
        out[facet.key] = {code: counts.get(code, 0) for code, _, _ in facet.known_values(session)}
    return out


FACET_CASES = [
    {},
    {"kind": ["proefplaatsing", "jobcoaching"]},
    {"provider_type": ["gemeente"], "kind": ["loonkostensubsidie"]},
    {"target_group": ["arbeidsbeperking", "jongeren"], "scheme": ["wajong"]},
    {"lifecycle": ["ended", "current", "upcoming"], "reach": ["landelijk"]},
    {"municipality": ["GM0513"], "employment_type": ["regulier"]},
    {"region": ["AM11"], "leerwerktraject": ["ja", "nee"], "age_group": ["16-18", "19-21"]},
    {"municipality": ["GM0034", "GM0513"], "region": ["AM20"]},
    {"sector": ["F", "Q"], "lifecycle": ["current"]},
]


@pytest.mark.parametrize("params", FACET_CASES)
def test_facet_counts_equal_sql_counts(client, session, today, params):
    query = parse_query(session, {k: [",".join(v)] for k, v in params.items()})
    body = search(client, per_page=1, **{k: ",".join(v) for k, v in params.items()})
    got = {key: {v["code"]: v["count"] for v in values} for key, values in body["facets"].items()}
    assert got == sql_counts(session, query, today)
    assert body["total"] == find_instruments(session, query, today, with_facets=False).total


@pytest.mark.parametrize("q, params", [
    ("subsidie", {}),
    ("jobcoach", {"provider_type": ["gemeente", "uwv"]}),
    ("werkgever", {"municipality": ["GM0513"], "kind": ["proefplaatsing"]}),
    ("lkv OR liv", {"lifecycle": ["ended", "current"]}),
])
def test_facet_counts_with_text_equal_sql_counts_over_the_matches(client, session, today, q, params):
    query = parse_query(session, {k: [",".join(v)] for k, v in params.items()})
    everything = search(client, q=q, per_page=100, lifecycle="current,upcoming,ended")
    pages = [everything] + [search(client, q=q, per_page=100, lifecycle="current,upcoming,ended", page=p)
                            for p in range(2, everything["pages"] + 1)]
    matched = {s for page in pages for s in slugs(page)}
    ids = list(session.scalars(select(Instrument.id).where(Instrument.slug.in_(matched))))
    assert ids
    body = search(client, q=q, per_page=1, **{k: ",".join(v) for k, v in params.items()})
    got = {key: {v["code"]: v["count"] for v in values} for key, values in body["facets"].items()}
    assert got == sql_counts(session, query, today, ids)


def test_facet_semantics_or_within_and_across(client):
    a = search(client, kind="proefplaatsing")["total"]
    b = search(client, kind="jobcoaching")["total"]
    assert search(client, kind="proefplaatsing,jobcoaching")["total"] == a + b
    narrowed = search(client, kind="proefplaatsing,jobcoaching", provider_type="uwv")
    assert narrowed["total"] < a + b
    kinds = {v["code"]: v["count"] for v in narrowed["facets"]["kind"]}
    assert kinds["proefplaatsing"] == search(client, kind="proefplaatsing", provider_type="uwv")["total"]


def test_facets_parameter(client):
    assert set(search(client, facets="kind,reach")["facets"]) == {"kind", "reach"}
    assert search(client, facets="none")["facets"] == {}
    bad = client.get("/api/v1/instruments?facets=colour")
    assert bad.status_code == 400 and bad.json["parameter"] == "facets"


# -- location ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["GM0513", "GM0034", "GM0505", "GM0363"])
def test_availability_by_municipality_equals_sql(client, session, today, code):
    from catalogue.models import Municipality

    municipality = session.scalar(select(Municipality).where(Municipality.code == code))
    expected = {i.slug for i in available_for_municipality(session, municipality, today)}
    body = search(client, municipality=code, lifecycle="current", per_page=100)
    got = {s for p in range(1, body["pages"] + 1)
           for s in slugs(search(client, municipality=code, lifecycle="current", per_page=100, page=p))}
    assert got == expected
    reaches = {i["reach"] for i in body["items"]}
    assert "landelijk" in reaches


def test_gemeente_sees_own_and_region_but_not_neighbours_local(client):
    gouda = set(slugs(search(client, q="proefplaatsing", municipality="GM0513", per_page=100)))
    assert "gouda-proefplaatsing" in gouda and "uwv-proefplaatsing" in gouda
    assert "almere-proefplaatsing" not in gouda  # another region's gemeente
    region = set(slugs(search(client, q="proefplaatsing", region="AM20", per_page=100)))
    assert {"gouda-proefplaatsing", "krimpenerwaard-proefplaatsing"} <= region


# -- hostile input -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("q", ['"', '"proef', 'proef"', '""', "AND", "OR OR", "NOT", "-", "*", "**", "?", "a*", "(", ")",
                               "[]", "{}", "^", "~", "\\", "\x00", "\x1b[31m", "proef\x00plaatsing", "OR proefplaatsing OR",
                               "x" * 500, "lks " * 120, "-proefplaatsing", "NOT lks", "name:lks", "'; DROP TABLE x; --",
                               "<script>alert(1)</script>", "🙂", "ü" * 200, "*:*", "a OR b OR c OR d OR e OR f OR g"])
def test_hostile_queries_never_fail(client, q):
    response = client.get("/api/v1/instruments", query_string={"q": q})
    assert response.status_code in (200, 400), (q, response.status_code)
    if response.status_code == 400:
        assert response.json["parameter"] == "q"
    page = client.get("/instrumenten", query_string={"q": q})
    assert page.status_code in (200, 400)
    assert "<script>alert(1)" not in page.get_data(as_text=True)
    assert client.get("/api/v1/suggest", query_string={"q": q}).status_code in (200, 400)


def test_long_query_is_cut_with_a_notice(client):
    body = search(client, q="proefplaatsing " * 25)
    assert "truncated" in body["search"]["notices"] and body["total"] > 0
    assert client.get("/api/v1/instruments", query_string={"q": "x" * 2000}).status_code == 400


def test_unknown_facet_value_is_a_clear_400(client):
    response = client.get("/api/v1/instruments?q=lks&kind=bestaat-niet")
    assert response.status_code == 400 and "bestaat-niet" in response.json["error"]


def test_query_parser_units():
    synonyms = Synonyms([["lks", "loonkostensubsidie", "loonkosten subsidie"], ["no-risk", "no-riskpolis"]])
    parsed = querying.parse('Loonkosten Subsidie "met behoud" -gouda wep OR jobcoach loon* "open', synonyms)
    texts = [c.text for c in parsed.clauses()]
    assert texts == ["loonkosten subsidie", '"met behoud"', "wep", "jobcoach", "loon*", "open"]
    assert parsed.clauses()[0].alternatives and parsed.excluded[0].tokens == ("gouda",)
    assert len(parsed.groups) == 5  # wep OR jobcoach is one group
    assert querying.parse("No-Risk", synonyms).clauses()[0].alternatives
    assert querying.parse("", synonyms).empty and querying.parse("* OR -", synonyms).empty
    assert querying.parse("a " * 400, synonyms).truncated


def test_synonym_groups_merge_and_regions_extend(tmp_path):
    extra = tmp_path / "extra.yaml"
    extra.write_text("groups:\n  - [lks, lkss, loonsubsidie]\n", encoding="utf-8")
    synonyms = load(extra_dir=tmp_path)
    group = synonyms.group_of(("lkss",))
    assert ("loonkostensubsidie",) in group and ("loonsubsidie",) in group
    assert len(load()) >= 20


# -- suggestions ---------------------------------------------------------------------------------------------------------


def test_suggest_endpoint(client):
    body = client.get("/api/v1/suggest?q=jobc").json
    assert body["completions"] and all(c.startswith("jobc") for c in body["completions"])
    assert 0 < len(body["items"]) <= 8
    assert {"slug", "name", "kind", "url"} <= set(body["items"][0])
    assert any(i["kind"]["code"] == "jobcoaching" for i in body["items"])
    two_words = client.get("/api/v1/suggest?q=proefplaatsing uw").json
    assert "uwv-proefplaatsing" in [i["slug"] for i in two_words["items"]]
    assert client.get("/api/v1/suggest?q=").json["items"] == []
    assert client.get("/api/v1/suggest?limit=99&q=x").status_code == 400


def test_page_shows_search_controls_and_relevance_sort(client):
    html = client.get("/instrumenten?q=lks").get_data(as_text=True)
    assert '<option value="" selected>Beste resultaat' in html
    assert 'name="q"' in html and "lks" in html
    english = client.get("/en/instrumenten?q=jobcoch").get_data(as_text=True)
    assert "Did you mean" in english
