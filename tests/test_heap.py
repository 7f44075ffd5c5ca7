"""catalogue/heap.py: the loaded catalogue frozen out of full gc passes, and frozen cyclic garbage still collected."""
import gc
import weakref

import pytest

from catalogue import heap


class Node:
    def __init__(self):
        self.other = None


@pytest.fixture
def unfrozen():
    yield
    gc.unfreeze()


def _cycle():
    a, b = Node(), Node()
    a.other, b.other = b, a
    return a


def test_settle_freezes_what_lives_and_a_full_collection_skips_it(unfrozen):
    kept = [_cycle() for _ in range(1000)]
    heap.settle()
    assert gc.get_freeze_count() >= 2000
    tracked = {id(o) for o in gc.get_objects()}
    assert id(kept[0]) not in tracked and id(kept[0].other) not in tracked  # not walked by a full collection
    assert not heap.due(60.0) and heap.due(-1.0)


def test_frozen_cycles_that_become_garbage_are_collected_by_the_next_settle(unfrozen):
    item = _cycle()
    ref = weakref.ref(item)
    heap.settle()
    del item
    gc.collect()
    assert ref() is not None  # frozen: a collection does not look at it
    heap.settle()
    assert ref() is None


def test_only_a_follower_in_its_own_thread_settles(tmp_path):
    from catalogue import create_app

    testing = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/a.sqlite", "SECRET_KEY": "x",
                          "INDEX_DIR": str(tmp_path / "a")})
    threaded = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/b.sqlite", "SECRET_KEY": "x",
                           "INDEX_DIR": str(tmp_path / "b"), "SEARCH_FOLLOW": "thread"})
    assert testing.extensions["catalogue_search"].follower.settle_heap is False
    assert threaded.extensions["catalogue_search"].follower.settle_heap is True
