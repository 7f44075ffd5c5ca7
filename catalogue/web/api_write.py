"""Write API under /api/v1: token-authenticated create, update, publish, delete and restore of instruments, and editing of
region pages. The same schemas (InstrumentInputSchema, RegionInputSchema) and the same authorisation (`auth.can`) as the
pages, through `editing.Editor`.

Authorization: Bearer <token> (tokens: `catalogue users token EMAIL`). Session cookies are not accepted here, so these
views are exempt from CSRF protection. Errors are JSON: 400 (with per-field messages), 401, 403, 404, 409 (with both
versions), 428 (PUT, PATCH or DELETE without `version` or `If-Match`; a region page's version is its fingerprint).

Internal data (internal notes, status, publication window, version) is only ever returned to a user who passes
`can(user, "view_internal", instrument)`: every view goes through `_instrument()`, which answers 404 for an instrument
the user may not see at all (a draft, a deleted one) and 403 for a public one whose internal side is not theirs.
"""
from __future__ import annotations

from flask import g, jsonify, request, url_for
from sqlalchemy import select

from .. import get_db
from ..auth import can, user_for_api_token
from ..editing import (Editor, InvalidInput, NotAllowed, NotFound, RegionConflict, VersionConflict,
                       region_fingerprint, region_snapshot, snapshot)
from ..models import Instrument, Region
from .api import bp
from .forms import flatten_errors


class _ApiError(Exception):
    def __init__(self, status: int, body: dict, headers: dict | None = None):
        self.status, self.body, self.headers = status, body, headers or {}


@bp.errorhandler(_ApiError)
def _api_error(exc: _ApiError):
    get_db().rollback()
    response = jsonify(exc.body)
    response.status_code = exc.status
    response.headers.update(exc.headers)
    return response


def _token_user():
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    db = get_db()
    user = user_for_api_token(db, token.strip()) if scheme.lower() == "bearer" else None
    if db.dirty:  # the token's last use (recorded at most once a minute), in its own short transaction
        db.commit()
    if user is None:
        raise _ApiError(401, {"error": "Niet geauthenticeerd: gebruik 'Authorization: Bearer <token>'."},
                        {"WWW-Authenticate": 'Bearer realm="instrumentengids"'})
    g.api_user = user
    return user


def _body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise _ApiError(400, {"error": "Verwacht een JSON-object als body (Content-Type: application/json)."})
    return data


def _instrument(slug: str, user, action: str | None = None) -> Instrument:
    """The instrument, when the user may read its internal side (and do `action` on it); else 404 or 403."""
    item = get_db().scalar(select(Instrument).where(Instrument.slug == slug))
    if item is None or not (item.is_public() or can(user, "view_internal", item)):
        # Drafts and deleted instruments the token's user may not read do not exist for them.
        raise _ApiError(404, {"error": f"Geen instrument '{slug[:80]}'."})
    if not can(user, "view_internal", item) or (action is not None and not can(user, action, item)):
        raise _ApiError(403, {"error": "Geen toestemming voor dit instrument."})
    return item


AMOUNT_FIELDS = ("amount_value", "amount_max_per_year", "amount_max_total")


def _numbers(data: dict) -> dict:
    """A snapshot is JSON-safe for storage (amounts as exact strings); the API sends numbers, as documented."""
    data = dict(data)
    for key in AMOUNT_FIELDS:
        if data.get(key) is not None:
            data[key] = float(data[key])
    if data.get("parameter_values"):  # dated amounts
        data["parameter_values"] = [{**pv, "value": float(pv["value"])} if pv.get("value") is not None else pv
                                    for pv in data["parameter_values"]]
    return data


def _state(item: Instrument) -> dict:
    return {"instrument": _numbers(snapshot(item)), "version": item.version,
            "deleted": item.deleted_at is not None, "public": item.is_public(),
            "url": url_for("public.instrument", slug=item.slug, _external=True)}


def _state_response(item: Instrument, status: int = 200):
    response = jsonify(_state(item))
    response.status_code = status
    response.headers["ETag"] = f'"{item.version}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _run(action):
    """Runs an editing action and maps the domain errors onto HTTP."""
    db = get_db()
    try:
        result = action()
    except InvalidInput as exc:
        raise _ApiError(400, {"error": "Ongeldige invoer.", "fields": flatten_errors(exc.messages)}) from exc
    except NotAllowed as exc:
        raise _ApiError(403, {"error": "Geen toestemming voor deze handeling."}) from exc
    except NotFound as exc:
        raise _ApiError(404, {"error": "Niet gevonden."}) from exc
    except VersionConflict as exc:
        raise _ApiError(409, {"error": "Iemand anders heeft dit instrument intussen gewijzigd.",
                              "current": {"instrument": _numbers(exc.current), "version": exc.current_version},
                              "submitted": exc.submitted}) from exc
    except RegionConflict as exc:
        raise _ApiError(409, {"error": "Iemand anders heeft deze regiopagina intussen gewijzigd.",
                              "current": {"region": exc.current, "version": region_fingerprint(exc.region)},
                              "submitted": exc.submitted}) from exc
    db.commit()
    return result


