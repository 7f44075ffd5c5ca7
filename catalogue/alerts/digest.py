"""The digest of one period for one subscription, and sending every due digest once.

Periods are the last complete day (daily) or ISO week, Monday to Sunday (weekly), before the day the command runs;
a late run also sends the few periods before it that were not sent yet (`CATCH_UP`).
An instrument that matches the filter and is public is listed once, in the first section that applies:

- new: it became public in the period (created, published, scheduled or restored in the audit trail, or its
  publication window opened);
- changed: its public fields changed in the period, with what changed in plain words (`changes`);
- ended: its last day (valid until) fell in the period;
- ending: its last day is 30 days or less after the period (listed in the period in which it came within 30 days).

New and changed items that end within 30 days say so. Sending is idempotent per period: a digest row per
(subscription, period) is claimed with an insert that does nothing when it exists, in the same transaction as the
outbox message, so running the command twice, or on two nodes at once, sends each digest once."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, selectinload

from ..auth import send_mail
from ..models import AlertDigest, AlertSubscription, AuditEntry, Instrument
from . import changes, filters
from .subscriptions import prune_unconfirmed, unsubscribe_token

ENDING_DAYS = 30
NEW_ACTIONS = ("create", "publish", "schedule", "restore")
SECTIONS = ("new", "changed", "ended", "ending")
TITLES = {"nl": {"new": "Nieuw", "changed": "Gewijzigd", "ended": "Beëindigd",
                 "ending": "Eindigt binnen 30 dagen"},
          "en": {"new": "New", "changed": "Changed", "ended": "Ended", "ending": "Ending within 30 days"}}


@dataclass
class Period:
    key: str
    start: date  # first day
    end: date  # the day after the last day

    def bounds(self) -> tuple[datetime, datetime]:
        return (datetime.combine(self.start, time.min, timezone.utc), datetime.combine(self.end, time.min, timezone.utc))


CATCH_UP = {"daily": 7, "weekly": 2}  # periods a late run still sends (cron missed a day, the database was away)


def periods_due(frequency: str, today: date) -> list[Period]:
    """The last complete period and the ones before it that a late run still sends, oldest first."""
    periods = [period_for(frequency, today)]
    for _ in range(CATCH_UP[frequency] - 1):
        periods.append(period_for(frequency, periods[-1].start))
    return periods[::-1]


def period_for(frequency: str, today: date) -> Period:
    """The last complete period before `today`."""
    if frequency == "daily":
        day = today - timedelta(days=1)
        return Period(day.isoformat(), day, today)
    monday = today - timedelta(days=today.weekday())
    start = monday - timedelta(days=7)
    year, week, _ = start.isocalendar()
    return Period(f"{year}-W{week:02d}", start, monday)


@dataclass
class Item:
    instrument: Instrument
    section: str
    lines: list[str] = field(default_factory=list)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)


def collect(session: Session, subscription: AlertSubscription, period: Period, today: date) -> list[Item]:
    """What the digest of `period` lists for this subscription (see the module docstring)."""
    start, end = period.bounds()
    if subscription.confirmed_at is not None:
        start = max(start, _aware(subscription.confirmed_at))
    if start >= end:
        return []
    entries = session.scalars(select(AuditEntry).where(
        AuditEntry.instrument_id.is_not(None), AuditEntry.created_at >= start, AuditEntry.created_at < end)
        .order_by(AuditEntry.created_at, AuditEntry.id)).all()
    new = {e.instrument_id for e in entries if e.action in NEW_ACTIONS}
    touched: dict[int, list[AuditEntry]] = {}
    for e in entries:
        touched.setdefault(e.instrument_id, []).append(e)
    first, after = period.start, period.end
    dated = session.execute(select(Instrument.id, Instrument.publish_from, Instrument.valid_until).where(or_(
        Instrument.publish_from.between(first, after - timedelta(days=1)),
        Instrument.valid_until.between(first, after + timedelta(days=ENDING_DAYS))))).all()
    ended, ending = set(), set()
    for iid, publish_from, valid_until in dated:
        if publish_from is not None and first <= publish_from < after:
            new.add(iid)
        if valid_until is not None and first <= valid_until < after:
            ended.add(iid)
        elif valid_until is not None and first + timedelta(days=ENDING_DAYS) <= valid_until \
                < after + timedelta(days=ENDING_DAYS):
            ending.add(iid)
    candidates = new | set(touched) | ended | ending
    shown = filters.matching(session, subscription.source, subscription.filter, candidates, today)
    if not shown:
        return []
    instruments = {i.id: i for i in session.scalars(select(Instrument).where(Instrument.id.in_(sorted(shown)))
                                                      .options(selectinload(Instrument.provider),
                                                               selectinload(Instrument.kind)))}
    describer = changes.Describer(session, subscription.language)
    items: list[Item] = []
    for iid, instrument in instruments.items():
        lines: list[str] = []
        if iid in new:
            section = "new"
        else:
            lines = describer.describe(changes.combine(touched.get(iid, [])), {
                "duration_max": instrument.duration_max, "duration_unit": instrument.duration_unit,
                "amount_type": instrument.amount_type})
            if lines:
                section = "changed"
            elif iid in ended:
                section = "ended"
            elif iid in ending:
                section = "ending"
            else:
                continue  # only internal fields changed: nothing to tell
        until = instrument.valid_until
        if until is not None and after <= until <= after + timedelta(days=ENDING_DAYS) and section != "ending":
            lines.append(_ends(until, subscription.language))
        items.append(Item(instrument, section, lines))
    order = {s: i for i, s in enumerate(SECTIONS)}
    return sorted(items, key=lambda i: (order[i.section], i.instrument.name.lower()))


def _ends(day: date, language: str) -> str:
    return f"ends on {day.isoformat()}" if language == "en" else f"loopt af op {day:%d-%m-%Y}"


def compose(session: Session, subscription: AlertSubscription, period: Period, items: list[Item], link_for,
            secret: str) -> tuple[str, str]:
    """Subject and plain-text body. Public fields only: names, providers, public links and the plain-words changes."""
    en = subscription.language == "en"
    titles = TITLES["en" if en else "nl"]
    what = "\n".join(f"  {label}: {value}" if value else f"  {label}"
                     for label, value in filters.describe(session, subscription.source, subscription.filter,
                                                          subscription.language))
    last = period.end - timedelta(days=1)
    if en:
        when = last.isoformat() if period.start == last else f"{period.start.isoformat()} to {last.isoformat()}"
        lines = ["Hello,", "", f"What changed in the Open instrumentengids ({when}) for what you follow:", what]
    else:
        when = f"{last:%d-%m-%Y}" if period.start == last else f"{period.start:%d-%m-%Y} t/m {last:%d-%m-%Y}"
        lines = ["Beste lezer,", "", f"Wat er veranderde in de Open instrumentengids ({when}) voor wat u volgt:", what]
    for section in SECTIONS:
        chosen = [i for i in items if i.section == section]
        if not chosen:
            continue
        lines += ["", f"{titles[section]} ({len(chosen)})"]
        for item in chosen:
            instrument = item.instrument
            label = instrument.name + ((" (example)" if en else " (voorbeeld)") if instrument.example else "")
            extra = ""
            if section == "ended" and instrument.valid_until:
                extra = f" — {'ended on' if en else 'beëindigd op'} " + (
                    instrument.valid_until.isoformat() if en else f"{instrument.valid_until:%d-%m-%Y}")
            if section == "ending" and instrument.valid_until:
                extra = " — " + _ends(instrument.valid_until, subscription.language)
            lines.append(f"- {label}, {instrument.provider.name}{extra}")
            lines += [f"    {line}" for line in item.lines]
            lines.append(f"    {link_for('instrument', slug=instrument.slug)}")
    page = link_for("page", source=subscription.source, args=filters.page_args(subscription.source,
                                                                              subscription.filter))
    stop = link_for("unsubscribe", token=unsubscribe_token(secret, subscription))
    if en:
        lines += ["", f"See everything: {page}", "", f"Stop these mails (one click, your address is deleted): {stop}"]
        subject = f"Open instrumentengids: {len(items)} change(s) for what you follow"
    else:
        lines += ["", f"Bekijk alles: {page}", "", f"Geen mails meer (één klik; uw adres wordt verwijderd): {stop}"]
        subject = f"Open instrumentengids: {len(items)} wijziging(en) voor wat u volgt"
    return subject, "\n".join(lines)


@dataclass
class Outcome:
    sent: int = 0
    empty: int = 0  # the period was handled, nothing matched: no mail
    done_before: int = 0  # claimed by an earlier run or another node
    pruned: int = 0


def _claim(session: Session, subscription_id: int, key: str) -> bool:
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    stmt = insert(AlertDigest).values(subscription_id=subscription_id, period=key, items=0,
                                      created_at=datetime.now(timezone.utc))
    stmt = stmt.on_conflict_do_nothing(index_elements=["subscription_id", "period"]).returning(AlertDigest.id)
    return session.execute(stmt).first() is not None  # a row back: this run claimed it (rowcount is not reliable here)


def send_due(session: Session, secret: str, link_for, today: date | None = None,
             language: str | None = None) -> Outcome:
    """Send every confirmed subscription's digest for its last complete period, once (only those in `language`
    when given, so links can be made per language). Commits per subscription."""
    today = today or date.today()
    outcome = Outcome(pruned=prune_unconfirmed(session))
    session.commit()
    stmt = select(AlertSubscription.id).where(AlertSubscription.confirmed_at.is_not(None))
    if language is not None:
        stmt = stmt.where(AlertSubscription.language == language)
    ids = session.scalars(stmt.order_by(AlertSubscription.id)).all()
    for sid in ids:
        subscription = session.get(AlertSubscription, sid)
        if subscription is None:  # unsubscribed meanwhile
            continue
        for period in periods_due(subscription.frequency, today):
            if _aware(subscription.confirmed_at) >= period.bounds()[1]:
                continue  # confirmed after this period: nothing to tell about it
            if not _claim(session, sid, period.key):
                outcome.done_before += 1
                session.rollback()
                continue
            items = collect(session, subscription, period, today)
            if items:
                subject, body = compose(session, subscription, period, items, link_for, secret)
                send_mail(session, subscription.email, subject, body)
                session.execute(AlertDigest.__table__.update().where(
                    AlertDigest.subscription_id == sid, AlertDigest.period == period.key).values(items=len(items)))
                outcome.sent += 1
            else:
                outcome.empty += 1
            session.commit()
    return outcome
