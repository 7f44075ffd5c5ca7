"""One POST to a consumer, to the address that was checked (catalogue/webhooks/urls.py), never following a redirect.
No Flask."""
from __future__ import annotations

import http.client
import socket
import ssl

from .urls import Target

USER_AGENT = "instrumentengids-webhooks/1"
READ_LIMIT = 65536


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """TLS to the checked address, with the host name for SNI and certificate verification."""

    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout, context=ssl.create_default_context())
        self._address = target.address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(target: Target, body: bytes, headers: dict[str, str], timeout: float = 10.0) -> tuple[int | None, str | None]:
    """(HTTP status, error): error is None only for a 2xx answer. A redirect is an error and is not followed."""
    connection = (_PinnedHTTPS if target.scheme == "https" else _PinnedHTTP)(target, timeout)
    try:
        connection.request("POST", target.path, body=body, headers={**headers, "User-Agent": USER_AGENT})
        response = connection.getresponse()
        response.read(READ_LIMIT)
        status = response.status
        if 200 <= status < 300:
            return status, None
        if 300 <= status < 400:
            return status, f"doorverwijzing naar {response.getheader('Location', '?')[:200]} niet gevolgd"
        return status, f"HTTP {status}"
    except (OSError, http.client.HTTPException) as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500]
    finally:
        connection.close()
