"""HTTP caching of public pages and public API responses, keyed by the change-log position this process has followed.

Anonymous GET/HEAD requests to the public, API, harmonisation and wizard pages get a weak `ETag` made of the
release (a hash of the code's templates and translations), the followed change-log position, the date (lifecycles and
publication windows change at midnight) and the language, plus `Last-Modified` (the newest followed change, or midnight
if later), `Cache-Control: public, max-age=0, must-revalidate` and `Vary: Cookie`. A matching `If-None-Match` (or a
recent enough `If-Modified-Since`) is answered with 304 before the view runs. The language is part of the URL (`/en/`),
so a proxy keys it by URL; it is in the ETag too. Logged-in users, requests with a session (a flash message, a form's
CSRF token), with an `Authorization` header, and everything under /beheer get `private, no-store` and no validators.

`page_cache` keeps the rendered anonymous responses per URL and validator (a page is rendered once per position, date,
language and URL; ≤ 512 entries of ≤ 2 MB, ≤ 48 MB in all). `position_cache` keeps computed results (the harmonisation
matrices) per position: a page reflects an edit on the first request after the follower has applied it.

Most pages are not kept across positions even when the edit was elsewhere. The exception is the JSON search
(`/api/v1/instruments` without a location, whose coverage is not in the change log): the view hands the answer's reach
to `depends_on` (catalogue/search/reach.py: the instruments it depends on, and why that is exact), and a later position
serves the stored answer, with the new position's validators, when none of the instruments applied since
(catalogue/search/journal.py) is in that reach before or after and the check's other inputs are the same (for an answer
ranked by BM25F: the live statistics its scores used, catalogue/search/scoring.py). A BM25F ranking that ran out of
time, answers with an unknown word ("Bedoelde u ...?"), a prefix or `modified_after`, the HTML pages (which also show
what the change log does not hold) and the wizard stay keyed by position.

Recorded pages (the search list, the wizard result: `recorded_endpoints`, catalogue/web/analytics.py) still count when
the cache answers them: `recorded_cache` keeps what the view recorded per validator and URL and records it again on a
304 or a stored page; when this process does not know it (the page was rendered on another node), the view runs and
the answer is still a 304.
"""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from datetime import date, datetime, time, timezone
from importlib import metadata

from flask import Flask, current_app, g, request, session

from ..i18n import current_language
from ..lru import ByteLRU
from ..memsize import deep_size

CACHEABLE = ("public", "api", "harmonisation", "wizard", "embed")  # not exports: large ones become background jobs


