"""Open instrumentengids: the application factory."""
from __future__ import annotations

from flask import Flask, g, request
from sqlalchemy.exc import DBAPIError

from . import config as config_module
from .db import RETRY_ATTEMPTS, Database, backoff, is_contention, reset_writing, set_writing
from .i18n import LanguagePrefixMiddleware, init_i18n

WRITING_METHODS = ("POST", "PUT", "PATCH", "DELETE")


class CatalogueFlask(Flask):
    """Flask with one addition: a request that lost a race for a database lock (SQLite busy, PostgreSQL serialization
    failure or deadlock) is rolled back and its view run again, with the write lock taken up front, instead of
    answering 500. Requests that write (POST, PUT, PATCH, DELETE) take the write lock up front from the start."""

    def dispatch_request(self):
        for attempt in range(RETRY_ATTEMPTS):
            try:
                return super().dispatch_request()
            except DBAPIError as exc:
                if not is_contention(exc) or attempt == RETRY_ATTEMPTS - 1:
                    raise
                session = g.get("db_session")
                if session is not None:
                    session.rollback()
                if "_writing_token" not in g:
                    g._writing_token = set_writing(True)
                self.logger.info("retrying %s %s after lock contention (%s)", request.method, request.path,
                                 type(exc.orig).__name__)
                backoff(attempt)
        raise AssertionError("unreachable")  # pragma: no cover


def create_app(test_config: dict | None = None) -> Flask:
    app = CatalogueFlask(
        __name__,
        instance_path=str(config_module.INSTANCE_DIR),
        template_folder=str(config_module.ROOT / "templates"),
        static_folder=str(config_module.ROOT / "static"),
    )
    app.config.from_mapping(config_module.from_environment())
    if test_config:
        app.config.update(test_config)

    app.extensions["catalogue_db"] = Database(app.config["DATABASE_URL"])

    @app.before_request
    def _writing_requests_lock_up_front():
        if request.method in WRITING_METHODS:
            g._writing_token = set_writing(True)

    @app.teardown_request
    def _end_writing(_exc):
        token = g.pop("_writing_token", None)
        if token is not None:
            try:
                reset_writing(token)
            except ValueError:  # set in another context (should not happen): end it anyway
                set_writing(False)

    app.wsgi_app = LanguagePrefixMiddleware(app.wsgi_app, prefixes=("en",))
    proxies = config_module.trusted_proxies(app.config.get("TRUSTED_PROXIES"))
    if proxies:  # the client's address and scheme as the trusted proxies saw them (X-Forwarded-For, -Proto)
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=0, x_port=0, x_prefix=0)
    init_i18n(app)
    _init_search(app)

    from .web import api, api_hsds, coverage, dennis, embed, exports, feedback, harmonisation, jobs, public, wizard
    from .web.accounts import init_accounts
    from .web.http_cache import init_http_cache
    from .web.ops import init_ops

    init_ops(app)  # request id, JSON access log, latency histogram, /healthz /readyz /metrics
    init_http_cache(app)  # ETag/Last-Modified from the followed change-log position, 304s
    from .web.cors import init_cors

    init_cors(app)  # cross-origin GETs of the public read API, without credentials
    from .web.analytics import init_analytics

    app.register_blueprint(public.bp)
    app.register_blueprint(api.bp, url_prefix="/api/v1")
    app.register_blueprint(api_hsds.bp, url_prefix="/api/hsds")  # Open Referral HSDS 3.0 (catalogue/hsds/)
    app.register_blueprint(harmonisation.bp)  # harmonisation and comparison pages
    init_accounts(app)  # login, CSRF, /beheer, write API
    app.register_blueprint(wizard.bp)  # employer wizard, /werkgever
    app.register_blueprint(exports.bp)  # exports, import template, /beheer/import
    app.register_blueprint(jobs.bp)  # /taken/<id>: progress and results of background jobs
    app.register_blueprint(coverage.bp)  # /dekking and the coverage template helpers
    app.register_blueprint(dennis.bp)  # /beheer/import/dennis and the review list of parameter proposals
    app.register_blueprint(feedback.bp)  # "Klopt er iets niet?" on instrument, region and gemeente pages
    app.register_blueprint(embed.bp)  # /embed/…: pages for other websites' iframes
    from .web import alerts
    from .web.accounts import csrf

    app.register_blueprint(alerts.bp)  # "Houd mij op de hoogte": /volgen, confirmation and unsubscribe links
    app.register_blueprint(alerts.account_bp, url_prefix="/beheer/account/volgen")  # my subscriptions
    csrf.exempt(alerts.unsubscribe)  # the signed link is the authority (mail programs' one-click POST carries no token)
    init_analytics(app)  # anonymous search events, /beheer/analyse

    @app.teardown_appcontext
    def _close_session(exc):
        session = g.pop("db_session", None)
        if session is not None:
            if exc is not None:
                session.rollback()
            session.close()

    @app.after_request
    def _security_headers(response):
        from .embed.origins import content_security_policy

        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault("Content-Security-Policy", content_security_policy())
        if "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]:
            response.headers.setdefault("X-Frame-Options", "DENY")  # only the embedded pages may be framed (embed.py)
        return response

    return app


def _init_search(app: Flask) -> None:
    """One search engine per app, behind the pages and the API, registered for its database and kept in step with it by
    a change-log follower: a background thread per process (started by the first request, so forked gunicorn workers
    each run their own), or inside requests when testing (SEARCH_FOLLOW = "request"). SEARCH_ROLE (follower.ROLES)
    says whether this process may write the node's index: `catalogue serve` runs workers as "reader" beside one
    `catalogue index follow` process that writes it."""
    from .search import register
    from .search.engine import SearchEngine
    from .search.follower import Follower
    from .search.synonyms import load

    engine = SearchEngine(app.config["INDEX_DIR"], synonyms=load(app.config.get("SYNONYMS_FILE"),
                                                                 app.config.get("SYNONYMS_DIR")))
    db = app.extensions["catalogue_db"]
    mode = app.config.get("SEARCH_FOLLOW") or ("request" if app.testing else "thread")
    follower = Follower(engine, db.session_factory, in_requests=mode == "request",
                        settle_heap=bool(app.config.get("HEAP_SETTLE", mode == "thread")),
                        role=app.config.get("SEARCH_ROLE") or "any", **follow_settings(app))
    app.extensions["catalogue_search"] = engine
    register(app.config["DATABASE_URL"], engine)
    app.before_request(follower.start)


def follow_settings(app: Flask) -> dict:
    """How a follower of this app's database waits for changes: LISTEN/NOTIFY on PostgreSQL, polling (also the fallback
    there) every SEARCH_POLL_INTERVAL seconds; and when the index writer merges the index."""
    db = app.extensions["catalogue_db"]
    postgres = db.engine.dialect.name == "postgresql"
    return dict(
        poll_interval=float(app.config.get("SEARCH_POLL_INTERVAL") or (1.0 if postgres else 0.25)),  # SQLite: no NOTIFY
        optimize_after=float(app.config.get("SEARCH_OPTIMIZE_AFTER") or 60.0),
        listen_conninfo=db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        if postgres else None)


def get_db():
    """The request's database session."""
    from flask import current_app

    if "db_session" not in g:
        g.db_session = current_app.extensions["catalogue_db"].session_factory()
    return g.db_session
