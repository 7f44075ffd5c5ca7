"""Audit trail (relations included), versions with diff and restore, watching and notifications, the needs-review list."""
from datetime import date, timedelta

from sqlalchemy import select

from accounts import form_data, login, people, post  # noqa: F401
from catalogue.auth import organisation_for_provider
from catalogue.editing import Editor, snapshot
from catalogue.models import AuditEntry, Instrument, InstrumentVersion, Notification
from catalogue.review import months_ago, needs_review
from helpers import make_instrument


def _gouda(session, slug="audit-test", **kw):
    values = dict(provider="gemeente-gouda", reach="lokaal", municipalities=["GM0513"], status="draft",
                  terms=[("target_group", "arbeidsbeperking")])
    values.update(kw)
    return make_instrument(session, slug, **values)


def _entries(session, item):
    return session.scalars(select(AuditEntry).where(AuditEntry.instrument_id == item.id).order_by(AuditEntry.id)).all()


def test_every_change_is_recorded_with_relations(client, session, people):
    item = _gouda(session, name="Oude naam")
    login(client, people["editor"])
    data = [(k, v) for k, v in form_data(snapshot(item))
            if k not in ("name", "target_groups", "municipalities", "schemes")]
    data += [("name", "Nieuwe naam"), ("target_groups", "jongeren"), ("target_groups", "arbeidsbeperking"),
             ("schemes", "ww"), ("municipalities", "GM0513"), ("municipalities", "GM0637"), ("version", str(item.version))]
    assert post(client, "/beheer/instrumenten/audit-test/bewerken", data).status_code == 302
    (entry,) = _entries(session, item)
    assert entry.action == "update" and entry.actor == "editor@example.org" and entry.user_id == people["editor"].id
    assert entry.via == "web" and entry.created_at is not None and entry.version == 2
    assert entry.changes["name"] == ["Oude naam", "Nieuwe naam"]
    assert set(entry.changes["target_groups"][1]) == {"arbeidsbeperking", "jongeren"}
    assert entry.changes["target_groups"][0] == ["arbeidsbeperking"]
    assert entry.changes["municipalities"] == [["GM0513"], ["GM0513", "GM0637"]]
    assert entry.changes["schemes"] == [[], ["ww"]]
    assert set(entry.changes) == {"name", "target_groups", "municipalities", "schemes"}
    # the history page shows it, old and new values included
    html = client.get("/beheer/instrumenten/audit-test/geschiedenis").get_data(as_text=True)
    assert "Oude naam" in html and "Nieuwe naam" in html and "GM0637" in html and "Doelgroepen" in html


def test_publication_delete_and_restore_are_audited(session, people):
    item = _gouda(session, example=True)
    editor = Editor(session, people["editor"])
    editor.publish(item)
    editor.schedule(item, "2030-01-01", None)
    editor.delete(item)
    editor.restore(item)
    session.commit()
    entries = _entries(session, item)
    assert [e.action for e in entries] == ["publish", "schedule", "delete", "restore"]
    assert entries[0].changes == {"status": ["draft", "published"]}
    assert entries[1].changes == {"publish_from": [None, "2030-01-01"]}
    assert entries[2].changes["deleted_at"][0] is None and entries[3].changes["deleted_at"][1] is None
    versions = session.scalars(select(InstrumentVersion.version).where(InstrumentVersion.instrument_id == item.id)
                               .order_by(InstrumentVersion.version)).all()
    assert versions == [1, 2, 3, 4, 5] and item.version == 5  # 1: the state before the first edit ("initial")


def test_version_diff_and_restore(client, session, people):
    item = _gouda(session, summary="Versie een: de eerste samenvatting.")
    editor = Editor(session, people["editor"])
    editor.update(item, {"summary": "Versie twee: een betere samenvatting.", "target_groups": ["jongeren"]},
                  partial=True)
    editor.update(item, {"summary": "Versie drie: een slechte wijziging."}, partial=True)
    session.commit()
    assert item.version == 3
    login(client, people["editor"])
    page = client.get("/beheer/instrumenten/audit-test/versies/2")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Versie twee: een betere samenvatting." in html and "Versie drie: een slechte wijziging." in html
    assert "<del>" in html and "<ins>" in html
    response = post(client, "/beheer/instrumenten/audit-test/versies/2/terugzetten", {"version": "3"})
    assert response.status_code == 302
    session.expire_all()
    item = session.scalar(select(Instrument).where(Instrument.slug == "audit-test"))
    assert item.summary == "Versie twee: een betere samenvatting." and item.version == 4
    assert [t.code for t in item.terms_of("target_group")] == ["jongeren"]
    last = _entries(session, item)[-1]
    assert last.action == "restore_version"
    assert last.changes == {"summary": ["Versie drie: een slechte wijziging.", "Versie twee: een betere samenvatting."]}
    # a restore with a stale version is a conflict: nothing changes
    post(client, "/beheer/instrumenten/audit-test/versies/2/terugzetten", {"version": "1"})
    session.expire_all()
    assert session.scalar(select(Instrument.version).where(Instrument.slug == "audit-test")) == 4


