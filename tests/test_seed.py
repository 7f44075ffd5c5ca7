import csv
import shutil
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from catalogue.config import SEED_DIR
from catalogue.models import Instrument, Municipality, Provider, Region
from catalogue.seed import SeedError, seed


def _csv(name):
    with (SEED_DIR / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_35_real_regions_with_their_official_codes(session):
    regions = session.scalars(select(Region)).all()
    assert len(regions) == 35
    assert {r.code for r in regions} == {row["region_code"] for row in _csv("arbeidsmarktregios_2025.csv")}
    codes = {r.code for r in regions}
    assert "AM04" not in codes and "AM16" not in codes and "AM31" not in codes
    assert session.scalar(select(Region).where(Region.code == "AM38")).name == "FoodValley"


def test_every_gemeente_in_exactly_one_region(session):
    rows = _csv("gemeenten_2025.csv")
    municipalities = session.scalars(select(Municipality)).all()
    assert len(municipalities) == len(rows) == 342
    assert len({m.code for m in municipalities}) == 342
    expected = {row["municipality_code"]: row["region_code"] for row in rows}
    for m in municipalities:
        assert m.region is not None
        assert m.region.code == expected[m.code]
    for region in session.scalars(select(Region)):
        assert 1 <= len(region.municipalities)


def test_seed_data_is_a_copy_of_the_shared_data():
    shared = Path(__file__).resolve().parents[2] / "shared" / "data"
    if not shared.exists():
        pytest.skip("../shared/data not beside this checkout")
    for name in ("arbeidsmarktregios_2025.csv", "gemeenten_2025.csv", "arbeidsmarktregios_2025.geojson"):
        assert (SEED_DIR / name).read_bytes() == (shared / name).read_bytes(), name


def test_every_gemeente_and_region_is_a_provider(session):
    assert session.scalar(select(func.count()).select_from(Provider).where(Provider.type == "gemeente")) == 342
    assert session.scalar(select(func.count()).select_from(Provider).where(Provider.type == "regio")) == 35


def test_at_least_20_real_national_instruments_with_source_and_check_date(session):
    national = session.scalars(
        select(Instrument).join(Provider).where(Provider.type.in_(["uwv", "belastingdienst", "landelijk"]),
                                                Instrument.status == "published")
    ).all()
    assert len(national) >= 20
    for item in national:
        assert item.source_url and item.source_url.startswith("https://"), item.slug
        assert item.last_checked is not None, item.slug
        assert item.legal_basis, item.slug
        assert item.example is False, item.slug
        assert item.reach == "landelijk"


def test_the_four_lkvs_have_structured_amounts_and_duration(session):
    lkvs = session.scalars(
        select(Instrument).where(Instrument.slug.like("lkv-%"))
    ).all()
    assert len(lkvs) == 4
    for item in lkvs:
        assert item.kind.code == "loonkostenvoordeel"
        assert item.provider.type == "belastingdienst"
        assert item.amount_type == "per_uur" and item.amount_value > 0, item.slug
        assert item.amount_max_per_year > 0, item.slug


def test_liv_and_jeugd_liv_are_ended_with_end_dates(session, today):
    for slug in ("lage-inkomensvoordeel", "jeugd-lage-inkomensvoordeel"):
        item = session.scalar(select(Instrument).where(Instrument.slug == slug))
        assert item is not None
        assert item.valid_until is not None and item.valid_until < today
        assert item.lifecycle(today) == "ended"


@pytest.mark.parametrize("region_code", ["AM11", "AM20", "AM35"])
def test_three_real_regions_cover_every_gemeente_with_local_instruments(session, region_code):
    region = session.scalar(select(Region).where(Region.code == region_code))
    assert region.wsp_name
    assert region.centrumgemeente is not None and region.centrumgemeente.region_id == region.id
    for m in region.municipalities:
        local = session.scalars(select(Instrument).join(Provider).where(Provider.municipality_id == m.id)).all()
        assert len(local) >= 5, m.name
        assert {i.kind.code for i in local} >= {"loonkostensubsidie", "proefplaatsing", "jobcoaching"}, m.name
    regional = session.scalars(select(Instrument).join(Provider).where(Provider.type == "regio",
                                                                       Provider.region_id == region.id)).all()
    assert regional


def test_municipal_content_is_either_cited_or_marked_as_example(session):
    local = session.scalars(select(Instrument).join(Provider).where(Provider.type.in_(["gemeente", "regio"]))).all()
    assert local
    for item in local:
        if not item.example:
            assert item.source_url and (item.regulation_url or item.regulation_title), item.slug
        else:
            assert item.regulation_url is None, item.slug


def test_seed_is_idempotent(session):
    before = session.scalar(select(func.count()).select_from(Instrument))
    report = seed(session)
    assert report.created == [] and report.updated == []
    assert session.scalar(select(func.count()).select_from(Instrument)) == before


def test_seed_does_not_overwrite_edits_without_refresh(session):
    item = session.scalar(select(Instrument).where(Instrument.slug == "uwv-proefplaatsing"))
    item.summary = "Door een redacteur aangepast."
    session.flush()
    seed(session)
    assert session.scalar(select(Instrument.summary).where(Instrument.slug == "uwv-proefplaatsing")) == "Door een redacteur aangepast."
    seed(session, refresh=True)
    assert session.scalar(select(Instrument.summary).where(Instrument.slug == "uwv-proefplaatsing")) != "Door een redacteur aangepast."


def _broken_seed_dir(tmp_path, mutate):
    target = tmp_path / "seed"
    shutil.copytree(SEED_DIR, target)
    path = target / "national" / "uwv.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    mutate(doc)
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return target


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d["instruments"][-1].update(kind="bestaat-niet"), "Onbekende code"),
    (lambda d: d["instruments"][-1].update(duration_max=3, duration_unit=None), "eenheid"),
    (lambda d: d["instruments"].append(dict(d["instruments"][0], name="Dubbel")), "staat ook in"),
    (lambda d: d["instruments"][-1].update(reach="overal"), "reach"),
    # invented contact data (issue 11): a phone number of zeros, an example.com address, a dummy name
    (lambda d: d["instruments"][-1].update(contacts=[{"name": "UWV", "phone": "0183 - 00 00 00"}]), "plaatsvervanger"),
    (lambda d: d["instruments"][-1].update(contacts=[{"name": "UWV", "email": "info@example.com"}]), "voorbeelddomein"),
    (lambda d: d["instruments"][-1].update(contacts=[{"name": "Jan Jansen"}]), "plaatsvervanger"),
    (lambda d: d["providers"][0].update(phone="088 - 111 111 1"), "plaatsvervanger"),
])
def test_a_bad_record_aborts_the_seed_with_a_clear_message(session, tmp_path, mutate, message):
    seed_dir = _broken_seed_dir(tmp_path, mutate)
    with pytest.raises(SeedError, match=message):
        seed(session, seed_dir=seed_dir, refresh=True)
