"""Keeps the index in step with the database, through SQLAlchemy session events.

after_flush      remembers the instruments that were added, changed or deleted in the flush
after_flush_postexec  turns them into index documents while the transaction is still open (relations can load)
after_commit     writes them to the index of the engine registered for the session's database (see `register`);
                 an instrument that is no longer published (or is soft-deleted or deleted) is removed from it
after_rollback   forgets them

The commit that fires after_commit is the session's outermost one. In the tests every session joins an outer
transaction that is rolled back at the end ("create_savepoint"), so a test's commit updates the index immediately; the
documents it wrote stay in the index after the rollback, which is harmless: the facet table, built from SQL with the
request's session, decides what exists and is public, so a document without a public row is never shown. Tests that edit
text and need a clean index afterwards call `SearchEngine.reconcile()` (see tests/test_search_sync.py).

Changes to related rows (a provider or kind renamed) are picked up by the next `catalogue index rebuild`.
"""
from __future__ import annotations

import logging

from sqlalchemy import event
from sqlalchemy.orm import Session

from ..models import Instrument
from . import engine_for
from .index import document_for, is_indexable

log = logging.getLogger(__name__)
_PENDING = "search_pending"  # session.info key: {"objects": {id(obj): obj}, "deleted": set, "docs": {}, "drop": set}
_installed = False


def _pending(session: Session) -> dict:
    return session.info.setdefault(_PENDING, {"objects": {}, "deleted": set(), "docs": {}, "drop": set()})


def _after_flush(session: Session, flush_context) -> None:
    if engine_for(session) is None:
        return
    pending = None
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Instrument):
            pending = pending or _pending(session)
            pending["objects"][id(obj)] = obj
    for obj in session.deleted:
        if isinstance(obj, Instrument):
            pending = pending or _pending(session)
            pending["objects"].pop(id(obj), None)
            if obj.id is not None:
                pending["deleted"].add(obj.id)


def _after_flush_postexec(session: Session, flush_context) -> None:
    pending = session.info.get(_PENDING)
    if not pending or not pending["objects"]:
        return
    with session.no_autoflush:
        for obj in list(pending["objects"].values()):
            try:
                if obj.id is None:
                    continue
                if is_indexable(obj.status, obj.deleted_at):
                    pending["docs"][obj.id] = document_for(obj)
                    pending["drop"].discard(obj.id)
                else:
                    pending["docs"].pop(obj.id, None)
                    pending["drop"].add(obj.id)
            except Exception:  # never break a flush because of the index
                log.exception("could not prepare the search document of %r", obj)
    pending["objects"].clear()


def _after_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    engine = engine_for(session)
    if engine is None:
        return
    deletes = set(pending["drop"]) | set(pending["deleted"])
    updates = {iid: doc for iid, doc in pending["docs"].items() if iid not in deletes}
    try:
        engine.apply(updates, deletes)
    except Exception:  # the data is committed; the index catches up at the next rebuild/reconcile
        log.exception("could not update the search index after a commit")


def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


def install() -> None:
    """Listens on every Session (idempotent)."""
    global _installed
    if _installed:
        return
    event.listen(Session, "after_flush", _after_flush)
    event.listen(Session, "after_flush_postexec", _after_flush_postexec)
    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_rollback", _after_rollback)
    _installed = True
