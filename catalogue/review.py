"""Review signals, without Flask: instruments not checked for N months (per organisation setting) and instruments whose
scheme or publication ends within 30 days."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from .auth import editable_provider_ids, organisation_provider_ids
from .models import Instrument, User

DEFAULT_REVIEW_AFTER_MONTHS = 12
ENDING_WITHIN_DAYS = 30


@dataclass
class ReviewItem:
    instrument: Instrument
    reasons: list[str]  # "not_checked", "never_checked", "ending", "publication_ending"
    checked_before: date | None  # the cut-off used for "not checked"
    ends_on: date | None = None


def months_ago(today: date, months: int) -> date:
    year, month = divmod(today.year * 12 + (today.month - 1) - months, 12)
    month += 1
    day = min(today.day, [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30, 31, 30, 31, 31,
                          30, 31, 30, 31][month - 1])
    return date(year, month, day)


def review_months_for(user: User | None, instrument: Instrument) -> int:
    """The strictest (smallest) setting of the user's organisations that own or cover the instrument."""
    months = [m.organisation.review_after_months for m in (user.memberships if user else [])
              if m.organisation.review_after_months and (m.organisation.owns_provider(instrument.provider) or (
                  m.organisation.home_region is not None and instrument.provider.region_id == m.organisation.home_region.id))]
    return min(months) if months else DEFAULT_REVIEW_AFTER_MONTHS


def needs_review(session: Session, user: User, today: date | None = None, scope: str = "edit") -> list[ReviewItem]:
    """Instruments needing attention: within what the user may edit (scope='edit') or, for those who edit nothing
    (account managers), the instruments of their own organisations (scope='own')."""
    today = today or date.today()
    if user.is_admin or scope == "edit":
        ids = editable_provider_ids(session, user)
    else:
        ids = organisation_provider_ids(session, user)
    if ids is not None and not ids:
        return []
    settings = [m.organisation.review_after_months for m in user.memberships if m.organisation.review_after_months]
    # The query uses the most recent cut-off of the user's organisations; each instrument is then checked against its own.
    strictest = min(settings) if settings else DEFAULT_REVIEW_AFTER_MONTHS
    horizon = today + timedelta(days=ENDING_WITHIN_DAYS)
    stmt = (select(Instrument).where(Instrument.deleted_at.is_(None))
            .where(or_(Instrument.last_checked.is_(None), Instrument.last_checked < months_ago(today, strictest),
                       Instrument.valid_until.between(today, horizon), Instrument.publish_to.between(today, horizon)))
            .options(selectinload(Instrument.provider)).order_by(Instrument.name))
    if ids is not None:
        stmt = stmt.where(Instrument.provider_id.in_(ids))
    items = []
    for instrument in session.scalars(stmt):
        reasons = []
        cutoff = months_ago(today, review_months_for(user, instrument))
        ends_on = None
        if instrument.last_checked is None:
            reasons.append("never_checked")
        elif instrument.last_checked < cutoff:
            reasons.append("not_checked")
        if instrument.valid_until is not None and today <= instrument.valid_until <= horizon:
            reasons.append("ending")
            ends_on = instrument.valid_until
        if instrument.publish_to is not None and today <= instrument.publish_to <= horizon:
            reasons.append("publication_ending")
            ends_on = min(filter(None, [ends_on, instrument.publish_to]))
        if reasons:
            items.append(ReviewItem(instrument, reasons, cutoff, ends_on))
    return items

