"""What this process has applied since a point in time: the instruments a cached answer must be checked against. No Flask.

The follower records every round that changed something (`record`): the instruments it applied and the newest change-log
id among the round's entries. A round that was not only instrument edits (a renamed provider, kind, term, region or
gemeente: names every answer may show), a reload of the facet table (start, a gap, the day rolling over), an index swap
and a test's rewind (`restart`) record `reset`: nothing computed before it may be served again.

`since(serial, position)` answers "which instruments may differ between an answer computed after round `serial` at
change-log `position` and now": the rounds after `serial` (what was applied since, including PostgreSQL's late
commits below the position) and the rounds holding entries after `position` (applied to the facet table earlier but
possibly not in the index the answer was searched in: a process that does not write the index shows a change when the
writer has stored it). None when that cannot be told: a reset since, more than `limit` instruments, or rounds that are no
longer kept. Both numbers must be read before the answer is computed. `changes` also tells which of them changed their
facet table row in one of those rounds (their facet values, location or public membership), so that reach.py can keep
an answer that an instrument in it stayed in unchanged.
"""
from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass

KEEP = 256  # rounds remembered
LIMIT = 256  # instruments: beyond this a cached answer is computed again rather than checked


@dataclass(frozen=True)
class Round:
    serial: int
    ids: frozenset[int] | None  # None: a reset
    newest: int  # the newest change-log id of the round's entries (0 for a reset)
    moved: frozenset[int] = frozenset()  # of `ids`, those whose facet table row changed (FacetTable.moved)


class ChangeJournal:
    def __init__(self, keep: int = KEEP):
        self._rounds: deque[Round] = deque(maxlen=keep)
        self._lock = threading.Lock()
        self.serial = 0  # the last round recorded
        self._forgotten_serial = 0  # the newest serial that is no longer kept
        self._forgotten_newest = 0  # the newest change-log id among rounds no longer kept
        # since()'s answers until the next round: rows and answers stored at the same position ask the same question
        # (a page of 20 rows stored at 20 positions walked the 256 rounds 20 times per request)
        self._answers: dict[tuple[int, int, int], frozenset[int] | None] = {}

    def record(self, ids, newest: int, plain: bool = True, moved=None) -> None:
        """A round applied `ids` (entries up to change-log id `newest`); `plain`: only instrument edits; `moved`: those
        of them whose facet values, location or public membership changed (None: any of them may have)."""
        ids = frozenset(ids)
        self._add(ids if plain else None, newest, ids if moved is None else frozenset(moved) & ids)

    def reset(self) -> None:
        self._add(None, 0)

    def restart(self) -> None:
        """The change-log position went back (a test's rolled-back transaction, see Follower.rewind): the rounds kept
        name positions that will be handed out again, so they are dropped; nothing before is valid."""
        with self._lock:
            self._rounds.clear()
            self._answers.clear()
            self._forgotten_serial, self._forgotten_newest = self.serial, 0
        self.reset()

    def _add(self, ids, newest: int, moved: frozenset[int] = frozenset()) -> None:
        with self._lock:
            if len(self._rounds) == self._rounds.maxlen:
                old = self._rounds[0]
                self._forgotten_serial = old.serial
                self._forgotten_newest = max(self._forgotten_newest, old.newest)
            self.serial += 1
            self._rounds.append(Round(self.serial, ids, newest, moved))
            self._answers.clear()

    def since(self, serial: int, position: int, limit: int = LIMIT) -> frozenset[int] | None:
        found = self.changes(serial, position, limit)
        return None if found is None else found[0]

    def changes(self, serial: int, position: int, limit: int = LIMIT) -> tuple[frozenset[int], frozenset[int]] | None:
        """(`since`'s instruments, those of them whose facet table row changed in one of those rounds), or None."""
        with self._lock:
            key = (serial, position, limit)
            if key not in self._answers:
                if len(self._answers) > 4 * KEEP:
                    self._answers.clear()
                self._answers[key] = self._changes(serial, position, limit)
            return self._answers[key]

    def _changes(self, serial: int, position: int, limit: int) -> tuple[frozenset[int], frozenset[int]] | None:
        if serial < self._forgotten_serial or position < self._forgotten_newest:
            return None
        changed: set[int] = set()
        moved: set[int] = set()
        for entry in self._rounds:
            if entry.serial > serial or entry.newest > position:
                if entry.ids is None:
                    return None
                changed |= entry.ids
                moved |= entry.moved
                if len(changed) > limit:
                    return None
        return frozenset(changed), frozenset(moved)
