"""A sliding-window limit per client address, kept in memory (nothing about the address is stored anywhere)."""
from __future__ import annotations

import hashlib
import threading
import time
from collections import deque


class RateLimit:
    def __init__(self, limit: int, window_seconds: float, clock=time.monotonic):
        self.limit, self.window, self.clock = limit, window_seconds, clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, address: str) -> bool:
        """Count one attempt from `address`; False when it is over the limit (the attempt is then refused)."""
        key = hashlib.sha256(address.encode()).hexdigest()[:16]
        now = self.clock()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return False
            hits.append(now)
            if len(self._hits) > 10_000:  # forget idle addresses
                for k in [k for k, v in self._hits.items() if not v or v[-1] <= now - self.window]:
                    del self._hits[k]
            return True

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()
