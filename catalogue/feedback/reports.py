"""Readers' reports: validated, routed to the organisation that keeps the page, resolved by an editor.

Instrument reports belong to whoever may edit the instrument (its provider's organisation, the region's coordinator,
admins); region and gemeente reports belong to the region's coordinators. Reports are never public."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from ..auth import can, editable_provider_ids, editable_regions, send_mail
from ..editing import region_fingerprint
from ..models import FeedbackReport, Instrument, InstrumentVersion, Municipality, Region, User

MAX_MESSAGE = 5000
_HTML = re.compile(r"<\s*/?\s*[a-zA-Z!?][^>]*>|&[a-zA-Z]+;|&#\d+;")
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


class ReportError(ValueError):
    """Bad input; `code` names the problem (the web layer words it), `field` the form field."""

    def __init__(self, code: str, field: str = "message"):
        super().__init__(code)
        self.code, self.field = code, field


@dataclass
class Target:
    page: str  # instrument | region | gemeente
    instrument: Instrument | None = None
    region: Region | None = None
    municipality: Municipality | None = None

    @property
    def version(self) -> str:
        if self.instrument is not None:
            return str(self.instrument.version)
        return region_fingerprint(self.region)


def check(message: str | None, email: str | None) -> tuple[str, str | None]:
    """The cleaned message and address, or ReportError."""
    message = (message or "").strip()
    email = (email or "").strip().lower() or None
    if not message:
        raise ReportError("empty")
    if len(message) > MAX_MESSAGE:
        raise ReportError("too_long")
    if _HTML.search(message):
        raise ReportError("html")
    if email is not None and (len(email) > 254 or not _EMAIL.match(email)):
        raise ReportError("email", field="email")
    return message, email


def submit(session: Session, target: Target, message: str | None, email: str | None,
           language: str = "nl", seen_version: str | None = None) -> FeedbackReport:
    """Store a report. `seen_version` is the version the form was shown for (an instrument's number); anything else
    falls back to the page's current version."""
    message, email = check(message, email)
    version = target.version
    if target.instrument is not None and seen_version and seen_version.isdigit() \
            and 1 <= int(seen_version) <= target.instrument.version:
        version = seen_version
    region = target.region
    if target.municipality is not None:
        region = target.municipality.region
    report = FeedbackReport(page=target.page, instrument=target.instrument, region=region,
                            municipality=target.municipality, page_version=version, message=message,
                            email=email, language=language)
    session.add(report)
    session.commit()
    return report


def _visible(session: Session, user):
    """A where-clause for the reports `user` may see and resolve (None = all)."""
    if user.is_admin:
        return None
    provider_ids = editable_provider_ids(session, user) or set()
    region_ids = {r.id for r in editable_regions(session, user)}
    instrument_ids = select(Instrument.id).where(Instrument.provider_id.in_(provider_ids))
    return or_(FeedbackReport.instrument_id.in_(instrument_ids),
               (FeedbackReport.instrument_id.is_(None)) & FeedbackReport.region_id.in_(region_ids))


def queue(session: Session, user, state: str = "open") -> list[FeedbackReport]:
    stmt = (select(FeedbackReport).where(FeedbackReport.state == state)
            .options(selectinload(FeedbackReport.instrument).selectinload(Instrument.provider),
                     selectinload(FeedbackReport.region), selectinload(FeedbackReport.municipality))
            .order_by(FeedbackReport.created_at.desc(), FeedbackReport.id.desc()).limit(500))
    where = _visible(session, user)
    if where is not None:
        stmt = stmt.where(where)
    return list(session.scalars(stmt))


def get(session: Session, user, report_id: int) -> FeedbackReport | None:
    report = session.get(FeedbackReport, report_id)
    if report is None or not may_resolve(user, report):
        return None
    return report


def may_resolve(user, report: FeedbackReport) -> bool:
    if report.instrument is not None:
        return can(user, "edit", report.instrument)
    return can(user, "edit_region", report.region)


def open_counts(session: Session, user) -> list[tuple[str, int]]:
    """(organisation, open reports) for the reports the user can see: per provider for instruments, per region (its
    coordinator) for region and gemeente pages."""
    counts: dict[str, int] = {}
    for report in queue(session, user):
        name = report.instrument.provider.name if report.instrument else f"{report.region.name} (coördinator)"
        counts[name] = counts.get(name, 0) + 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def resolve(session: Session, user: User, report: FeedbackReport, state: str, reason: str | None = None,
            fixed_version: int | None = None, link_for=None) -> FeedbackReport:
    """Close a report: 'fixed' (for an instrument: with the version that fixes it) or 'not_applicable' (with a
    reason). The reporter, if they left an address, is told through the outbox; the address is then forgotten."""
    if report.state != "open":
        raise ReportError("closed", field="state")
    if not may_resolve(user, report):
        raise ReportError("forbidden", field="state")
    reason = (reason or "").strip() or None
    if reason is not None and (len(reason) > MAX_MESSAGE or _HTML.search(reason)):
        raise ReportError("reason_invalid", field="reason")
    if state == "fixed":
        if report.instrument is not None:
            if fixed_version is None:
                raise ReportError("version_missing", field="fixed_version")
            exists = session.scalar(select(func.count()).select_from(InstrumentVersion).where(
                InstrumentVersion.instrument_id == report.instrument_id, InstrumentVersion.version == fixed_version))
            if not exists or fixed_version <= int(report.page_version):
                raise ReportError("version_invalid", field="fixed_version")
            report.fixed_version = fixed_version
    elif state == "not_applicable":
        if reason is None:
            raise ReportError("reason_missing", field="reason")
    else:
        raise ReportError("state_invalid", field="state")
    report.state, report.resolution = state, reason
    report.resolved_at, report.resolved_by_id = datetime.now(timezone.utc), user.id
    if report.email:
        send_mail(session, report.email, "Uw melding aan de Instrumentengids", _reply(report, link_for))
        report.email = None
    session.commit()
    return report


def _reply(report: FeedbackReport, link_for) -> str:
    page = report.instrument.name if report.instrument else (
        report.municipality.name if report.municipality else report.region.name)
    lines = ["Beste lezer,", "", f"U meldde op {report.created_at:%d-%m-%Y} dat er iets niet klopte op de pagina "
             f"over {page}:", "", "> " + report.message[:500].replace("\n", "\n> "), ""]
    if report.state == "fixed":
        lines.append("Dank u wel: we hebben het aangepast.")
        if link_for is not None:
            lines.append(link_for(report))
    else:
        lines.append("We hebben uw melding bekeken en niets aangepast, omdat:")
        lines.append(report.resolution or "")
    if report.state == "fixed" and report.resolution:
        lines += ["", report.resolution]
    lines += ["", "Uw e-mailadres is na dit bericht uit onze gegevens verwijderd.", "", "De Instrumentengids"]
    return "\n".join(lines)