def _if_match() -> str | None:
    """The version in an If-Match header: "3", W/"3" or 3; '*' names no version."""
    value = request.headers.get("If-Match", "").strip()
    if value.startswith("W/"):
        value = value[2:]
    value = value.strip().strip('"').strip()
    return None if value in ("", "*") else value


def _required_version(version, what: str = "het instrument"):
    """PUT, PATCH and DELETE must say which version they change; without it a write could silently overwrite."""
    if version is None or version == "":
        version = _if_match()
    if version is None:
        raise _ApiError(428, {"error": "Stuur de versie die u bewerkte mee: 'version' in de body (DELETE: "
                                       "?version=) of de header 'If-Match: \"<versie>\"'. Zonder versie kunnen we "
                                       f"niet controleren of iemand anders {what} intussen wijzigde.",
                              "parameter": "version"})
    return version


@bp.post("/instruments")
def create_instrument():
    user = _token_user()
    data = _body()
    data.pop("version", None)
    item = _run(lambda: Editor(get_db(), user, via="api").create(data))
    response = _state_response(item, 201)
    response.headers["Location"] = url_for("api.instrument_internal", slug=item.slug, _external=True)
    return response


@bp.get("/instruments/<slug>/internal")
def instrument_internal(slug: str):
    """The full instrument, internal notes, status and version included, for those who may read them."""
    user = _token_user()
    return _state_response(_instrument(slug, user))


def _update(slug: str, partial: bool):
    user = _token_user()
    data = _body()
    item = _instrument(slug, user, "edit")
    if item.deleted_at is not None:
        raise _ApiError(404, {"error": f"Instrument '{slug[:80]}' is verwijderd; zet het eerst terug."})
    version = _required_version(data.pop("version", None))
    _run(lambda: Editor(get_db(), user, via="api").update(item, data, expected_version=version, partial=partial))
    return _state_response(item)


@bp.put("/instruments/<slug>")
def replace_instrument(slug: str):
    return _update(slug, partial=False)


@bp.patch("/instruments/<slug>")
def patch_instrument(slug: str):
    return _update(slug, partial=True)


@bp.delete("/instruments/<slug>")
def delete_instrument(slug: str):
    user = _token_user()
    item = _instrument(slug, user, "delete")
    version = _required_version(request.args.get("version"))
    _run(lambda: Editor(get_db(), user, via="api").delete(item, expected_version=version))
    return _state_response(item)


def _simple(slug: str, method: str):
    user = _token_user()
    item = _instrument(slug, user, "restore" if method == "restore" else "publish")
    data = request.get_json(silent=True) or {}
    version = (data.get("version") if isinstance(data, dict) else None) or _if_match()
    editor = Editor(get_db(), user, via="api")
    if method == "restore":
        _run(lambda: editor.restore(item))
    else:
        _run(lambda: getattr(editor, method)(item, expected_version=version))
    return _state_response(item)


@bp.post("/instruments/<slug>/publish")
def publish_instrument(slug: str):
    return _simple(slug, "publish")


@bp.post("/instruments/<slug>/unpublish")
def unpublish_instrument(slug: str):
    return _simple(slug, "unpublish")


@bp.post("/instruments/<slug>/restore")
def restore_instrument(slug: str):
    return _simple(slug, "restore")


def _region_response(region: Region):
    version = region_fingerprint(region)
    response = jsonify({"region": region_snapshot(region), "version": version})
    response.headers["ETag"] = f'"{version}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.patch("/regions/<code>")
def patch_region(code: str):
    """A region page's version is its fingerprint (the `version` of GET /api/v1/regions/<code>, the ETag here)."""
    user = _token_user()
    data = _body()
    region = get_db().scalar(select(Region).where(Region.code == code.upper()).with_for_update())
    if region is None:
        raise _ApiError(404, {"error": f"Geen arbeidsmarktregio '{code[:20]}'."})
    if not can(user, "edit_region", region):
        raise _ApiError(403, {"error": "Geen toestemming voor deze regiopagina."})
    version = _required_version(data.pop("version", None), "de regiopagina")
    if not isinstance(version, str):
        raise _ApiError(400, {"error": "Ongeldige invoer.", "fields": {"version": [
            "De versie van een regiopagina is een tekst (de 'version' van GET /api/v1/regions/<code>)."]}})
    full = {**region_snapshot(region), **data}
    _run(lambda: Editor(get_db(), user, via="api").update_region(region, full, expected_fingerprint=version))
    return _region_response(region)


WRITE_VIEWS = [create_instrument, replace_instrument, patch_instrument, delete_instrument, publish_instrument,
               unpublish_instrument, restore_instrument, patch_region]
TOKEN_READ_VIEWS = [instrument_internal]  # token-authenticated GETs: no CORS allowance (web/cors.py), like WRITE_VIEWS
