"""Writing the rows that passed their check (`checking.Planned`) through the editing service (`editing.Editor`), in
batches of BATCH_ROWS rows that are committed one by one, so that a large import never holds the write lock for long
and other editors can save in between. When the editing service refuses a row now (someone changed the instrument or
took the slug after the check), that row's batch is rolled back and the import stops: the batches before it stay
saved and the result says how many rows were; importing the file again goes on from there (saved rows are then
"unchanged"). No Flask."""
from __future__ import annotations

from typing import Callable

from sqlalchemy.orm import Session

from ..editing import Editor, InvalidInput, NotAllowed, VersionConflict
from ..seed import SeedError
from .checking import Planned, editor_refusal

BATCH_ROWS = 100


def write_planned(session: Session, editor: Editor, planned: list[Planned], commit: Callable[[], None],
                  progress: Callable[[int], None] | None = None) -> int:
    """Writes the planned rows in batches, calling `commit()` after each; returns how many rows were saved."""
    saved = 0
    for start in range(0, len(planned), BATCH_ROWS):
        batch = planned[start:start + BATCH_ROWS]
        for done, item in enumerate(batch, start=1):
            if not _write(session, editor, item):
                session.rollback()
                return saved
            if progress is not None:
                progress(saved + done)
        commit()
        saved += len(batch)
    return saved


def _write(session: Session, editor: Editor, item: Planned) -> bool:
    row = item.report.result
    try:
        with session.begin_nested():
            if item.instrument is None:
                editor.create(item.record)
                return True
            entry = editor.update(item.instrument, item.record, expected_version=item.version)
    except VersionConflict:
        item.report.error(None, f"'{row.name}' is gewijzigd nadat het bestand werd gecontroleerd; controleer het "
                                "bestand opnieuw")
        return False
    except (InvalidInput, NotAllowed, SeedError) as exc:
        editor_refusal(item.report, exc, item.instrument, item.provider, item.record)
        return False
    row.action = "update" if entry is not None else "unchanged"
    row.changes = sorted(entry.changes) if entry is not None else []
    row.diffs = dict(entry.changes) if entry is not None else {}
    return True
