"""Operations: /healthz (the process is up), /readyz (database reachable and the index followed to within 5 s; 503
otherwise, so a load balancer sends no traffic to a node that is starting, rebuilding or cut off from the database),
/metrics (Prometheus), and per request: a request id (X-Request-ID, taken from the proxy when it sends a sane one),
one JSON log line and the latency histogram."""
from __future__ import annotations

import logging
import random
import re
import time

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request
from sqlalchemy import text

from .. import logs, metrics

bp = Blueprint("ops", __name__)
READY_LAG = 5.0
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
access_log = logging.getLogger("catalogue.access")


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    from .. import get_db

    checks: dict[str, object] = {}
    ready = True
    try:
        get_db().execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # the point of the check
        checks["database"] = f"unreachable: {exc.__class__.__name__}"
        ready = False
    engine = current_app.extensions["catalogue_search"]
    follower = engine.follower
    if ready:
        try:
            engine.sync(get_db())
        except Exception:
            current_app.logger.exception("catching up with the change log failed")
    lag = follower.lag() if follower is not None else None
    checks["index"] = "ok" if engine.ready else "loading"
    checks["follow_lag_seconds"] = None if lag is None else round(lag, 3)
    checks["position"] = follower.cursor if follower is not None else None
    if follower is not None and not follower.in_requests:
        checks["index_writer"] = follower.index_writer()  # "none": edits stop reaching the index (lag then grows)
    if request.args.get("detail") == "index" and engine.ready:
        checks["index_deleted_documents"] = engine.store.deleted()
    if not engine.ready or lag is None or lag > READY_LAG:
        ready = False
    return jsonify(status="ready" if ready else "not ready", checks=checks), 200 if ready else 503


@bp.get("/metrics")
def metrics_view():
    db = current_app.extensions["catalogue_db"]
    return Response(metrics.exposition(db.session_factory), mimetype="text/plain; version=0.0.4")


def init_ops(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.before_request
    def _start():
        g.started = time.perf_counter()
        incoming = request.headers.get("X-Request-ID", "")
        # not a secret: the random module (reseeded in every forked worker) instead of a urandom syscall per request
        g.request_id = incoming if _REQUEST_ID.match(incoming) else f"{random.getrandbits(128):032x}"
        g.request_id_token = logs.request_id.set(g.request_id)

    @app.after_request
    def _finish(response):
        started = g.get("started")
        if started is None:
            return response
        seconds = time.perf_counter() - started
        response.headers["X-Request-ID"] = g.request_id
        endpoint = request.endpoint or "unmatched"
        if endpoint != "ops.metrics_view":
            metrics.REQUEST_SECONDS.labels(endpoint, request.method, str(response.status_code)).observe(seconds)
        access_log.info("%s %s %s", request.method, request.full_path.rstrip("?"), response.status_code, extra={
            "method": request.method, "path": request.full_path.rstrip("?"), "status": response.status_code,
            "duration_ms": round(seconds * 1000, 1), "endpoint": endpoint,
            "remote": request.remote_addr})
        return response

    @app.teardown_request
    def _forget(exc):
        token = g.pop("request_id_token", None)
        if token is not None:
            logs.request_id.reset(token)
