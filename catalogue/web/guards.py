"""One decorator for the management views: a refusal from the domain (catalogue/editing.py, catalogue/accounts/admin.py)
becomes 403 or 404 with nothing written."""
from __future__ import annotations

from functools import wraps

from flask import abort

from .. import get_db
from ..accounts.admin import NotAllowed as AccountNotAllowed
from ..editing import NotAllowed, NotFound


def refusals_as_http(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except (NotAllowed, AccountNotAllowed):
            get_db().rollback()
            abort(403)
        except NotFound:
            get_db().rollback()
            abort(404)
    return wrapper
