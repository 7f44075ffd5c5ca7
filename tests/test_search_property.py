"""Property-based: arbitrary strings and parameter combinations never give a 5xx on the search endpoints."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalogue.facets import FACETS

PARAMETERS = ["q", "region", "municipality", "provider", "sort", "page", "per_page", "facets", *[f.key for f in FACETS]]
VALUES = {
    "region": ["AM20", "AM11", "am35", "AM99"],
    "municipality": ["GM0513", "GM0034", "GM9999"],
    "sort": ["relevance", "name", "recent", "x"],
    "kind": ["proefplaatsing", "jobcoaching", "loonkostensubsidie", "?"],
    "provider_type": ["uwv", "gemeente", "regio"],
    "lifecycle": ["ended", "current", "upcoming"],
    "reach": ["landelijk", "lokaal", "regionaal"],
    "facets": ["kind", "none", "reach,scheme"],
    "page": ["1", "2", "0", "-1", "99999"],
    "per_page": ["1", "100", "101"],
}
WORDS = st.sampled_from(["lks", "proefplaatsing", "wajong", "jobcoch", '"', "OR", "-", "*", "NOT", "gouda", "loon*",
                         '"met behoud', "AND", "(", "\x00", "ü", "🙂"])
TEXT = st.one_of(st.text(max_size=300), st.lists(WORDS, max_size=12).map(" ".join), st.text(min_size=400, max_size=2100))


def value_for(name):
    known = st.sampled_from(VALUES.get(name, ["x"]))
    return st.one_of(TEXT if name == "q" else known, st.lists(known, min_size=1, max_size=3).map(",".join), st.text(max_size=20))


PARAMS = st.lists(st.sampled_from(PARAMETERS), max_size=5, unique=True).flatmap(
    lambda names: st.fixed_dictionaries({n: value_for(n) for n in names}))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                    HealthCheck.too_slow])
@given(params=PARAMS)
def test_instruments_endpoint_never_5xx(client, params):
    response = client.get("/api/v1/instruments", query_string=params)
    assert response.status_code < 500, (params, response.status_code)
    if response.status_code == 400:
        assert response.json["parameter"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(params=PARAMS)
def test_instruments_page_never_5xx(client, params):
    assert client.get("/instrumenten", query_string=params).status_code < 500, params


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=TEXT, limit=st.one_of(st.none(), st.integers(-5, 40).map(str), st.text(max_size=5)))
def test_suggest_never_5xx(client, q, limit):
    params = {"q": q} if limit is None else {"q": q, "limit": limit}
    assert client.get("/api/v1/suggest", query_string=params).status_code < 500, params
