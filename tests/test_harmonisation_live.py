"""Harmonisation followed per changed instrument (catalogue/harmonisation/live.py) equals the full computation after
every kind of change: an edit, publish, unpublish, delete, a new instrument, a moved instrument, a national and a
regional provider's instrument, a dated amount, a coverage declaration; a moved gemeente or a renamed provider is not
followed but computed again. And the pages: 202 with progress while computing in the background, then the result."""
from __future__ import annotations

import random
import time
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from catalogue.harmonisation import national_overview, region_harmonisation
from catalogue.harmonisation.live import LiveHarmonisation, Snapshot
from catalogue.models import Instrument, Municipality, ParameterValue, Provider, Region
from catalogue.search import changelog
from helpers import declare_complete, make_instrument

SEEDED = ("AM20", "AM11", "AM35")


def _instrument(session, slug: str) -> Instrument:
    return session.scalar(select(Instrument).where(Instrument.slug == slug))


def _follow(session, snapshot: Snapshot) -> bool:
    return snapshot.follow(session, changelog.read(session, snapshot.position, set(snapshot.holes)))


def _assert_same(session, snapshot: Snapshot, regions=SEEDED) -> None:
    """The snapshot's results (kept ones where nothing changed) equal a full recompute from the database."""
    day = snapshot.today
    for lang in ("nl", "en"):
        assert snapshot.national_overview(session, lang).to_dict() == national_overview(session, lang, day).to_dict()
    for code in regions:
        assert snapshot.region_harmonisation(session, code, "nl").to_dict() == \
            region_harmonisation(session, code, "nl", day).to_dict(), code
    assert snapshot.region_harmonisation(session, "AM20", "en").to_dict() == \
        region_harmonisation(session, "AM20", "en", day).to_dict()


def _followed(session, snapshot: Snapshot, regions=SEEDED) -> None:
    assert _follow(session, snapshot), "these changes are followed per instrument"
    _assert_same(session, snapshot, regions)


@pytest.fixture()
def snapshot(session):
    declare_complete(session, ("AM20", "AM11"))  # so a gap is a gap (missing) in two regions, unknown in the third
    snap = Snapshot.compute(session, date.today())
    _assert_same(session, snap)  # fills the kept results: the tests below prove they are invalidated correctly
    return snap


def _region_id(session, code: str) -> int:
    return session.scalar(select(Region.id).where(Region.code == code))


def test_an_edit_is_followed_and_touches_only_its_region(session, snapshot):
    versions = dict(snapshot.versions)
    item = _instrument(session, "gouda-proefplaatsing")
    item.duration_max = (item.duration_max or 1) + 5
    item.applicant = "werknemer"
    session.commit()
    _followed(session, snapshot)
    changed = {rid for rid, v in snapshot.versions.items() if v != versions[rid]}
    assert changed == {_region_id(session, "AM20")}
    assert snapshot.updates == 1


def test_unpublish_publish_and_delete_are_followed(session, snapshot):
    item = _instrument(session, "gouda-jobcoaching")
    item.status = "draft"
    session.commit()
    _followed(session, snapshot)
    item.status = "published"
    session.commit()
    _followed(session, snapshot)
    session.delete(_instrument(session, "bodegraven-reeuwijk-loonkostensubsidie"))
    session.commit()
    _followed(session, snapshot)


def test_a_new_instrument_and_one_moved_to_another_region_are_followed(session, snapshot):
    versions = dict(snapshot.versions)
    item = make_instrument(session, "live-nieuw", name="Aaa live proefplaats", kind="premie",
                           provider="gemeente-gouda", reach="lokaal", municipalities=["GM0513"])
    _followed(session, snapshot)
    item.municipalities = [session.scalar(select(Municipality).where(Municipality.code == "GM0034"))]  # to Almere
    session.commit()
    _followed(session, snapshot)
    changed = {rid for rid, v in snapshot.versions.items() if v != versions[rid]}
    assert changed == {_region_id(session, "AM20"), _region_id(session, "AM11")}


def test_national_and_regional_instruments_and_dated_amounts_are_followed(session, snapshot):
    versions = dict(snapshot.versions)
    uwv = _instrument(session, "uwv-proefplaatsing")
    uwv.duration_max = (uwv.duration_max or 1) + 1
    session.commit()
    _followed(session, snapshot, SEEDED + ("AM01",))
    assert all(snapshot.versions[rid] > versions[rid] for rid in versions)  # a national provider: every region
    regional = _instrument(session, "midden-holland-jobcarving")
    regional.status = "draft"
    session.commit()
    _followed(session, snapshot)
    session.add(ParameterValue(instrument_id=_instrument(session, "gouda-jobcoaching").id, parameter="amount_value",
                               value=Decimal("71.25"), valid_from=date(2000, 1, 1)))
    session.commit()
    _followed(session, snapshot)


def test_a_coverage_declaration_changes_the_results_without_a_change_log_entry(session, snapshot):
    before = snapshot.region_harmonisation(session, "AM35", "nl").to_dict()
    declare_complete(session, ("AM35",))
    _followed(session, snapshot)
    assert snapshot.region_harmonisation(session, "AM35", "nl").to_dict() != before


