"""Login sessions. A session names its user as '<id>:<session_token>' (`User.get_id`); rotating the token (logout,
password change, deactivation, a second-factor reset) ends every session of that user at once, whatever cookies were
copied. A session also expires after a period without requests (`idle_expired`)."""
from __future__ import annotations

import secrets
import time

from ..models import User

DEFAULT_IDLE_HOURS = 8.0
SEEN_RESOLUTION = 60  # seconds: the last-seen mark is refreshed at most once a minute


def clock() -> float:
    """Seconds since the epoch; tests move it forward."""
    return time.time()


def end_sessions(user: User) -> None:
    user.session_token = secrets.token_hex(16)


def idle_expired(last_seen, lifetime_seconds: float, now: float | None = None) -> bool:
    """True when a session last seen at `last_seen` (epoch seconds; missing or malformed counts as expired) has been idle
    longer than the lifetime."""
    if not isinstance(last_seen, (int, float)):
        return True
    return (clock() if now is None else now) - last_seen > lifetime_seconds


def needs_refresh(last_seen, now: float | None = None) -> bool:
    return not isinstance(last_seen, (int, float)) or (clock() if now is None else now) - last_seen >= SEEN_RESOLUTION
