"""Organisations and users under /beheer (issue 13 §3): creating organisations, invitations (valid, expired, reused,
revoked), roles, deactivation (sessions and tokens stop at once), token revocation, the coordinator's scope, the audit
trail, and the `catalogue users deactivate|activate|token --revoke` commands."""
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from accounts import PASSWORD, bearer, login, people, post  # noqa: F401
from catalogue.models import AccountEvent, ApiToken, Invitation, Membership, Organisation, OutboxMessage, User


def _events(session, action):
    return session.scalars(select(AccountEvent).where(AccountEvent.action == action)).all()


def _invitation_link(session, email):
    message = session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == email)
                              .order_by(OutboxMessage.id.desc())).first()
    return re.search(r"http://localhost(/uitnodiging/\S+)", message.body).group(1)


def _count(session, model, *where):
    return session.scalar(select(func.count()).select_from(model).where(*where))


# --- organisations ---------------------------------------------------------------------------------------------------


def test_admin_creates_an_organisation_for_a_gemeente_linked_to_its_provider(client, session, people):
    login(client, people["admin"])
    page = client.get("/beheer/organisaties")
    assert page.status_code == 200 and 'value="gemeente-bodegraven-reeuwijk"' in page.get_data(as_text=True)
    response = post(client, "/beheer/organisaties", {"provider": "gemeente-bodegraven-reeuwijk"})
    assert response.status_code == 302 and response.headers["Location"].endswith(
        "/beheer/organisaties/gemeente-bodegraven-reeuwijk")
    org = session.scalar(select(Organisation).where(Organisation.slug == "gemeente-bodegraven-reeuwijk"))
    assert org.type == "gemeente" and org.municipality is not None and org.home_region.code == "AM20"
    assert [e.actor for e in _events(session, "organisation_create")] == ["admin@example.org"]
    # a second time: an error next to the field, nothing created
    again = post(client, "/beheer/organisaties", {"provider": "gemeente-bodegraven-reeuwijk"})
    assert again.status_code == 400
    assert 'id="f-provider-error"' in again.get_data(as_text=True)
    assert "bestaat al een organisatie" in again.get_data(as_text=True)
    empty = post(client, "/beheer/organisaties", {"provider": ""})
    assert empty.status_code == 400 and "Kies de aanbieder" in empty.get_data(as_text=True)
    assert _count(session, AccountEvent, AccountEvent.action == "organisation_create") == 1


def test_manage_navigation_links_the_account_screens(client, people):
    login(client, people["coordinator"])
    html = client.get("/beheer/").get_data(as_text=True)
    assert 'href="/beheer/organisaties"' in html and 'href="/beheer/gebruikers"' in html
    assert 'href="/beheer/account/"' in html
    login(client, people["editor"])
    html = client.get("/beheer/").get_data(as_text=True)
    assert 'href="/beheer/gebruikers"' not in html and 'href="/beheer/account/"' in html
    assert client.get("/beheer/gebruikers").status_code == 403
    assert client.get("/beheer/organisaties").status_code == 403


# --- invitations -----------------------------------------------------------------------------------------------------


