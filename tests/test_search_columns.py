"""`Column` (search/columns.py): a changed copy equals the list it models, leaves the original as it was, and shares
the chunks it did not change."""
from __future__ import annotations

import random

import pytest

from catalogue.search.columns import CHUNK, Column


def test_a_column_reads_like_its_list():
    values = [f"n{i}" for i in range(2 * CHUNK + 5)]
    column = Column(values)
    assert len(column) == len(values) and list(column) == values
    assert column[0] == "n0" and column[CHUNK] == f"n{CHUNK}" and column[len(values) - 1] == values[-1]
    with pytest.raises(IndexError):
        column[len(values)]
    with pytest.raises(IndexError):
        column[-1]
    assert list(Column()) == [] and len(Column()) == 0


def test_a_change_copies_one_chunk_and_shares_the_others():
    column = Column(range(3 * CHUNK))
    changed = column.changed({CHUNK + 7: "x"}, 3 * CHUNK, None)
    assert changed[CHUNK + 7] == "x" and column[CHUNK + 7] == CHUNK + 7
    assert changed.chunks[0] is column.chunks[0] and changed.chunks[2] is column.chunks[2]
    assert changed.chunks[1] is not column.chunks[1]


def test_growing_fills_new_entries_and_keeps_the_original_length():
    column = Column(range(CHUNK - 2))
    grown = column.changed({CHUNK + 1: "last"}, CHUNK + 2, "")
    assert len(column) == CHUNK - 2 and list(column) == list(range(CHUNK - 2))
    assert list(grown) == list(range(CHUNK - 2)) + ["", "", "", "last"]
    assert len(grown.chunks) == 2 and len(grown.chunks[0]) == CHUNK
    with pytest.raises(ValueError):
        grown.changed({}, 3, "")
    with pytest.raises(IndexError):
        column.changed({CHUNK + 5: 1}, CHUNK, "")


@pytest.mark.parametrize("seed", range(4))
def test_random_changes_match_a_list_and_never_touch_earlier_columns(seed):
    rng = random.Random(seed)
    model = [rng.random() for _ in range(rng.randrange(0, 3 * CHUNK))]
    column = Column(model)
    history = [(column, list(model))]
    for _ in range(60):
        size = len(model) + rng.choice([0, 0, 1, 3, CHUNK + 1])
        model = model + [-1.0] * (size - len(model))
        changes = {rng.randrange(size): rng.random() for _ in range(rng.randrange(0, 4))} if size else {}
        for o, v in changes.items():
            model[o] = v
        column = column.changed(changes, size, -1.0)
        history.append((column, list(model)))
    for old, expected in history:
        assert list(old) == expected and len(old) == len(expected)
        assert all(len(c) == CHUNK for c in old.chunks[:-1])
