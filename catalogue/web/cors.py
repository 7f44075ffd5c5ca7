"""CORS for the public read API: any website may read /api/… with a cross-origin GET, never with credentials.

An actual GET/HEAD to a public read endpoint and its preflight (OPTIONS with `Access-Control-Request-Method: GET`) get
`Access-Control-Allow-Origin: *` (no `Allow-Credentials`, so browsers send no cookies and expose nothing of a session),
the validators exposed (`ETag`, `Last-Modified`) and the conditional request headers allowed. The write API and every
token-authenticated view (`api_write.WRITE_VIEWS` and `TOKEN_READ_VIEWS`: GET /instruments/<slug>/internal) get no CORS headers at
all, nor does a preflight asking for another method or for `Authorization`, so a browser refuses those cross-origin.
As the answer is the same for every origin, there is no `Vary: Origin`.
"""
from __future__ import annotations

from flask import Flask, request
from werkzeug.exceptions import HTTPException

READ_METHODS = ("GET", "HEAD")
ALLOWED_HEADERS = ("Accept", "Accept-Language", "If-None-Match", "If-Modified-Since")
EXPOSED_HEADERS = ("ETag", "Last-Modified", "X-Request-ID")


def _public_read_view(app: Flask) -> bool:
    """True when GET on this URL is a public read endpoint of the API (whatever method the request itself has)."""
    if not request.path.startswith("/api/"):
        return False
    try:
        endpoint, _args = app.url_map.bind_to_environ(request.environ).match(method="GET")
    except HTTPException:
        return False
    from .api_write import TOKEN_READ_VIEWS, WRITE_VIEWS

    view = app.view_functions.get(endpoint)
    return view is not None and view not in WRITE_VIEWS and view not in TOKEN_READ_VIEWS


def init_cors(app: Flask) -> None:
    @app.after_request
    def _cors(response):
        if request.method == "OPTIONS":
            asked = request.headers.get("Access-Control-Request-Method", "").upper()
            headers = {h.strip().lower() for h in request.headers.get("Access-Control-Request-Headers", "").split(",")
                       if h.strip()}
            if asked not in READ_METHODS or not headers <= {h.lower() for h in ALLOWED_HEADERS} \
                    or not _public_read_view(app):
                return response
            response.headers["Access-Control-Allow-Methods"] = ", ".join(READ_METHODS)
            response.headers["Access-Control-Allow-Headers"] = ", ".join(ALLOWED_HEADERS)
            response.headers["Access-Control-Max-Age"] = "86400"
        elif request.method not in READ_METHODS or not _public_read_view(app):
            return response
        else:
            response.headers["Access-Control-Expose-Headers"] = ", ".join(EXPOSED_HEADERS)
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response
