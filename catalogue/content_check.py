"""`catalogue content check`: does each instrument keep the catalogue's promise? No Flask.

Per instrument it reports errors (must be fixed; the command exits non-zero) and warnings (worth a look):

| code | severity | what |
| --- | --- | --- |
| source_missing | error | published, not example content, and no source |
| source_not_official | error (national) / warning | the source is not an official page (see `OFFICIAL_DOMAINS`) nor the provider's own site |
| legal_basis_missing | error (national) | a national instrument without legal basis (a service says it has none of its own) |
| never_checked | error (national) / warning | no last-checked date |
| check_overdue | error (national) / warning | last checked longer ago than the review period (the owning organisation's, default 12 months) |
| checked_in_future | error | last checked after the check date |
| amount_undated | warning | an amount or maximum without validity dates |
| example_content | warning | example content (labelled as such) |
| ended_without_end_date | error | the text says the scheme has ended, but no end date says so, so it shows as current |
| ended_not_said | warning | the scheme has ended, but its summary does not say so |
| dated_value_outside_scheme | warning | a dated value that starts after the scheme ended |
| contacts_missing | warning | no contact, and the provider (or the region's WSP) has no phone, e-mail or website either |

The national values of the estimate (seed_data/estimate.yaml: wettelijk minimumloon, loonkostensubsidie cap and
werkgeverslasten allowance) are checked too when the whole catalogue is: never_checked, check_overdue and
checked_in_future as for a national instrument (errors), value_unconfirmed (warning) for a period whose value could
not be confirmed on an official page ("niet bevestigd"), and value_read_via_copy (warning) for a value whose official
text was read in a copy of it (`read_via`), not on the official page itself. A value without an official source is
refused when the file is loaded (catalogue/estimate/rules.py).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from .models import NATIONAL_PROVIDER_TYPES, Instrument, Organisation, Provider
from .review import DEFAULT_REVIEW_AFTER_MONTHS, months_ago

# Official publishers of national facts; a host matches itself and its subdomains (www.uwv.nl, business.uwv.nl).
OFFICIAL_DOMAINS = (
    "uwv.nl", "belastingdienst.nl", "rijksoverheid.nl", "rvo.nl", "wetten.overheid.nl", "officielebekendmakingen.nl",
    "lokaleregelgeving.overheid.nl", "uitvoeringvanbeleidszw.nl",
)
# The responsible body's own sites that are not under its main domain (its annual report, for instance).
RESPONSIBLE_BODY_SITES = {"uwv": ("uwvjaarverslag.nl",)}
ENDED_WORDS = re.compile(r"\b(beëindigd|beeindigd|vervallen|afgeschaft|niet meer (aan te vragen|mogelijk|aanvragen))\b",
                         re.IGNORECASE)
ERROR, WARNING = "error", "warning"
MESSAGES = {
    "source_missing": "Geen bron: een gepubliceerd instrument noemt waar zijn feiten vandaan komen.",
    "source_not_official": "De bron is geen officiële pagina ({host}); gebruik de pagina van de uitvoerder of de regeling.",
    "legal_basis_missing": "Landelijk instrument zonder wettelijke basis.",
    "never_checked": "Nog nooit gecontroleerd (geen 'laatst gecontroleerd').",
    "check_overdue": "Laatst gecontroleerd op {checked}, langer dan {months} maanden geleden.",
    "checked_in_future": "'Laatst gecontroleerd' ({checked}) ligt na de controledatum.",
    "amount_undated": "Bedrag zonder geldigheidsdatum ({parameters}); geef per bedrag aan vanaf wanneer het geldt.",
    "example_content": "Voorbeeldcontent: geen echte regeling.",
    "ended_without_end_date": "De tekst zegt dat de regeling is beëindigd, maar er is geen einddatum in het verleden: "
                              "ze staat als lopend in de gids.",
    "ended_not_said": "De regeling is beëindigd op {until}, maar de samenvatting zegt dat niet.",
    "dated_value_outside_scheme": "Een gedateerde waarde van '{parameter}' begint op {start}, na het einde van de regeling.",
    "contacts_missing": "Geen contact: geen contactpersoon en geen telefoon, e-mail of website van de aanbieder.",
    "value_unconfirmed": "Niet bevestigd: de waarde voor {period} staat niet op een officiële pagina; de schatting "
                         "rekent er niet mee.",
    "value_read_via_copy": "De waarde voor {period} is gelezen in een kopie van de officiële tekst; lees haar nog op de "
                           "officiële pagina zelf.",
}
NATIONAL_VALUE_NAMES = {"wml_per_hour": "Wettelijk minimumloon per uur (21 jaar en ouder)",
                        "holiday_allowance_share": "Vakantiebijslag (deel van het loon)",
                        "lks_cap_share_of_wml": "Loonkostensubsidie: maximum als deel van het WML",
                        "lks_flat_share_of_wml": "Loonkostensubsidie zonder loonwaardebepaling: deel van het WML",
                        "lks_flat_max_months": "Loonkostensubsidie zonder loonwaardebepaling: hoogstens zoveel maanden",
                        "lks_employer_charges_allowance": "Loonkostensubsidie: vergoeding werkgeverslasten"}


@dataclass
class Finding:
    slug: str
    name: str
    provider: str
    code: str
    severity: str
    message: str
    values: dict = field(default_factory=dict)  # the placeholders of MESSAGES[code], for translated output

    def to_dict(self) -> dict:
        return {"slug": self.slug, "name": self.name, "provider": self.provider, "code": self.code,
                "severity": self.severity, "message": self.message}


@dataclass
class ContentReport:
    checked_on: date
    instruments: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]

    def by_instrument(self) -> dict[str, list[Finding]]:
        out: dict[str, list[Finding]] = {}
        for f in self.findings:
            out.setdefault(f.slug, []).append(f)
        return out

    def summary(self) -> str:
        return (f"{self.instruments} instrumenten gecontroleerd op {self.checked_on.isoformat()}: "
                f"{len(self.errors)} fout(en), {len(self.warnings)} waarschuwing(en)")

    def to_dict(self) -> dict:
        return {"checked_on": self.checked_on.isoformat(), "instruments": self.instruments,
                "errors": len(self.errors), "warnings": len(self.warnings),
                "findings": [f.to_dict() for f in self.findings]}


def host_of(url: str | None) -> str:
    host = (urlsplit(url or "").hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def is_official(url: str | None, own_sites: tuple[str, ...] = ()) -> bool:
    """An official publisher's page, or the responsible body's own site (`own_sites`: hosts)."""
    host = host_of(url)
    if not host:
        return False
    return any(host == d or host.endswith("." + d) for d in OFFICIAL_DOMAINS + tuple(s for s in own_sites if s))


def _own_sites(instrument: Instrument) -> tuple[str, ...]:
    provider = instrument.provider
    sites = [host_of(provider.website), *RESPONSIBLE_BODY_SITES.get(provider.slug, ())]
    if provider.region is not None and provider.type == "regio":
        sites.append(host_of(provider.region.wsp_website))
    return tuple(s for s in sites if s)


def _review_months(organisations: dict[int, list[int]], instrument: Instrument) -> int:
    months = organisations.get(instrument.provider_id)
    return min(months) if months else DEFAULT_REVIEW_AFTER_MONTHS


def check_instrument(instrument: Instrument, today: date, review_months: int = DEFAULT_REVIEW_AFTER_MONTHS) -> list[Finding]:
    national = instrument.provider.type in NATIONAL_PROVIDER_TYPES
    found: list[Finding] = []

    def add(code: str, severity: str, **values):
        found.append(Finding(instrument.slug, instrument.name, instrument.provider.slug, code, severity,
                             MESSAGES[code].format(**values), {k: str(v) for k, v in values.items()}))

    published = instrument.status == "published" and instrument.deleted_at is None
    if instrument.example:
        add("example_content", WARNING)
    if not instrument.source_url:
        if published and not instrument.example:
            add("source_missing", ERROR)
    elif not is_official(instrument.source_url, _own_sites(instrument)):
        add("source_not_official", ERROR if national else WARNING, host=host_of(instrument.source_url))
    if national and not (instrument.legal_basis or "").strip():
        add("legal_basis_missing", ERROR)
    if not instrument.example:
        if instrument.last_checked is None:
            add("never_checked", ERROR if national else WARNING)
        elif instrument.last_checked > today:
            add("checked_in_future", ERROR, checked=instrument.last_checked.isoformat())
        elif instrument.last_checked < months_ago(today, review_months):
            add("check_overdue", ERROR if national else WARNING, checked=instrument.last_checked.isoformat(),
                months=review_months)
    dated = {pv.parameter for pv in instrument.parameter_values}
    undated = [p for p in ("amount_value", "amount_max_per_year", "amount_max_total")
               if getattr(instrument, p) is not None and p not in dated]
    if undated:
        add("amount_undated", WARNING, parameters=", ".join(undated))
    lifecycle = instrument.lifecycle(today)
    text = " ".join(filter(None, [instrument.summary, instrument.how_to_apply]))
    if lifecycle != "ended" and ENDED_WORDS.search(instrument.summary or ""):
        add("ended_without_end_date", ERROR)
    if lifecycle == "ended" and not ENDED_WORDS.search(text):
        add("ended_not_said", WARNING, until=instrument.valid_until.isoformat())
    if instrument.valid_until is not None:
        for pv in instrument.parameter_values:
            if pv.valid_from is not None and pv.valid_from > instrument.valid_until:
                add("dated_value_outside_scheme", WARNING, parameter=pv.parameter, start=pv.valid_from.isoformat())
    provider = instrument.provider
    region = provider.region if provider.type == "regio" else None
    reachable = provider.phone or provider.email or provider.website or (
        region is not None and (region.wsp_phone or region.wsp_email or region.wsp_website))
    if not instrument.contacts and not reachable:
        add("contacts_missing", WARNING)
    return found


def check_national_values(today: date, values=None) -> list[Finding]:
    """The estimate's national values: each row checked within the review period, and confirmed (or said not to be)."""
    from .estimate.rules import load_values

    values = values or load_values()
    found: list[Finding] = []
    limit = months_ago(today, DEFAULT_REVIEW_AFTER_MONTHS)
    for name, rows in values.values.items():
        label = NATIONAL_VALUE_NAMES.get(name, name)

        def add(code: str, severity: str, **vals):
            found.append(Finding(name, label, "szw", code, severity, MESSAGES[code].format(**vals),
                                 {k: str(v) for k, v in vals.items()}))

        for row in rows:
            period = (f"{row.valid_from.isoformat() if row.valid_from else '…'} t/m "
                      f"{row.valid_until.isoformat() if row.valid_until else '…'}")
            if not row.confirmed:
                add("value_unconfirmed", WARNING, period=period)
            elif row.read_via:
                add("value_read_via_copy", WARNING, period=period)
            if row.last_checked is None:
                add("never_checked", ERROR)
            elif row.last_checked > today:
                add("checked_in_future", ERROR, checked=row.last_checked.isoformat())
            elif row.last_checked < limit:
                add("check_overdue", ERROR, checked=row.last_checked.isoformat(), months=DEFAULT_REVIEW_AFTER_MONTHS)
    return found


def check_content(session: Session, today: date | None = None, provider_ids: set[int] | None = None,
                  include_drafts: bool = True) -> ContentReport:
    """Every instrument that is not deleted (optionally only those of `provider_ids`)."""
    today = today or date.today()
    stmt = (select(Instrument).where(Instrument.deleted_at.is_(None))
            .options(selectinload(Instrument.provider).selectinload(Provider.region), selectinload(Instrument.kind),
                     selectinload(Instrument.parameter_values))
            .order_by(Instrument.slug))
    if provider_ids is not None:
        stmt = stmt.where(Instrument.provider_id.in_(provider_ids))
    if not include_drafts:
        stmt = stmt.where(Instrument.status == "published")
    organisations: dict[int, list[int]] = {}
    for org in session.scalars(select(Organisation).where(Organisation.provider_id.is_not(None))):
        organisations.setdefault(org.provider_id, []).append(org.review_after_months or DEFAULT_REVIEW_AFTER_MONTHS)
    report = ContentReport(today)
    for instrument in session.scalars(stmt):
        report.instruments += 1
        report.findings += check_instrument(instrument, today, _review_months(organisations, instrument))
    if provider_ids is None:
        report.findings += check_national_values(today)
    return report
