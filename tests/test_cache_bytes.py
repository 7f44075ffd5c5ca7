"""Caches bounded by bytes: `memsize.deep_size` and the computed-result cache's byte budget."""
from __future__ import annotations

from dataclasses import dataclass

from catalogue.memsize import deep_size
from catalogue.web.http_cache import PositionCache


@dataclass
class Cell:
    names: list


def test_deep_size_counts_what_an_object_refers_to_once():
    text = "x" * 10_000
    assert deep_size([text]) >= 10_000
    assert deep_size([text, text]) < 2 * 10_000  # the same string once
    assert deep_size(Cell(["y" * 5_000])) >= 5_000  # an instance's attributes
    assert deep_size({"k": ("z" * 3_000,)}) >= 3_000
    seen: set = set()
    first = deep_size([text], seen)
    assert deep_size([text], seen) < first - 10_000  # shared across calls with `seen`


def test_position_cache_keeps_within_its_byte_budget():
    cache = PositionCache(size=100, total_bytes=50_000)
    computed = []

    def make(n):
        def compute():
            computed.append(n)
            return Cell(["a" * 20_000 + str(n)])
        return compute

    for n in range(5):
        cache.get_or_compute(1, n, make(n))
    assert len(cache._items) == 2  # 20 kB each: only the two most recent fit in 50 kB
    cache.get_or_compute(1, 4, make(4))
    assert computed == [0, 1, 2, 3, 4]  # the newest is kept
    cache.get_or_compute(1, 0, make(0))
    assert computed[-1] == 0  # an evicted one is computed again
    huge = cache.get_or_compute(1, "huge", lambda: "b" * 100_000)
    assert huge == "b" * 100_000 and (1, "huge") not in {k[::2] for k in cache._items}  # too big: returned, not kept
