"""The websites allowed to frame a region's embedded pages: plain origins, `https://host[:port]`.

Anything else is refused with a message naming the value: a path, query or fragment, a wildcard, user information,
another scheme (`http://` only for localhost, 127.0.0.1 and [::1], for trying it out locally), an invalid host or port.
A lone trailing "/" is dropped (it is what a browser's address bar shows); the default port 443 (80 for http) is dropped,
scheme and host are lower-cased, so one origin has one spelling. The result goes into `Content-Security-Policy:
frame-ancestors`, so nothing that could end or extend the directive can get through.
"""
from __future__ import annotations

import re

from .errors import HOST, PATH, PORT, SCHEME, TOO_MANY, USERINFO, WILDCARD, SettingError

MAX_ORIGINS = 20
LOOPBACK = ("localhost", "127.0.0.1", "[::1]")
_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")


class OriginError(SettingError):
    pass


def parse_origin(text: str) -> str:
    value = text.strip()
    shown = value[:80]
    if "*" in value:
        raise OriginError(WILDCARD, {"value": shown})
    scheme, sep, rest = value.partition("://")
    scheme = scheme.lower()
    if not sep or scheme not in ("https", "http"):
        raise OriginError(SCHEME, {"value": shown})
    if rest.endswith("/") and "/" not in rest[:-1]:
        rest = rest[:-1]
    if any(c in rest for c in "/?#\\"):
        raise OriginError(PATH, {"value": shown})
    if "@" in rest:
        raise OriginError(USERINFO, {"value": shown})
    if rest.startswith("["):  # an IPv6 literal: only the loopback address
        end = rest.find("]") + 1
        host, after = (rest[:end], rest[end:]) if end else (rest, "")
        if (after and not after.startswith(":")) or host != "[::1]":
            raise OriginError(HOST, {"value": shown})
        port = after[1:] if after else None
    else:
        host, colon, port = rest.partition(":")
        port = port if colon else None
    host = host.lower()
    if port is not None:
        if not port.isdigit() or not 1 <= int(port) <= 65535 or len(port) > 5:
            raise OriginError(PORT, {"value": shown})
        port = str(int(port))
    if host != "[::1]":
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise OriginError(HOST, {"value": shown}) from None
        labels = host.split(".")
        if len(host) > 253 or not all(_LABEL.fullmatch(label) for label in labels) \
                or (len(labels) < 2 and host != "localhost"):
            raise OriginError(HOST, {"value": shown})
    if scheme == "http" and host not in LOOPBACK:
        raise OriginError(SCHEME, {"value": shown})
    if port == {"https": "443", "http": "80"}[scheme]:
        port = None
    return f"{scheme}://{host}" + (f":{port}" if port else "")


def parse_origins(text: str) -> tuple[list[str], list[OriginError]]:
    """One origin per line (spaces and commas separate too). Returns the normalised origins (in order, without
    duplicates) and the errors, one per refused value."""
    origins: list[str] = []
    errors: list[OriginError] = []
    for part in re.split(r"[\s,]+", text or ""):
        if not part:
            continue
        try:
            origin = parse_origin(part)
        except OriginError as exc:
            errors.append(exc)
            continue
        if origin not in origins:
            origins.append(origin)
    if len(origins) > MAX_ORIGINS:
        errors.append(OriginError(TOO_MANY, {"max": MAX_ORIGINS}))
    return origins, errors


def frame_ancestors(origins: list[str] | tuple[str, ...]) -> str:
    """The CSP directive: the listed origins, or 'none' (nobody may frame the page)."""
    safe = [o for o in origins if _is_plain(o)]
    return "frame-ancestors " + (" ".join(safe) if safe else "'none'")


def _is_plain(origin: str) -> bool:
    try:
        return parse_origin(origin) == origin
    except OriginError:
        return False


def content_security_policy(origins: list[str] | tuple[str, ...] = ()) -> str:
    """Every page's policy; only the embedded pages pass origins (their region's list), every other page 'none'."""
    return ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            f"{frame_ancestors(origins)}; base-uri 'self'; form-action 'self'")
