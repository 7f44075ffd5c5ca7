"""Keeps Python's cyclic garbage collector off the long-lived heap.

A worker holds some 170,000 container objects that live as long as the process (the facet table, the index readers,
ORM metadata, compiled templates, message catalogues). Every full collection walks all of them: at 20,000 instruments
about 100 ms with the GIL held, once every few dozen result pages, in whatever request happens to allocate at that
moment (bench/wizard_bench.py saw such pages at the top of its p95). After the follower has loaded the catalogue,
`settle()` collects once and freezes what survives (gc.freeze: the permanent generation, never scanned), so a full
collection walks only what requests and caches created since.

Frozen objects are still freed by reference counting; only a frozen object that becomes part of garbage *cycles* waits
for the next settle, which first unfreezes (so that garbage is collected) and freezes again. The follower settles after
each full load of the facet table and, while it has nothing to apply, at most every REFREEZE_SECONDS. No Flask.
"""
from __future__ import annotations

import gc
import logging
import threading
import time

REFREEZE_SECONDS = 600.0

log = logging.getLogger(__name__)
_lock = threading.Lock()
_last: float | None = None


def settle() -> float:
    """Collects everything collectable and freezes what survives; returns the seconds it took."""
    global _last
    with _lock:
        started = time.perf_counter()
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        _last = time.monotonic()
        seconds = time.perf_counter() - started
    log.debug("heap settled in %.3f s: %d objects frozen", seconds, gc.get_freeze_count())
    return seconds


def due(interval: float = REFREEZE_SECONDS) -> bool:
    """Whether the last settle is longer ago than `interval` seconds (or there was none)."""
    return _last is None or time.monotonic() - _last > interval
