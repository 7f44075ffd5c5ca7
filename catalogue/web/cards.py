"""Rendered wizard result cards, kept until the catalogue changes them, so a result page draws only the cards no earlier
page has drawn.

A card's HTML follows from the instrument and what it shows of its kind, provider, terms and dated amounts (all in the
change log: catalogue/search/changelog.py TRACKED), from the date (lifecycle badges, the amounts in force), the
language and URL prefix, and from how it matched: the fit ("past"/"controleer") and its origin (who decides, whose
offer, and for an unconfirmed residence the employer's gemeente it names). The key holds exactly those.

The cache follows this process's change-log follower. Its state is the day, the follower's cursor and the ids it still
waits for below it (holes: on PostgreSQL a transaction may commit after a later one). When the follower has moved on,
the log entries after the old cursor or among the old holes are read: every entry committed since the cards were drawn
and applied since is among them. Entries naming instruments drop those instruments' cards (one edit redraws one card);
any other entry (a provider, kind, term, region or gemeente changed), too many entries, another day or a cursor going
back drop all cards. A card is drawn from what the request reads, and kept only if the request's database snapshot
reaches the follower's cursor (SQLite reads as of a transaction's first statement), so it reflects every entry below
that cursor outside the holes. So no card is older than what the page's facet table reflects. Only anonymous requests
use the cache (a logged-in user's page is drawn afresh, so nothing meant for one reader can reach another), and only
when this process follows the change log.

Bounded: at most `max_bytes` of HTML in all (default 8 MiB, config CARD_CACHE_BYTES; 0 switches it off), least
recently used cards dropped first. A card is about 2 KB, so that is some 4,000 cards: the cards of every gemeente's
result at one position take 60-180 each, and national instruments are shared between all of them.
"""
from __future__ import annotations

import sys
import threading
from datetime import date

from flask import Flask, current_app, g, request
from markupsafe import Markup

from .. import get_db
from ..i18n import current_language
from ..lru import ByteLRU
from ..search import changelog
from .http_cache import followed_position
from .result_card import badges, origin_text, result_card

DEFAULT_BYTES = 8 * 2**20
KEY_BYTES = 200  # the key tuple and the dictionary slot, roughly, per card
ENTRIES_READ = 1000  # more log entries than this since the cache's state: all cards are dropped instead


class CardCache:
    """An LRU of rendered cards valid at one state of the follower (day, cursor, holes). Thread-safe."""

    def __init__(self, max_bytes: int = DEFAULT_BYTES):
        self.max_bytes = max_bytes
        self._items = ByteLRU(max_bytes, cost=_cost)
        self._state: tuple | None = None
        self._lock = threading.Lock()
        self.hits = self.misses = self.cleared = 0

    @property
    def size_bytes(self) -> int:
        return self._items.nbytes

    @property
    def state(self) -> tuple | None:
        return self._state

    def __len__(self) -> int:
        return len(self._items)

    def advance(self, expected: tuple | None, state: tuple, entries=None) -> None:
        """Moves from `expected` to `state` (day, cursor, holes). `entries`: the log entries after the old cursor or
        among the old holes, read once the follower had reached the new state (None: too many to read). Drops the
        cards of the instruments they name, or all cards (see the module docstring; also when another request has
        advanced the cache meanwhile)."""
        with self._lock:
            old = self._state
            if old == state:
                return
            exact = (old is not None and old == expected and entries is not None and old[0] == state[0]
                     and state[1] >= old[1] and all(e[1] == "instrument" and e[2] is not None for e in entries))
            if exact:
                changed = {e[2] for e in entries}
                self._items.drop_where(lambda k: k[2] in changed)
            else:
                self._items.clear()
                self.cleared += 1
            self._state = state

    def get(self, state: tuple, key: tuple) -> str | None:
        with self._lock:
            if state != self._state:
                return None
            html = self._items.get(key)
            if html is not None:
                self.hits += 1
            return html

    def put(self, state: tuple, key: tuple, html: str) -> None:
        with self._lock:
            self.misses += 1
            if state == self._state:  # drawn from another state than the cache holds: not kept
                self._items.put(key, html)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._state = None


def _cost(html: str) -> int:
    return sys.getsizeof(html) + KEY_BYTES


def card_key(match, choices) -> tuple:
    """What a wizard card's HTML depends on besides the state of the catalogue (see the module docstring)."""
    origin = match.origin
    named = choices.municipality.name if origin.decider == "candidate" and origin.unconfirmed else None
    return (current_language(), request.script_root, match.facts.id, match.fit, origin.decider, origin.place,
            origin.unconfirmed, named)


def _state(cache: CardCache) -> tuple | None:
    """This request's follower state (looked up once per request, the cache advanced to it), or None when the request
    does not use the cache."""
    if "card_state" not in g:
        from flask_login import current_user

        state = None
        follower = current_app.extensions["catalogue_search"].follower
        if follower is not None and not current_user.is_authenticated and request.authorization is None \
                and followed_position() is not None:
            cursor = follower.cursor  # first the cursor, then the holes: a hole added in between is above the cursor
            holes = frozenset(follower.holes.copy())
            if cursor is not None and changelog.head(get_db()) >= cursor:
                state = (date.today(), cursor, holes)
                _advance(cache, state)
        g.card_state = state
    return g.card_state


def _advance(cache: CardCache, state: tuple) -> None:
    old = cache.state
    if old == state:
        return
    entries = None
    if old is not None and old[0] == state[0] and old[1] <= state[1]:
        entries = changelog.read(get_db(), old[1], set(old[2]), limit=ENTRIES_READ + 1)
        if len(entries) > ENTRIES_READ:
            entries = None
    cache.advance(old, state, entries)


def wizard_card(match, choices) -> Markup:
    """{{ wizard_card(match, choices) }}: the result card from the cache, or drawn (web/result_card.py) and kept."""
    cache: CardCache | None = current_app.extensions.get("wizard_cards")
    state = _state(cache) if cache is not None else None
    if state is None:
        return result_card(match, choices)
    key = card_key(match, choices)
    html = cache.get(state, key)
    if html is None:
        html = str(result_card(match, choices))
        cache.put(state, key, html)
    return Markup(html)


def init_card_cache(app: Flask) -> None:
    size = int(app.config.get("CARD_CACHE_BYTES", DEFAULT_BYTES))
    if size > 0 and not app.config.get("TEMPLATES_AUTO_RELOAD"):
        app.extensions["wizard_cards"] = CardCache(size)
    app.add_template_global(wizard_card)
    app.add_template_global(badges)
    app.add_template_global(origin_text)