def _release() -> str:
    from ..config import ROOT

    digest = hashlib.sha1()
    try:
        digest.update(metadata.version("instrumentengids").encode())
    except metadata.PackageNotFoundError:
        pass
    for folder in ("templates", "catalogue/translations"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_file() and path.suffix in (".html", ".mo", ".txt", ".svg", ".xml"):
                digest.update(path.name.encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def followed_position() -> int | None:
    """The change-log position whose changes this process's index and tables reflect (None: not loaded yet)."""
    from .. import get_db

    engine = current_app.extensions["catalogue_search"]
    follower = engine.follower
    if follower is not None and follower.in_requests:
        engine.sync(get_db())
    return follower.position if follower is not None else None


def _anonymous() -> bool:
    if "Authorization" in request.headers:
        return False
    if not request.cookies:
        return True  # no session, no remember-me cookie: nobody is logged in
    if session:
        return False
    from flask_login import current_user

    return not current_user.is_authenticated


# Answers that do not follow the search change-log position: the public change feed and `modified_after` lists
# depend on what the feed's recorder has written (catalogue/changes/), which moves after that position.
UNCACHED_ENDPOINTS = {"api.changes"}
UNCACHED_PARAMETERS = {"modified_after"}


def _cacheable_request() -> bool:
    return (request.method in ("GET", "HEAD") and request.blueprint in CACHEABLE
            and request.endpoint not in UNCACHED_ENDPOINTS and not UNCACHED_PARAMETERS & set(request.args)
            and not request.path.startswith("/beheer") and _anonymous())


def _validators(position: int) -> tuple[str, datetime | None]:
    today = date.today()
    tag = f"{current_app.extensions['catalogue_release']}.{position}.{today.isoformat()}.{current_language()}"
    follower = current_app.extensions["catalogue_search"].follower
    midnight = datetime.combine(today, time.min).astimezone(timezone.utc)
    changed = follower.last_change if follower is not None else None
    if changed is not None and changed.tzinfo is None:
        changed = changed.replace(tzinfo=timezone.utc)
    modified = max(changed, midnight) if changed is not None else midnight
    return tag, modified.replace(microsecond=0)


def init_http_cache(app: Flask) -> None:
    app.extensions["catalogue_release"] = _release()

    @app.before_request
    def _revalidate():
        if not _cacheable_request():
            return None
        position = followed_position()
        if position is None:
            return None
        serial = app.extensions["catalogue_search"].journal.serial  # before anything is computed (search/journal.py)
        tag, modified = _validators(position)
        g.http_validators = (tag, modified)
        g.http_followed = (serial, position)
        fresh = False
        if request.if_none_match:
            fresh = request.if_none_match.contains_weak(tag)
        elif request.if_modified_since is not None:
            since = request.if_modified_since
            fresh = since.replace(tzinfo=since.tzinfo or timezone.utc) >= modified
        recorded = request.endpoint in app.extensions.get("recorded_endpoints", ())
        if fresh:
            if recorded:  # a search answered with 304 still counts: record what this URL recorded when rendered
                known, values = recorded_cache.get(tag, request.full_path)
                if not known:  # rendered elsewhere (another node) or forgotten: run the view, then answer 304
                    g.http_conditional = True
                    return None
                app.extensions["record_again"](values)
            response = app.response_class(status=304)
            _public_headers(response, tag, modified)
            return response
        stored = page_cache.get(tag, request.full_path, _still_valid) if _page_cache_on() else None
        if stored is not None and recorded:
            known, values = recorded_cache.get(tag, request.full_path)
            if known:
                app.extensions["record_again"](values)
            else:
                stored = None
        if stored is not None:  # the same anonymous page at the same position: no view, no template
            body, mimetype = stored
            response = app.response_class(body, mimetype=mimetype)
            g.http_validators = None
            _public_headers(response, tag, modified)
            return response
        return None

    @app.after_request
    def _headers(response):
        validators = g.pop("http_validators", None)
        if validators is None or response.status_code != 200 or session.modified or not _anonymous():
            if validators is not None:
                response.headers["Cache-Control"] = "private, no-store"
                response.headers.setdefault("Vary", "Cookie")
            return response
        _public_headers(response, *validators)
        if request.endpoint in current_app.extensions.get("recorded_endpoints", ()):
            recorded_cache.put(validators[0], request.full_path, g.get("search_event"))
        if request.method == "GET" and not response.is_streamed and not response.direct_passthrough \
                and _page_cache_on():
            reach = g.pop("cache_reach", None)
            page_cache.put(validators[0], request.full_path, response.get_data(), response.mimetype,
                           None if reach is None else (reach, *g.http_followed))
        if g.pop("http_conditional", False):
            response.make_conditional(request)  # the view ran only to record the search: the client still gets 304
        return response


def depends_on(reach) -> None:
    """The view's answer is a search answer with this reach (search/reach.py; None: keyed by position only): the
    page cache may serve it again at a later position when none of the instruments changed since is in it."""
    g.cache_reach = reach


def _still_valid(depends):
    """The page stored with `depends` (reach, journal serial, position) is right at this request's position too: the
    renewed `depends`, or None."""
    reach, serial, position = depends
    engine = current_app.extensions["catalogue_search"]
    now_serial, now_position = g.http_followed
    if position > now_position:
        return None
    found = engine.journal.changes(serial, position)
    renewed = None if found is None else engine.unaffected(reach, *found)
    if renewed is None:
        return None
    return renewed, now_serial, now_position


def _page_cache_on() -> bool:
    """PAGE_CACHE (default on; off when testing, where tests freeze "today" within one change-log position)."""
    return bool(current_app.config.get("PAGE_CACHE", not current_app.testing))


def _public_headers(response, tag: str, modified: datetime | None) -> None:
    response.set_etag(tag, weak=True)
    if modified is not None:
        response.last_modified = modified
    response.headers["Cache-Control"] = "public, max-age=0, must-revalidate"
    response.vary.add("Cookie")


class PositionCache:
    """A small LRU of computed results, keyed by (change-log position, date, key); older positions are dropped as soon
    as a newer one is stored. Thread-safe."""

    def __init__(self, size: int = 128, total_bytes: int = 32 * 2**20):
        # bytes too: a region's matrix is 1.5-3.5 MB at 100,000 instruments, 70 of them (35 regions, 2 languages)
        # held 100+ MB per worker (issue 17 §4); an evicted one is recomputed (< 1.5 s) on a page-cache miss
        self.size, self.total_bytes = size, total_bytes
        self._items = ByteLRU(total_bytes, size, cost=deep_size)
        self._position: int | None = None
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._position = None

    def get_or_compute(self, position: int | None, key, compute):
        if position is None:
            return compute()
        full = (position, date.today(), key)
        with self._lock:
            if full in self._items:
                self.hits += 1
                return self._items.get(full)
        value = compute()  # outside the lock: two requests may compute the same result once each
        size = deep_size(value)
        with self._lock:
            self.misses += 1
            if self._position is None or position > self._position:
                self._items.drop_where(lambda k: k[0] < position)
                self._position = position
            if position >= (self._position or 0):
                self._items.put(full, value, size)  # not kept when it alone is over the byte bound
        return value


position_cache = PositionCache()


class PageCache:
    """Rendered anonymous responses (body and type) per URL and validator without the position, LRU, at most `size`
    entries, bodies of at most `max_bytes` and `total_bytes` in all (a region's harmonisation page is nearly 1 MB at
    100,000 instruments): a public page is rendered once per change-log position, date, language and URL, and a
    search answer stored with what it depends on (`put(..., depends)`) is served at a later position when `check`
    (given to `get`) renews it; `carried` counts those."""

    def __init__(self, size: int = 512, max_bytes: int = 2 * 2**20, total_bytes: int = 48 * 2**20):
        self.size, self.max_bytes, self.total_bytes = size, max_bytes, total_bytes
        self._items = ByteLRU(total_bytes, size, cost=self._cost)
        self._lock = threading.Lock()
        self.carried = 0

    @staticmethod
    def _cost(item) -> int:
        depends = item[3]
        return len(item[1]) + (depends[0].nbytes if depends is not None else 0)

    @staticmethod
    def _key(tag: str, url: str):
        parts = tag.split(".")  # release.position.date.language: one entry per URL whatever the position
        return (".".join(parts[:1] + parts[2:]) if len(parts) == 4 else tag), url

    @property
    def _bytes(self) -> int:
        return self._items.nbytes

    def get(self, tag: str, url: str, check=None):
        key = self._key(tag, url)
        with self._lock:
            item = self._items.get(key)
        if item is None:
            return None
        stored_tag, body, mimetype, depends = item
        if stored_tag == tag:
            return body, mimetype
        renewed = check(depends) if depends is not None and check is not None else None
        if renewed is None:
            return None
        with self._lock:
            if self._items.get(key) is item:
                self._items.put(key, (tag, body, mimetype, renewed))
            self.carried += 1
        return body, mimetype

    def put(self, tag: str, url: str, body: bytes, mimetype: str, depends=None) -> None:
        if len(body) > self.max_bytes:
            return
        with self._lock:
            self._items.put(self._key(tag, url), (tag, body, mimetype, depends))

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


page_cache = PageCache()


class RowCache:
    """The JSON search's items (an instrument's InstrumentOutSchema dump, and its snippet per set of highlighted
    terms), per instrument, language and date: a search answer computed again after an edit loads and dumps only the
    rows it does not have (~60 % of its work at 100,000 instruments). An item is used while the journal
    (catalogue/search/journal.py) shows no change of that instrument since it was stored, like a carried answer."""

    def __init__(self, size: int = 4096):
        # about 2 kB a row and 0.5 kB a snippet (deep_size per row cost ~10 % of a computed answer)
        self._items = ByteLRU(16 * 2**20, size, cost=lambda entry: 2048 + 512 * len(entry[2]))
        self._lock = threading.Lock()
        self.hits = 0

    def for_request(self, language: str, with_snippets: bool) -> "_Rows | None":
        followed = g.get("http_followed")
        if followed is None or not _page_cache_on():
            return None
        return _Rows(self, current_app.extensions["catalogue_search"].journal, language, with_snippets, followed)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


class _Rows:
    """One request's view of the row cache."""

    def __init__(self, cache: RowCache, journal, language: str, with_snippets: bool, followed):
        self.cache, self.journal, self.with_snippets, self.followed = cache, journal, with_snippets, followed
        self.day = (language, date.today())
        self.terms = None
        self.found: dict[int, dict] = {}

    def have(self, ids, terms) -> set[int]:
        self.terms = terms
        for iid in ids:
            with self.cache._lock:
                entry = self.cache._items.get((iid, self.day))
            if entry is None:
                continue
            stamp, dump, snippets = entry
            changed = self.journal.since(*stamp)  # answered once per stamp and round (the journal keeps its answers)
            if changed is None or iid in changed or (self.with_snippets and terms not in snippets):
                continue
            self.found[iid] = {**dump, "snippet": snippets[terms]} if self.with_snippets else dict(dump)
        self.cache.hits += len(self.found)
        return set(self.found)

    def get(self, iid: int) -> dict | None:
        return self.found.get(iid)

    def put(self, iid: int, dumped: dict) -> None:
        """Stores a row loaded now; another snippet of a row that is still valid is added to it."""
        dump = {k: v for k, v in dumped.items() if k != "snippet"}
        with self.cache._lock:
            entry = self.cache._items.get((iid, self.day))
        stamp, snippets = self.followed, {}
        if entry is not None and entry[1] == dump:
            changed = self.journal.since(*entry[0])
            if changed is not None and iid not in changed:
                stamp, snippets = entry[0], dict(entry[2])
        if self.with_snippets:
            snippets[self.terms] = dumped.get("snippet")
        with self.cache._lock:
            self.cache._items.put((iid, self.day), (stamp, dump, snippets))


row_cache = RowCache()


class RecordedCache:
    """What a recorded page (search list, wizard result) recorded when it was rendered, per validator and URL (None:
    it records nothing, e.g. page 2), so a 304 or a stored page records the same event without running the view."""

    def __init__(self, size: int = 4096):
        self.size = size
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, tag: str, url: str) -> tuple[bool, dict | None]:
        with self._lock:
            if (tag, url) not in self._items:
                return False, None
            self._items.move_to_end((tag, url))
            return True, self._items[(tag, url)]

    def put(self, tag: str, url: str, values: dict | None) -> None:
        with self._lock:
            self._items[(tag, url)] = values
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


recorded_cache = RecordedCache()


def cached(key, compute):
    """`compute()` once per followed change-log position, date and key (the position is read before computing, so a
    result is never filed under a newer position than the data it was computed from)."""
    return position_cache.get_or_compute(followed_position(), key, compute)