def test_watch_gives_notifications(client, session, people):
    item = _gouda(session)
    login(client, people["account_manager"])
    assert post(client, "/beheer/instrumenten/audit-test/volgen").status_code == 302
    Editor(session, people["editor"]).update(item, {"name": "Gewijzigd door de redacteur"}, partial=True)
    session.commit()
    notes = session.scalars(select(Notification).where(Notification.user_id == people["account_manager"].id)).all()
    assert len(notes) == 1 and notes[0].instrument_id == item.id and notes[0].read_at is None
    html = client.get("/beheer/").get_data(as_text=True)
    assert "Gewijzigd door de redacteur" in html and "editor@example.org" in html and "Nieuw" in html
    assert post(client, "/beheer/meldingen/gelezen").status_code == 302
    session.expire_all()
    assert session.get(Notification, notes[0].id).read_at is not None
    # the one who makes the change is not notified of it; after unwatching nobody is
    login(client, people["editor"])
    post(client, "/beheer/instrumenten/audit-test/volgen")
    Editor(session, people["editor"]).update(item, {"name": "Nog een keer"}, partial=True)
    session.commit()
    assert session.scalars(select(Notification).where(Notification.user_id == people["editor"].id)).all() == []
    login(client, people["account_manager"])
    post(client, "/beheer/instrumenten/audit-test/ontvolgen")
    Editor(session, people["editor"]).update(item, {"name": "En nog een keer"}, partial=True)
    session.commit()
    assert len(session.scalars(select(Notification).where(
        Notification.user_id == people["account_manager"].id)).all()) == 2  # the unwatch came after the second change


def test_needs_review_follows_the_organisation_setting(client, session, people, today):
    org = organisation_for_provider(session, "gemeente-gouda")
    org.review_after_months = 6
    _gouda(session, "recent-gecontroleerd", last_checked=today - timedelta(days=30))
    _gouda(session, "lang-geleden", last_checked=months_ago(today, 7))
    _gouda(session, "nooit-gecontroleerd", last_checked=None)
    _gouda(session, "eindigt-binnenkort", last_checked=today, valid_until=today + timedelta(days=20))
    _gouda(session, "eindigt-later", last_checked=today, valid_until=today + timedelta(days=60))
    make_instrument(session, "niet-van-mij", last_checked=None)  # UWV, outside the editor's scope
    session.commit()
    items = {r.instrument.slug: r.reasons for r in needs_review(session, people["editor"], today)}
    assert items["lang-geleden"] == ["not_checked"]
    assert items["nooit-gecontroleerd"] == ["never_checked"]
    assert items["eindigt-binnenkort"] == ["ending"]
    assert "recent-gecontroleerd" not in items and "eindigt-later" not in items and "niet-van-mij" not in items
    org.review_after_months = 12
    session.commit()
    assert "lang-geleden" not in {r.instrument.slug for r in needs_review(session, people["editor"], today)}
    login(client, people["editor"])
    html = client.get("/beheer/").get_data(as_text=True)
    assert "Te controleren" in html and "eindigt-binnenkort" in html and "regeling eindigt op" in html


def test_months_ago():
    assert months_ago(date(2025, 3, 31), 1) == date(2025, 2, 28)
    assert months_ago(date(2025, 1, 15), 12) == date(2024, 1, 15)
    assert months_ago(date(2024, 8, 31), 6) == date(2024, 2, 29)


def test_account_managers_review_list_covers_their_own_organisation(session, people, today):
    _gouda(session, "gouda-nooit", last_checked=None)
    make_instrument(session, "uwv-nooit", last_checked=None)
    session.commit()
    slugs = {r.instrument.slug for r in needs_review(session, people["account_manager"], today, scope="own")}
    assert "gouda-nooit" in slugs and "uwv-nooit" not in slugs
