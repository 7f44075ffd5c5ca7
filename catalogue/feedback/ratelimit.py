"""A sliding-window limit per client address, kept in the database (`rate_limit_hit`), so it holds across worker
processes and nodes. Only a keyed hash of the address is stored, and only for the length of the window."""
from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from ..models import RateLimitHit


class RateLimit:
    def __init__(self, bucket: str, limit: int, window_seconds: float, secret: str = "", clock=None):
        self.bucket, self.limit, self.window = bucket, limit, timedelta(seconds=window_seconds)
        self.secret = secret.encode()
        self.clock = clock or (lambda: datetime.now(timezone.utc))

    def key(self, address: str) -> str:
        return hmac.new(self.secret, f"{self.bucket}:{address}".encode(), hashlib.sha256).hexdigest()

    def hit(self, session: Session, address: str) -> bool:
        """Count one attempt from `address`; False when it is over the limit (the attempt is then refused and not
        counted). Written in the caller's transaction: commit it whatever the outcome of the request, so a refused
        form still counts its allowed attempts."""
        key, now = self.key(address), self.clock()
        if session.bind.dialect.name == "postgresql":  # two processes must not both see "19" and both go on
            session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": key})
        # SQLite: form posts take the database's write lock up front (BEGIN IMMEDIATE), which serialises this
        session.execute(delete(RateLimitHit).where(RateLimitHit.bucket == self.bucket, RateLimitHit.key == key,
                                                   RateLimitHit.created_at <= now - self.window))
        hits = session.scalar(select(func.count()).select_from(RateLimitHit).where(
            RateLimitHit.bucket == self.bucket, RateLimitHit.key == key, RateLimitHit.created_at > now - self.window))
        if hits >= self.limit:
            return False
        session.add(RateLimitHit(bucket=self.bucket, key=key, created_at=now))
        session.flush()
        return True

    def reset(self, session: Session) -> None:
        session.execute(delete(RateLimitHit).where(RateLimitHit.bucket == self.bucket))


def prune(session: Session, older_than: timedelta = timedelta(days=1)) -> int:
    """Forget hits of addresses that went quiet (each hit already deletes its own address's old rows)."""
    result = session.execute(delete(RateLimitHit).where(
        RateLimitHit.created_at < datetime.now(timezone.utc) - older_than))
    return result.rowcount or 0