def test_invitation_flow_valid_then_reused(client, session, people):
    login(client, people["admin"])
    response = post(client, "/beheer/organisaties/gemeente-gouda/uitnodigen",
                    {"email": "Nieuw@Gouda.example.org", "role": "editor"})
    assert response.status_code == 302
    invitation = session.scalar(select(Invitation).where(Invitation.email == "nieuw@gouda.example.org"))
    assert invitation.role == "editor" and invitation.accepted_at is None
    link = _invitation_link(session, "nieuw@gouda.example.org")
    assert invitation.nonce_hash not in link  # only the nonce's hash is stored
    page = client.get("/beheer/organisaties/gemeente-gouda").get_data(as_text=True)
    assert "nieuw@gouda.example.org" in page  # listed as open

    login(client, None)
    form = client.get(link)
    assert form.status_code == 200 and "Gemeente Gouda" in form.get_data(as_text=True)
    # bad input: errors next to the fields, the name kept, nothing created
    bad = post(client, link, {"name": "Nieuwe Redacteur", "password": "short", "password_confirm": "short"})
    assert bad.status_code == 400
    html = bad.get_data(as_text=True)
    assert 'id="f-password-error"' in html and 'value="Nieuwe Redacteur"' in html
    assert _count(session, User, User.email == "nieuw@gouda.example.org") == 0
    done = post(client, link, {"name": "Nieuwe Redacteur", "password": "een-lang-wachtwoord",
                               "password_confirm": "een-lang-wachtwoord"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/inloggen")
    user = session.scalar(select(User).where(User.email == "nieuw@gouda.example.org"))
    assert [(m.organisation.slug, m.role) for m in user.memberships] == [("gemeente-gouda", "editor")]
    assert user.password_hash.startswith("$argon2id$")
    # the invitee logs in with the chosen password
    login_response = post(client, "/inloggen", {"email": "nieuw@gouda.example.org", "password": "een-lang-wachtwoord"})
    assert login_response.status_code == 302 and login_response.headers["Location"].endswith("/beheer/")
    # reused: refused, nothing changes
    login(client, None)
    reused = post(client, link, {"name": "Iemand anders", "password": "nog-een-wachtwoord",
                                 "password_confirm": "nog-een-wachtwoord"})
    assert reused.status_code == 400 and "al gebruikt" in reused.get_data(as_text=True)
    assert client.get(link).status_code == 400
    assert _count(session, User, User.email == "nieuw@gouda.example.org") == 1
    assert [e.action for e in session.scalars(select(AccountEvent).where(
        AccountEvent.subject == "nieuw@gouda.example.org").order_by(AccountEvent.id))] == ["invite",
                                                                                           "invitation_accept"]


def test_expired_forged_revoked_and_replaced_invitations_are_refused(client, session, people):
    login(client, people["coordinator"])
    post(client, "/beheer/organisaties/gemeente-gouda/uitnodigen", {"email": "laat@example.org", "role": "editor"})
    link = _invitation_link(session, "laat@example.org")
    session.expire_all()
    invitation = session.scalar(select(Invitation).where(Invitation.email == "laat@example.org"))
    invitation.expires_at = datetime.now(timezone.utc) - timedelta(minutes=1)
    session.commit()
    login(client, None)
    expired = post(client, link, {"name": "Laat", "password": "een-lang-wachtwoord",
                                  "password_confirm": "een-lang-wachtwoord"})
    assert expired.status_code == 400 and "verlopen" in expired.get_data(as_text=True)
    assert client.get(link[:-3] + "abc").status_code == 400  # a forged signature
    assert client.get("/uitnodiging/onzin").status_code == 400

    # a new invitation replaces the open one; a revoked one is refused
    login(client, people["coordinator"])
    post(client, "/beheer/organisaties/gemeente-gouda/uitnodigen", {"email": "twee@example.org", "role": "editor"})
    first = _invitation_link(session, "twee@example.org")
    post(client, "/beheer/organisaties/gemeente-gouda/uitnodigen", {"email": "twee@example.org", "role": "account_manager"})
    second = _invitation_link(session, "twee@example.org")
    assert client.get(first).status_code == 400 and client.get(second).status_code == 200
    latest = session.scalars(select(Invitation).where(Invitation.email == "twee@example.org")
                             .order_by(Invitation.id.desc())).first()
    assert post(client, f"/beheer/uitnodigingen/{latest.id}/intrekken").status_code == 302
    assert client.get(second).status_code == 400
    assert _count(session, User, User.email.in_(["laat@example.org", "twee@example.org"])) == 0
    assert len(_events(session, "invitation_revoke")) == 1


def test_invitation_input_errors_next_to_the_fields(client, session, people):
    login(client, people["admin"])
    before = _count(session, OutboxMessage)
    bad = post(client, "/beheer/organisaties/gemeente-gouda/uitnodigen", {"email": "geen-adres", "role": "baas"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400 and 'id="f-email-error"' in html and 'id="f-role-error"' in html
    assert 'value="geen-adres"' in html  # the input is kept
    existing = post(client, "/beheer/organisaties/gemeente-gouda/uitnodigen",
                    {"email": "editor@example.org", "role": "editor"})
    assert existing.status_code == 400 and "heeft al een account" in existing.get_data(as_text=True)
    english = post(client, "/en/beheer/organisaties/gemeente-gouda/uitnodigen", {"email": "geen-adres", "role": "editor"})
    assert "Enter a valid e-mail address" in english.get_data(as_text=True)
    assert _count(session, OutboxMessage) == before and _count(session, Invitation) == 0


# --- coordinator scope -----------------------------------------------------------------------------------------------


def test_coordinator_manages_only_their_own_region(client, session, people):
    login(client, people["coordinator"])  # AM20 Midden-Holland
    users_page = client.get("/beheer/gebruikers").get_data(as_text=True)
    assert "editor@example.org" in users_page and "editor@almere.example.org" not in users_page
    assert "admin@example.org" not in users_page
    orgs = client.get("/beheer/organisaties").get_data(as_text=True)
    assert "Gemeente Gouda" in orgs and "Gemeente Almere" not in orgs
    assert client.get(f"/beheer/gebruikers/{people['editor'].id}").status_code == 200

    other = people["other_editor"]  # Almere, AM11
    before_events = _count(session, AccountEvent)
    assert client.get(f"/beheer/gebruikers/{other.id}").status_code == 403
    assert client.get("/beheer/organisaties/gemeente-almere").status_code == 403
    assert post(client, f"/beheer/gebruikers/{other.id}/deactiveren").status_code == 403
    assert post(client, "/beheer/organisaties/gemeente-almere/uitnodigen",
                {"email": "x@almere.example.org", "role": "editor"}).status_code == 403
    token = session.scalar(select(ApiToken).where(ApiToken.user_id == other.id))
    assert post(client, f"/beheer/gebruikers/{other.id}/tokens/{token.id}/intrekken").status_code == 403
    assert post(client, f"/beheer/gebruikers/{people['admin'].id}/deactiveren").status_code == 403
    # an own-region user cannot be given a role in another region's organisation
    assert post(client, f"/beheer/gebruikers/{people['editor'].id}/rollen",
                {"organisation": "gemeente-almere", "role": "editor"}).status_code == 403
    assert post(client, "/beheer/organisaties", {"provider": "gemeente-lelystad"}).status_code == 403
    session.expire_all()
    assert other.active and token.revoked_at is None
    assert [m.organisation.slug for m in people["editor"].memberships] == ["gemeente-gouda"]
    assert _count(session, Invitation) == 0 and _count(session, AccountEvent) == before_events
    assert session.scalar(select(Organisation).where(Organisation.slug == "gemeente-lelystad")) is None


def test_roles_change_and_are_audited(client, session, people):
    login(client, people["coordinator"])
    editor = people["editor"]
    response = post(client, f"/beheer/gebruikers/{editor.id}/rollen",
                    {"organisation": "regio-midden-holland", "role": "account_manager"})
    assert response.status_code == 302
    duplicate = post(client, f"/beheer/gebruikers/{editor.id}/rollen",
                     {"organisation": "regio-midden-holland", "role": "account_manager"})
    assert duplicate.status_code == 400 and 'id="f-role-error"' in duplicate.get_data(as_text=True)
    session.expire_all()
    added = session.scalar(select(Membership).where(Membership.user_id == editor.id,
                                                    Membership.role == "account_manager"))
    assert added.organisation.slug == "regio-midden-holland"
    assert post(client, f"/beheer/gebruikers/{editor.id}/rollen/{added.id}/intrekken").status_code == 302
    session.expire_all()
    assert {m.role for m in editor.memberships} == {"editor"}
    events = session.scalars(select(AccountEvent).where(AccountEvent.subject_id == editor.id)
                             .order_by(AccountEvent.id)).all()
    assert [(e.action, e.actor, e.details["role"]) for e in events] == [
        ("role_add", "coordinator@example.org", "account_manager"),
        ("role_remove", "coordinator@example.org", "account_manager")]
    page = client.get(f"/beheer/gebruikers/{editor.id}").get_data(as_text=True)
    assert "Rol toegekend" in page and "coordinator@example.org" in page  # the audit trail is shown
    # only admins make admins
    assert post(client, f"/beheer/gebruikers/{editor.id}/beheerder", {"admin": "1"}).status_code == 403
    login(client, people["admin"])
    assert post(client, f"/beheer/gebruikers/{editor.id}/beheerder", {"admin": "1"}).status_code == 302
    own = post(client, f"/beheer/gebruikers/{people['admin'].id}/beheerder", {"admin": "0"})
    assert own.status_code == 400
    session.expire_all()
    assert editor.is_admin and people["admin"].is_admin


# --- deactivation and tokens -----------------------------------------------------------------------------------------


def test_deactivation_ends_sessions_and_tokens_at_once(client, app, session, people):
    editor = people["editor"]
    token = people.tokens["editor"]
    editor_client = app.test_client()
    login(editor_client, editor)
    assert editor_client.get("/beheer/").status_code == 200
    assert client.get("/api/v1/instruments/gouda-loonkostensubsidie/internal", headers=bearer(token)).status_code == 200

    login(client, people["coordinator"])
    assert post(client, f"/beheer/gebruikers/{editor.id}/deactiveren").status_code == 302
    assert editor_client.get("/beheer/").status_code == 302  # logged out
    assert "/inloggen" in editor_client.get("/beheer/").headers["Location"]
    assert client.get("/api/v1/instruments/gouda-loonkostensubsidie/internal", headers=bearer(token)).status_code == 401
    assert client.patch("/api/v1/instruments/gouda-loonkostensubsidie", json={"summary": "x", "version": 1},
                        headers=bearer(token)).status_code == 401
    login(client, None)
    assert post(client, "/inloggen", {"email": editor.email, "password": PASSWORD}).status_code == 200  # no login
    assert [e.action for e in _events(session, "deactivate")] == ["deactivate"]

    login(client, people["coordinator"])
    assert post(client, f"/beheer/gebruikers/{editor.id}/activeren").status_code == 302
    assert client.get("/api/v1/instruments/gouda-loonkostensubsidie/internal", headers=bearer(token)).status_code == 200
    assert editor_client.get("/beheer/").status_code == 302  # the old session stays ended


def test_admin_cannot_deactivate_themselves(client, session, people):
    login(client, people["admin"])
    response = post(client, f"/beheer/gebruikers/{people['admin'].id}/deactiveren")
    assert response.status_code == 400 and "eigen account" in response.get_data(as_text=True)
    session.expire_all()
    assert people["admin"].active


def test_revoking_a_token_in_the_admin_screen(client, session, people):
    token_row = session.scalar(select(ApiToken).where(ApiToken.user_id == people["editor"].id))
    login(client, people["admin"])
    page = client.get(f"/beheer/gebruikers/{people['editor'].id}").get_data(as_text=True)
    assert token_row.prefix in page and people.tokens["editor"] not in page
    assert post(client, f"/beheer/gebruikers/{people['editor'].id}/tokens/{token_row.id}/intrekken").status_code == 302
    assert client.get("/api/v1/instruments/gouda-loonkostensubsidie/internal",
                      headers=bearer(people.tokens["editor"])).status_code == 401
    event = _events(session, "token_revoke")[0]
    assert event.actor == "admin@example.org" and event.details["token"] == token_row.prefix


def test_own_tokens_on_my_account(client, session, people):
    login(client, people["editor"])
    created = post(client, "/beheer/account/tokens", {"name": "koppeling"})
    token = re.search(r'<code class="token">(igt_[^<]+)</code>', created.get_data(as_text=True)).group(1)
    assert client.get("/api/v1/instruments/gouda-loonkostensubsidie/internal", headers=bearer(token)).status_code == 200
    assert post(client, "/beheer/account/tokens", {"name": ""}).status_code == 400
    row = session.scalar(select(ApiToken).where(ApiToken.name == "koppeling"))
    other = session.scalar(select(ApiToken).where(ApiToken.user_id == people["other_editor"].id))
    assert post(client, f"/beheer/account/tokens/{other.id}/intrekken").status_code == 404  # not one's own
    assert post(client, f"/beheer/account/tokens/{row.id}/intrekken").status_code == 302
    assert client.get("/api/v1/instruments/gouda-loonkostensubsidie/internal", headers=bearer(token)).status_code == 401
    assert [e.action for e in session.scalars(select(AccountEvent).where(AccountEvent.subject_id == people["editor"].id)
                                              .order_by(AccountEvent.id))] == ["token_create", "token_revoke"]


# --- commands --------------------------------------------------------------------------------------------------------


@pytest.fixture()
def cli(app, client):
    """The `catalogue` command on the test's transaction (through the client fixture's session factory)."""
    from catalogue.cli import main

    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(main, list(args))


def test_users_deactivate_activate_and_token_revoke_commands(cli, client, session, people):
    editor = people["editor"]
    token = people.tokens["editor"]
    editor_client = client.application.test_client()
    login(editor_client, editor)
    result = cli("users", "deactivate", "Editor@example.org")
    assert result.exit_code == 0 and "deactivated" in result.output, result.output
    assert editor_client.get("/beheer/").status_code == 302
    assert client.get("/api/v1/instruments/gouda-loonkostensubsidie/internal", headers=bearer(token)).status_code == 401
    assert cli("users", "activate", "editor@example.org").exit_code == 0
    assert client.get("/api/v1/instruments/gouda-loonkostensubsidie/internal", headers=bearer(token)).status_code == 200
    assert cli("users", "deactivate", "nobody@example.org").exit_code != 0

    second = cli("users", "token", "editor@example.org", "--name", "tweede").output.strip()
    listing = cli("users", "token", "editor@example.org", "--list").output
    assert "tweede" in listing and "test" in listing and second not in listing
    first_id = session.scalar(select(ApiToken.id).where(ApiToken.user_id == editor.id, ApiToken.name == "test"))
    assert cli("users", "token", "editor@example.org", "--revoke").exit_code != 0  # which one?
    revoked = cli("users", "token", "editor@example.org", "--revoke", str(first_id))
    assert revoked.exit_code == 0, revoked.output
    assert client.get("/api/v1/instruments/gouda-loonkostensubsidie/internal", headers=bearer(token)).status_code == 401
    assert client.get("/api/v1/instruments/gouda-loonkostensubsidie/internal",
                      headers=bearer(second)).status_code == 200
    assert cli("users", "token", "editor@example.org", "--revoke", "999999").exit_code != 0
    everything = cli("users", "token", "editor@example.org", "--revoke", "--all")
    assert everything.exit_code == 0 and "Revoked 1 token" in everything.output
    assert client.get("/api/v1/instruments/gouda-loonkostensubsidie/internal",
                      headers=bearer(second)).status_code == 401
    assert {(e.action, e.via, e.actor) for e in session.scalars(select(AccountEvent).where(
        AccountEvent.subject_id == editor.id))} >= {("deactivate", "cli", "cli"), ("token_revoke", "cli", "cli")}


def test_every_account_page_needs_a_login(app, client, people):
    with app.test_request_context():
        rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith(("people.", "account."))]
    assert len(rules) >= 15
    for rule in rules:
        url = re.sub(r"<(int:)?[^>]+>", "1", rule.rule)
        method = "GET" if "GET" in rule.methods else "POST"
        response = client.open(url, method=method, data={"csrf_token": ""}) if method == "POST" else client.get(url)
        if method == "GET":
            assert response.status_code == 302 and "/inloggen" in response.headers["Location"], url
        else:
            assert response.status_code in (302, 400), url  # to the login page, or refused for lack of a CSRF token


def test_the_account_log_shows_what_the_reader_may_manage(client, session, people):
    from catalogue.accounts.admin import AccountAdmin

    admin = AccountAdmin(session, people["admin"])
    admin.deactivate(people["editor"])
    admin.deactivate(people["other_editor"])
    session.commit()
    login(client, people["coordinator"])
    html = client.get("/beheer/logboek").get_data(as_text=True)
    assert "editor@example.org" in html and "editor@almere.example.org" not in html
    login(client, people["admin"])
    html = client.get("/en/beheer/logboek").get_data(as_text=True)
    assert "editor@almere.example.org" in html and "Deactivated" in html
