"""Accounts for tests: organisations, users per role, logging in, CSRF tokens, API tokens.

Import the fixtures you need into a test module: `from accounts import people, login, post  # noqa: F401`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from catalogue.auth import add_membership, configure_hasher, create_api_token, create_user, organisation_for_provider
from catalogue.models import Region, User

configure_hasher(time_cost=1, memory_cost=8, parallelism=1)  # fast hashing in tests

PASSWORD = "correct horse battery staple"
OWN_MUNICIPALITY = ("GM0513", "gemeente-gouda")  # Gouda, in AM20 Midden-Holland
OTHER_MUNICIPALITY = ("GM0034", "gemeente-almere")  # Almere, in AM11 Flevoland
OWN_REGION, OTHER_REGION = "AM20", "AM11"


@dataclass
class People:
    users: dict[str, User] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, key) -> User:
        return self.users[key]


def make_user(session, email, role=None, provider_slug=None, admin=False, name=None) -> User:
    user = create_user(session, email, name or email.split("@")[0], PASSWORD, is_admin=admin)
    if role:
        add_membership(session, user, organisation_for_provider(session, provider_slug), role)
    session.flush()
    return user


@pytest.fixture()
def people(session) -> People:
    """admin; coordinator of AM20 (via WSP Midden-Holland); editor and account manager of Gouda (AM20); an editor of
    Almere and a coordinator of AM11 (the 'other' organisation); a UWV editor."""
    p = People()
    p.users["admin"] = make_user(session, "admin@example.org", admin=True)
    p.users["coordinator"] = make_user(session, "coordinator@example.org", "coordinator", "regio-midden-holland")
    p.users["editor"] = make_user(session, "editor@example.org", "editor", OWN_MUNICIPALITY[1])
    p.users["account_manager"] = make_user(session, "am@example.org", "account_manager", OWN_MUNICIPALITY[1])
    p.users["other_editor"] = make_user(session, "editor@almere.example.org", "editor", OTHER_MUNICIPALITY[1])
    p.users["other_coordinator"] = make_user(session, "coordinator@flevoland.example.org", "coordinator",
                                             "regio-flevoland")
    p.users["uwv_editor"] = make_user(session, "editor@uwv.example.org", "editor", "uwv")
    for key, user in p.users.items():
        p.tokens[key] = create_api_token(session, user, "test")
    session.commit()
    return p


def login(client, user: User | None) -> None:
    """A complete login without going through the forms: the user's current session generation, the second factor
    given, seen just now. The password, code and enrolment forms themselves are tested in test_auth.py and
    test_two_factor.py. `login(client, None)` logs out."""
    from catalogue.accounts.sessions import clock
    from catalogue.web.accounts import SECOND_FACTOR, SEEN

    with client.session_transaction() as sess:
        sess.clear()
        if user is not None:
            sess["_user_id"] = user.get_id()
            sess["_fresh"] = True
            sess[SECOND_FACTOR] = True
            sess[SEEN] = clock()
            sess.permanent = True


_TOKEN_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(client) -> str:
    html = client.get("/wachtwoord-vergeten").get_data(as_text=True)
    return _TOKEN_RE.search(html).group(1)


def post(client, url, data=None, **kwargs):
    """A form post with a valid CSRF token, as a browser would send it."""
    data = MultiDict(data or {})
    if "csrf_token" not in data:
        data["csrf_token"] = csrf_token(client)
    return client.post(url, data=data, **kwargs)


def bearer(token: str | None) -> dict:
    return {"Authorization": f"Bearer {token}"} if token else {}


def region(session, code) -> Region:
    return session.scalar(select(Region).where(Region.code == code))


def form_data(snapshot: dict) -> dict:
    """An instrument snapshot -> the form fields the edit page would submit unchanged."""
    from catalogue.web.forms import BOOL_FIELDS, LIST_FIELDS

    data: list[tuple[str, str]] = []
    for key, value in snapshot.items():
        if key in LIST_FIELDS:
            data += [(key, v) for v in value]
        elif key in BOOL_FIELDS:
            if value:
                data.append((key, "on"))
        elif key == "contacts":
            for i, c in enumerate(value):
                data += [(f"contacts-{i}-{k}", v) for k, v in c.items() if v]
        elif key == "links":
            for i, c in enumerate(value):
                data += [(f"links-{i}-{k}", v) for k, v in c.items() if v]
        elif key == "translations":
            for k, v in (value.get("en") or {}).items():
                data.append((f"en-{k}", v))
        elif value is not None:
            data.append((key, str(value)))
    return data
