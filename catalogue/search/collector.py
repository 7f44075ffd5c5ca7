"""The top-N collector of the BM25F ranking over a set of allowed documents. No Flask."""
from __future__ import annotations

import time

from whoosh import collectors
from whoosh.collectors import TimeLimit


class TopCollector(collectors.TopCollector):
    """Top-N by score over the allowed documents only, giving up (keeping what it has) at the deadline.

    (whoosh's FilterCollector inside a TimeLimitCollector is bypassed by the latter's loop, hence this.)
    """

    def __init__(self, limit: int, allowed: set[int], deadline: float):
        super().__init__(limit, usequality=False)
        self._sorted = sorted(allowed)
        self._deadline = deadline

    def collect_matches(self):
        # score only the allowed documents: skip the matcher to each of them (block skipping, not a full walk)
        matcher = self.matcher
        offset = self.offset
        for n, docnum in enumerate(self._sorted):
            sub_docnum = docnum - offset
            if sub_docnum < 0:
                continue
            if not matcher.is_active():
                break
            if matcher.id() < sub_docnum:
                matcher.skip_to(sub_docnum)
                if not matcher.is_active():
                    break
            if matcher.id() == sub_docnum:
                self.collect(sub_docnum)
            if n & 255 == 255 and time.monotonic() > self._deadline:
                raise TimeLimit()
