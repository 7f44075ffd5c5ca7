"""Which consumer URLs the guide may POST to: no server-side request forgery. No Flask.

Refused: anything but https (plain http only for localhost, and only where `allow_local` is set: development and
tests), credentials in the URL, a host that does not resolve, or one that resolves to any address that is not a public
unicast address (private, loopback, link-local, carrier-grade NAT, reserved, multicast, unspecified) — except
loopback for localhost with `allow_local`. The check runs when a consumer is registered and again before every
delivery, and the delivery connects to the very address that was checked (no second lookup that DNS rebinding could
answer differently). Redirects are never followed (catalogue/webhooks/sender.py).
"""
from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


class UrlRefused(ValueError):
    """The URL may not be used: `code` says why (the web layer words it), the message in Dutch (the delivery log)."""

    def __init__(self, code: str, message: str, **params):
        super().__init__(message)
        self.code, self.params = code, params


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str  # path and query, as sent in the request line
    address: str  # the checked address to connect to


def _resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return []
    return sorted(dict.fromkeys(info[4][0] for info in infos), key=lambda a: ":" in a)  # IPv4 first


def check_url(url: str, allow_local: bool = False, resolve=None) -> Target:
    """The target to connect to, or UrlRefused. `resolve(host, port)` -> addresses (default: the system's resolver)."""
    resolve = resolve or _resolve
    text = (url or "").strip()
    if not text:
        raise UrlRefused("empty", "Vul een adres in.")
    if len(text) > 1000 or any(ch.isspace() or not ch.isprintable() for ch in text):
        raise UrlRefused("invalid", "Dit is geen geldig adres.")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise UrlRefused("invalid", "Dit is geen geldig adres.") from None
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("https", "http") or not host:
        raise UrlRefused("scheme", "Het adres moet met https:// beginnen.")
    if parts.username is not None or parts.password is not None:
        raise UrlRefused("credentials", "Een adres met gebruikersnaam of wachtwoord erin is niet toegestaan.")
    local = host in LOCAL_HOSTS
    if local and not allow_local:
        raise UrlRefused("local", "Adressen op deze server zelf (localhost) zijn niet toegestaan.")
    if parts.scheme == "http" and not local:
        raise UrlRefused("scheme", "Het adres moet met https:// beginnen (http alleen voor localhost tijdens "
                                   "ontwikkeling).")
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        addresses = [str(ipaddress.ip_address(host))]  # an address written as such needs no lookup
    except ValueError:
        addresses = resolve(host, port)
    if not addresses:
        raise UrlRefused("unresolved", f"De naam {host} bestaat niet (of is nu niet op te zoeken).", host=host)
    for raw in addresses:
        address = ipaddress.ip_address(raw.split("%", 1)[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if local and allow_local and address.is_loopback:
            continue
        if not address.is_global or address.is_multicast:
            raise UrlRefused("private", f"{host} verwijst naar een intern adres ({raw}); alleen openbare adressen zijn "
                             "toegestaan.", host=host, address=raw)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, host, port, path, addresses[0])
