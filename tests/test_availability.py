"""An employer located in gemeente X sees landelijk + X's region + X's own instruments, and nothing from elsewhere."""
import pytest
from sqlalchemy import select

from catalogue.models import Instrument, Municipality
from catalogue.queries import InstrumentQuery, all_instruments, available_for_municipality, public_condition


def _expected(session, municipality, today):
    expected = set()
    for item in session.scalars(select(Instrument).where(public_condition(today))):
        if item.lifecycle(today) != "current":
            continue
        if item.reach == "landelijk":
            expected.add(item.slug)
        elif item.reach == "regionaal" and municipality.region in item.regions:
            expected.add(item.slug)
        elif item.reach == "lokaal" and municipality in item.municipalities:
            expected.add(item.slug)
    return expected


@pytest.mark.parametrize("code", ["GM0513", "GM0627", "GM0184", "GM1978", "GM0363"])
def test_available_for_municipality_is_landelijk_plus_region_plus_own(session, today, code):
    m = session.scalar(select(Municipality).where(Municipality.code == code))
    got = {i.slug for i in available_for_municipality(session, m, today)}
    assert got == _expected(session, m, today)
    for item in available_for_municipality(session, m, today):
        if item.reach == "lokaal":
            assert m in item.municipalities
            assert item.provider.municipality_id in (m.id, None)
        if item.reach == "regionaal":
            assert m.region in item.regions


def test_gouda_sees_its_own_and_not_its_neighbours(session, today):
    gouda = session.scalar(select(Municipality).where(Municipality.code == "GM0513"))
    slugs = {i.slug for i in available_for_municipality(session, gouda, today)}
    assert "gouda-proefplaatsing" in slugs
    assert "uwv-proefplaatsing" in slugs
    assert "midden-holland-jobcarving" in slugs
    assert "waddinxveen-proefplaatsing" not in slugs  # neighbour in the same region
    assert "almere-proefplaatsing" not in slugs  # another region
    assert "flevoland-jobcarving" not in slugs
    assert "midden-holland-inclusiepremie" not in slugs  # a draft


def test_a_gemeente_without_own_content_still_sees_the_national_offer(session, today):
    amsterdam = session.scalar(select(Municipality).where(Municipality.code == "GM0363"))
    items = available_for_municipality(session, amsterdam, today)
    assert items and all(i.reach == "landelijk" for i in items)


def test_region_filter_is_landelijk_plus_region_plus_its_gemeenten(session, today):
    items = all_instruments(session, InstrumentQuery(regions=["AM20"], facets={"lifecycle": ["current"]}), today)
    for item in items:
        if item.reach == "lokaal":
            assert all(m.region.code == "AM20" for m in item.municipalities)
        if item.reach == "regionaal":
            assert [r.code for r in item.regions] == ["AM20"]
    slugs = {i.slug for i in items}
    assert {"gouda-proefplaatsing", "waddinxveen-jobcoaching", "uwv-proefplaatsing"} <= slugs
    assert "almere-proefplaatsing" not in slugs


def test_api_municipality_filter_matches_the_service(client, session, today):
    m = session.scalar(select(Municipality).where(Municipality.code == "GM0513"))
    expected = _expected(session, m, today)
    got, page = set(), 1
    while True:
        body = client.get(f"/api/v1/instruments?municipality=GM0513&lifecycle=current&per_page=100&page={page}").json
        got |= {item["slug"] for item in body["items"]}
        if page >= body["pages"]:
            break
        page += 1
    assert got == expected
    assert body["total"] == len(expected)


def test_gemeente_page_lists_exactly_what_is_available(client, session, today):
    m = session.scalar(select(Municipality).where(Municipality.code == "GM0627"))
    html = client.get("/gemeenten/waddinxveen").get_data(as_text=True)
    for slug in _expected(session, m, today):
        assert f'/instrumenten/{slug}"' in html
    assert "/instrumenten/gouda-proefplaatsing\"" not in html
    assert "Werkgeversservicepunt" in html or "WerkgeversServicepunt" in html