def test_a_moved_gemeente_or_a_renamed_provider_is_computed_again(session, snapshot):
    gouda = session.scalar(select(Municipality).where(Municipality.code == "GM0513"))
    gouda.region_id = _region_id(session, "AM11")
    session.commit()
    assert not _follow(session, snapshot)  # not per instrument: the gemeenten of two regions changed
    _assert_same(session, Snapshot.compute(session, snapshot.today))
    live = LiveHarmonisation(None, background=False)
    live._store(snapshot)
    position = changelog.head(session)
    assert live.national_overview(session, snapshot.today, "nl", position).to_dict() == \
        national_overview(session, "nl", snapshot.today).to_dict()
    assert live.computed == 2 and live.snapshot(snapshot.today) is not snapshot
    provider = session.scalar(select(Provider).where(Provider.slug == "gemeente-gouda"))
    provider.name = "Gemeente Goudstad"
    session.commit()
    again = live.snapshot(snapshot.today)
    assert not _follow(session, again)


def test_a_stream_of_random_edits_stays_equal_to_a_full_recompute(session, snapshot):
    rng = random.Random(17)
    local = list(session.scalars(select(Instrument).where(Instrument.reach == "lokaal").order_by(Instrument.id)))
    places = list(session.scalars(select(Municipality).join(Region, Region.id == Municipality.region_id).where(Region.code.in_(SEEDED))
                                  .order_by(Municipality.code)))
    for step in range(24):
        item = rng.choice(local)
        change = rng.choice(("duration", "decision", "status", "place", "payment"))
        if change == "duration":
            item.duration_max, item.duration_unit = rng.choice([(3, "maand"), (6, "maand"), (1, "jaar"), (13, "week"), (None, None)])
        elif change == "decision":
            item.decision_period_weeks = rng.choice([4, 8, None])
        elif change == "status":
            item.status = "draft" if item.status == "published" else "published"
        elif change == "place":
            item.municipalities = [rng.choice(places)]
        else:
            item.payment_moments = rng.choice(["Maandelijks.", "per kwartaal", None])
        session.commit()
        assert _follow(session, snapshot)
        if step % 6 == 5:
            _assert_same(session, snapshot)


def test_the_comparison_fails_when_the_followed_result_diverges(session, snapshot, monkeypatch):
    """The tests above can fail: a snapshot that forgets to give a changed region a new version keeps its old
    summary and matrix, and the comparison with the full recompute says so."""
    original = Snapshot._place
    monkeypatch.setattr(Snapshot, "_place", lambda self, offer, touched, remove=False, append=False:
                        original(self, offer, set(), remove, append) and False)
    item = _instrument(session, "gouda-proefplaatsing")
    item.duration_max = (item.duration_max or 1) + 7
    session.commit()
    assert _follow(session, snapshot)
    with pytest.raises(AssertionError):
        _assert_same(session, snapshot)


# -- the pages ---------------------------------------------------------------------------------------------------------


def test_pages_say_they_are_computing_then_show_the_result(app, client, database, monkeypatch):
    live = LiveHarmonisation(database.session, background=True)
    monkeypatch.setitem(app.extensions, "harmonisation_live", live)
    page = client.get("/harmonisatie")
    assert page.status_code == 202 and page.headers["Retry-After"] == "2"
    assert "no-store" in page.headers["Cache-Control"] and "ETag" not in page.headers
    html = page.get_data(as_text=True)
    assert "wordt nu berekend" in html and 'href="/harmonisatie"' in html and "<progress" in html
    assert 'hx-trigger="every 2s"' in html
    api = client.get("/api/v1/regions/AM20/harmonisation")
    assert api.status_code in (200, 202)
    if api.status_code == 202:
        assert api.json["computing"] is True and 0 <= api.json["fraction"] <= 1 and api.headers["Retry-After"]
    english = client.get("/en/harmonisatie")
    if english.status_code == 202:
        assert "being computed" in english.get_data(as_text=True)
    deadline = time.monotonic() + 60
    while live.snapshot(date.today()) is None and time.monotonic() < deadline:
        time.sleep(0.1)
    done = client.get("/harmonisatie")
    assert done.status_code == 200 and "Alle regio" in done.get_data(as_text=True)
    assert client.get("/regios/midden-holland/harmonisatie").status_code == 200
    assert live.computed == 1


def test_a_region_page_reflects_an_edit_on_the_next_request(client, session):
    assert "Zzz live werkfit" not in client.get("/regios/midden-holland/harmonisatie").get_data(as_text=True)
    computed = client.application.extensions["harmonisation_live"].computed
    make_instrument(session, "live-werkfit", name="Zzz live werkfit", kind="jobcoaching", provider="gemeente-gouda",
                    reach="lokaal", municipalities=["GM0513"])
    page = client.get("/regios/midden-holland/harmonisatie")
    assert page.status_code == 200 and "Zzz live werkfit" in page.get_data(as_text=True)
    assert client.application.extensions["harmonisation_live"].computed == computed  # followed, not computed again
