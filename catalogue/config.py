"""Configuration from the environment.

CATALOGUE_DATABASE_URL  SQLAlchemy URL (default: SQLite file under instance/)
CATALOGUE_INDEX_DIR     directory for the search index (default: instance/index)
CATALOGUE_SECRET_KEY    secret for sessions and CSRF (default: generated per instance and stored in instance/)
CATALOGUE_SESSION_HOURS a login session ends after this many hours without a request (default 8)
CATALOGUE_TRUSTED_PROXIES  how many reverse proxies in front of the app set X-Forwarded-For/-Proto (default 0: none;
                        the client address is the connection's). Set it to exactly the number of your own proxies, or
                        clients can choose their own address.
CATALOGUE_SEARCH_OPTIMIZE_AFTER  quiet seconds after which a node merges its search index (default 60)
CATALOGUE_SEARCH_ROLE   any (default): this process may write the node's search index (whoever takes its lock first);
                        reader: it never does (`catalogue serve` sets this for its workers and starts `catalogue index
                        follow` to write the index)
CATALOGUE_PUBLIC_URL    the site's address in links of mails sent by worker commands (default http://127.0.0.1:5000)
CATALOGUE_WEBHOOKS_ALLOW_LOCALHOST  1: webhook consumers on http(s)://localhost are allowed (development only; default 0)
CATALOGUE_WEBHOOK_RETRY_SECONDS  wait before the first retry of a failed delivery, doubled each time (default 30)
CATALOGUE_LOG_FORMAT    json (default: one JSON object per line with the request id) or text
CATALOGUE_PUBLISHER_NAME, CATALOGUE_PUBLISHER_URL, CATALOGUE_CONTACT_EMAIL  who publishes this instance, for the
                        DCAT-AP-NL description (/api/v1/dcat.jsonld); default: the guide itself at its own address, no
                        e-mail address
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("CATALOGUE_INSTANCE_DIR", ROOT / "instance"))
SEED_DIR = ROOT / "seed_data"


def default_database_url() -> str:
    return f"sqlite:///{INSTANCE_DIR / 'catalogue.sqlite'}"


def _secret_key() -> str:
    if os.environ.get("CATALOGUE_SECRET_KEY"):
        return os.environ["CATALOGUE_SECRET_KEY"]
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def trusted_proxies(value) -> int:
    """The number of trusted proxies from a setting: a whole number from 0 to 5."""
    text = str(value if value is not None else "").strip() or "0"
    if not text.isdigit() or int(text) > 5:
        raise ValueError(f"CATALOGUE_TRUSTED_PROXIES must be a whole number from 0 to 5, not {text[:20]!r}")
    return int(text)


def from_environment() -> dict:
    page_cache = os.environ.get("CATALOGUE_PAGE_CACHE")  # "0": render every anonymous page (benchmarks of that path)
    return ({"PAGE_CACHE": page_cache != "0"} if page_cache is not None else {}) | {
        "TRUSTED_PROXIES": trusted_proxies(os.environ.get("CATALOGUE_TRUSTED_PROXIES")),
        "DATABASE_URL": os.environ.get("CATALOGUE_DATABASE_URL") or default_database_url(),
        "INDEX_DIR": os.environ.get("CATALOGUE_INDEX_DIR") or str(INSTANCE_DIR / "index"),
        "SECRET_KEY": _secret_key(),
        "BABEL_DEFAULT_LOCALE": "nl",
        "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).parent / "translations"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "JSON_SORT_KEYS": False,
        "SEARCH_OPTIMIZE_AFTER": os.environ.get("CATALOGUE_SEARCH_OPTIMIZE_AFTER"),
        "SEARCH_ROLE": os.environ.get("CATALOGUE_SEARCH_ROLE") or "any",
        "PUBLISHER_NAME": os.environ.get("CATALOGUE_PUBLISHER_NAME"),
        "PUBLISHER_URL": os.environ.get("CATALOGUE_PUBLISHER_URL"),
        "CONTACT_EMAIL": os.environ.get("CATALOGUE_CONTACT_EMAIL"),
        "PUBLIC_URL": os.environ.get("CATALOGUE_PUBLIC_URL") or "http://127.0.0.1:5000",
        "WEBHOOKS_ALLOW_LOCALHOST": os.environ.get("CATALOGUE_WEBHOOKS_ALLOW_LOCALHOST", "0") == "1",
        "WEBHOOK_RETRY_SECONDS": float(os.environ.get("CATALOGUE_WEBHOOK_RETRY_SECONDS") or 30),
    }
