"""Signing deliveries, and checking a signature as a consumer should. No Flask.

Every POST carries
- `X-Instrumentengids-Timestamp`: Unix time in seconds when it was signed;
- `X-Instrumentengids-Signature`: `sha256=` + hex HMAC-SHA256, keyed with the consumer's secret, over
  `<timestamp>.<body>` (the timestamp, a full stop, the raw request body);
- `Idempotency-Key`: the same for every attempt of one delivery (a replay is a new delivery with a new key).
A consumer recomputes the HMAC over the raw body, compares in constant time and refuses timestamps older than a few
minutes (replayed captures).
"""
from __future__ import annotations

import hashlib
import hmac
import time

TIMESTAMP_HEADER = "X-Instrumentengids-Timestamp"
SIGNATURE_HEADER = "X-Instrumentengids-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"
TOLERANCE_SECONDS = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def headers(secret: str, body: bytes, idempotency_key: str, now: float | None = None) -> dict[str, str]:
    timestamp = int(now if now is not None else time.time())
    return {"Content-Type": "application/json", TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: signature(secret, timestamp, body), IDEMPOTENCY_HEADER: idempotency_key}


def verify(secret: str, timestamp: str, body: bytes, given: str, now: float | None = None,
           tolerance: int = TOLERANCE_SECONDS) -> bool:
    """What a consumer does with a delivery: True when the signature matches and the timestamp is recent."""
    if not timestamp.isdigit() or abs((now if now is not None else time.time()) - int(timestamp)) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, int(timestamp), body), given or "")
