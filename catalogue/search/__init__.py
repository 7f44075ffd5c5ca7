"""Full-text search and faceted navigation over the public catalogue. No Flask.

- `analysis`: the Dutch analyzer (tokenise, lowercase, fold accents, stop words, Snowball stemming) and the plain analyzer
- `synonyms`: synonym and abbreviation groups from seed_data/synonyms.yaml (+ CATALOGUE_SYNONYMS_DIR/*.yaml)
- `index`: the whoosh schema, documents, building a fresh index beside the old one and swapping it in atomically
- `querying`: turning what a user typed into a safe whoosh query (phrases, OR, -exclusion, prefix*, synonyms, fuzzy)
- `facettable`: the in-memory bitset table of public instruments and their facet values, for fast live counts
- `rows`: what the facet table holds of one instrument, read from SQL; `columns`: its copy-on-write columns
- `engine`: `SearchEngine`, the one engine behind the pages and the API
- `changelog`: the change log (index_change, written by triggers) and reading it
- `follower`: follows the log into the process's facet table and the node's index (LISTEN/NOTIFY or polling)

Engines are registered per database URL (`register`), so domain code that only has a session can find the engine.
"""
from __future__ import annotations

from sqlalchemy.engine import make_url

_ENGINES: dict[str, "SearchEngine"] = {}  # noqa: F821


def _key(url) -> str:
    return make_url(str(url)).render_as_string(hide_password=False) if not hasattr(url, "render_as_string") \
        else url.render_as_string(hide_password=False)


def register(database_url, engine) -> None:
    """Makes `engine` the search engine for every session bound to this database."""
    _ENGINES[_key(database_url)] = engine


def unregister(database_url) -> None:
    _ENGINES.pop(_key(database_url), None)


def engine_for(session):
    """The search engine registered for the session's database, or None (then callers fall back to SQL)."""
    if not _ENGINES:
        return None
    try:
        bind = session.get_bind()
    except Exception:  # an unbound session
        return None
    return _ENGINES.get(_key(bind.engine.url))
