"""Building an anonymous search event: only the normalised question and its outcome, never who asked."""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timezone

_SPACE = re.compile(r"\s+")


def normalise_query(text: str | None) -> str:
    """Lower case, NFKC, collapsed whitespace, at most 200 characters; control characters dropped."""
    text = unicodedata.normalize("NFKC", text or "")
    text = "".join(ch for ch in text if ch.isprintable())
    return _SPACE.sub(" ", text).strip().lower()[:200]


def codes(values) -> str:
    return ",".join(sorted({str(v) for v in values if v}))[:300]


def tracking_refused(headers) -> bool:
    """`DNT: 1` or `Sec-GPC: 1`: the visitor asked not to be tracked; nothing is recorded."""
    return headers.get("DNT", "").strip() == "1" or headers.get("Sec-GPC", "").strip() == "1"


def event(source: str, query: str | None = "", kinds=(), target_groups=(), municipality_code: str | None = None,
          region_code: str | None = None, result_count: int = 0, ended_count: int = 0, language: str = "nl",
          now: datetime | None = None) -> dict:
    now = now or datetime.now(timezone.utc)
    return {"created_at": now, "month": now.strftime("%Y-%m"), "source": source, "query": normalise_query(query),
            "kinds": codes(kinds), "target_groups": codes(target_groups), "municipality_code": municipality_code,
            "region_code": region_code, "result_count": int(result_count), "ended_count": int(ended_count),
            "language": language[:5]}
