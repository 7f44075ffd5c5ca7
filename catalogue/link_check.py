"""`catalogue links check`: visit every source, regulation and link URL, record status and redirects. No Flask.

URLs are visited with bounded concurrency (a thread pool) and a timeout per request; redirects are followed (at most
`MAX_REDIRECTS`) and recorded. The outcome of each URL's last visit is kept in `link_check`, so editors see the broken
links of their own organisation under /beheer without anyone visiting anything during a page request.
"""
from __future__ import annotations

import socket
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import urljoin

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from .models import Instrument, LinkCheck

MAX_REDIRECTS = 5
USER_AGENT = "instrumentengids-linkcheck/1 (+controle van bronnen)"


@dataclass
class LinkUse:
    instrument_id: int
    slug: str
    name: str
    provider_id: int
    provider: str
    field: str  # source_url, regulation_url, link, contact, parameter_value


@dataclass
class Visit:
    url: str
    status: int | None = None
    final_url: str | None = None
    redirects: list = field(default_factory=list)  # [[status, location], ...]
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and 200 <= self.status < 400


@dataclass
class LinkReport:
    visits: list[Visit]

    @property
    def broken(self) -> list[Visit]:
        return [v for v in self.visits if not v.ok]

    @property
    def redirected(self) -> list[Visit]:
        return [v for v in self.visits if v.ok and v.redirects]

    def summary(self) -> str:
        return (f"{len(self.visits)} adressen bezocht: {len(self.visits) - len(self.broken)} werken "
                f"({len(self.redirected)} via een doorverwijzing), {len(self.broken)} kapot")


def link_uses(session: Session, provider_ids: set[int] | None = None) -> dict[str, list[LinkUse]]:
    """{url: where it is used} over every instrument that is not deleted."""
    stmt = (select(Instrument).where(Instrument.deleted_at.is_(None))
            .options(selectinload(Instrument.provider), selectinload(Instrument.parameter_values)))
    if provider_ids is not None:
        stmt = stmt.where(Instrument.provider_id.in_(provider_ids))
    uses: dict[str, list[LinkUse]] = {}
    for i in session.scalars(stmt):
        def add(url, where):
            if url and url.startswith(("http://", "https://")):
                uses.setdefault(url, []).append(LinkUse(i.id, i.slug, i.name, i.provider_id, i.provider.name, where))
        add(i.source_url, "source_url")
        add(i.regulation_url, "regulation_url")
        for link in i.links or []:
            add(link.get("url"), "link")
        for contact in i.contacts or []:
            add(contact.get("website"), "contact")
        for pv in i.parameter_values:
            add(pv.source_url, "parameter_value")
    return uses


class _Recorder(urllib.request.HTTPRedirectHandler):
    max_redirections = MAX_REDIRECTS

    def __init__(self):
        self.hops: list[list] = []

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        self.hops.append([code, urljoin(req.full_url, newurl)])
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def visit(url: str, timeout: float = 10.0) -> Visit:
    """GET the URL (the body is not read), following redirects; never raises."""
    recorder = _Recorder()
    opener = urllib.request.build_opener(recorder)
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "text/html,*/*;q=0.5"})
    result = Visit(url)
    try:
        with opener.open(request, timeout=timeout) as response:
            result.status, result.final_url = response.status, response.geturl()
    except urllib.error.HTTPError as exc:
        result.status, result.final_url = exc.code, exc.geturl()
        if exc.code in (301, 302, 303, 307, 308):
            result.error = "te veel doorverwijzingen"
    except (socket.timeout, TimeoutError):
        result.error = "timeout"
    except urllib.error.URLError as exc:
        reason = exc.reason
        result.error = "timeout" if isinstance(reason, (socket.timeout, TimeoutError)) else f"geen verbinding: {reason}"
    except (OSError, ValueError) as exc:  # malformed URL, connection reset, ...
        result.error = f"geen verbinding: {exc}"
    result.redirects = recorder.hops
    return result


def check_links(session: Session, concurrency: int = 8, timeout: float = 10.0, provider_ids: set[int] | None = None,
                urls: list[str] | None = None, now: datetime | None = None) -> LinkReport:
    """Visit the URLs (default: every URL in use) and store each outcome in `link_check`. The caller commits."""
    targets = sorted(urls if urls is not None else link_uses(session, provider_ids))
    concurrency = max(1, min(int(concurrency), 32))
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        visits = list(pool.map(lambda u: visit(u, timeout), targets))
    now = now or datetime.now(timezone.utc)
    existing = {row.url: row for row in session.scalars(select(LinkCheck).where(LinkCheck.url.in_(targets)))} \
        if targets else {}
    for v in visits:
        row = existing.get(v.url) or LinkCheck(url=v.url[:1000])
        row.status, row.ok, row.final_url = v.status, v.ok, (v.final_url or "")[:1000] or None
        row.redirects, row.error, row.checked_at = v.redirects, v.error, now
        session.add(row)
    session.flush()
    return LinkReport(visits)


@dataclass
class BrokenLink:
    url: str
    status: int | None
    error: str | None
    checked_at: datetime
    uses: list[LinkUse]


def broken_links(session: Session, provider_ids: set[int] | None = None) -> dict[str, list[BrokenLink]]:
    """{provider name: broken links of its instruments}, from the last check (nothing is visited here)."""
    uses = link_uses(session, provider_ids)
    if not uses:
        return {}
    rows = session.scalars(select(LinkCheck).where(LinkCheck.ok.is_(False), LinkCheck.url.in_(list(uses)))).all()
    out: dict[str, list[BrokenLink]] = {}
    for row in sorted(rows, key=lambda r: r.url):
        by_provider: dict[str, list[LinkUse]] = {}
        for use in uses[row.url]:
            by_provider.setdefault(use.provider, []).append(use)
        for provider, provider_uses in by_provider.items():
            out.setdefault(provider, []).append(BrokenLink(row.url, row.status, row.error, row.checked_at, provider_uses))
    return dict(sorted(out.items()))
