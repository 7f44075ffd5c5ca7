"""A least-recently-used store bounded in bytes (and optionally in entries): the one eviction rule of the page cache,
the computed-result cache (catalogue/web/http_cache.py), the wizard's card cache (catalogue/web/cards.py) and the
search engine's term bitsets (catalogue/search/bitsets.py). No Flask.

A value is kept with its cost in bytes (given, or `cost(value)`); one that costs more than the whole bound is never
kept (`put` returns False), so eviction never removes the value just stored. Not thread-safe: each user holds its own
lock around it.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Callable, Iterator


class ByteLRU:
    def __init__(self, max_bytes: int, max_entries: int | None = None, cost: Callable[[object], int] = len):
        self.max_bytes, self.max_entries, self._cost = max_bytes, max_entries, cost
        self._items: OrderedDict = OrderedDict()
        self._costs: dict = {}
        self.nbytes = 0

    def get(self, key, default=None):
        """The value (now the most recently used), or `default`."""
        if key not in self._items:
            return default
        self._items.move_to_end(key)
        return self._items[key]

    def put(self, key, value, cost: int | None = None) -> bool:
        """Stores the value (replacing one under the same key) and drops the least recently used until the bounds
        hold; False (and nothing stored or dropped) when the value alone is over the byte bound."""
        cost = self._cost(value) if cost is None else cost
        if cost > self.max_bytes:
            return False
        self.pop(key)
        self._items[key] = value
        self._costs[key] = cost
        self.nbytes += cost
        while self.nbytes > self.max_bytes or (self.max_entries is not None and len(self._items) > self.max_entries):
            self.pop(next(iter(self._items)))
        return True

    def pop(self, key, default=None):
        if key not in self._items:
            return default
        self.nbytes -= self._costs.pop(key)
        return self._items.pop(key)

    def drop_where(self, predicate: Callable[[object], bool]) -> None:
        """Drops every entry whose key satisfies `predicate`."""
        for key in [k for k in self._items if predicate(k)]:
            self.pop(key)

    def clear(self) -> None:
        self._items.clear()
        self._costs.clear()
        self.nbytes = 0

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key) -> bool:
        return key in self._items

    def __iter__(self) -> Iterator:
        return iter(self._items)

    def values(self):
        return self._items.values()

    def items(self):
        """(key, value) pairs, the least recently used first."""
        return self._items.items()
