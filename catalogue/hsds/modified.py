"""When an HSDS record last changed, and `modified_after` in SQL.

A service changes when its instrument is edited (`updated_at`) and also when nobody touches it: on the day its
publication window opens (it appears), its scheme starts (status inactive → active) or its scheme ended the day
before (active → defunct). Such a day counts from 00:00 in the Netherlands. `last_modified` is the latest of these
that has happened, and `modified_after=T` returns exactly the services whose `last_modified` is on or after T, so a
consumer that asks with the time of its previous request misses nothing that became visible or changed status.
(Services that stopped being public are not listed any more; the change feed `/api/v1/changes` tells those.)"""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_

from ..models import Instrument

NL = ZoneInfo("Europe/Amsterdam")
FORMAT = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z|[+-](0[0-9]|1[0-4]):[0-5][0-9]))?$")


class ModifiedAfterError(ValueError):
    parameter = "modified_after"

    def __init__(self, value: str):
        super().__init__(f"geen geldig tijdstip '{value[:40]}' (RFC 3339, bijvoorbeeld 2026-01-01T00:00:00Z of 2026-01-01)")

    @property
    def message(self) -> str:
        return str(self)


def parse(value: str) -> datetime:
    """RFC 3339 date-time with offset (or Z), or a date (00:00 in the Netherlands) -> aware UTC datetime."""
    text = value
    try:
        if not FORMAT.match(text):
            raise ValueError
        if len(text) == 10:
            moment = datetime.combine(date.fromisoformat(text), time(), NL)
        else:
            moment = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    except ValueError:
        raise ModifiedAfterError(value) from None
    if not 1900 <= moment.year <= 2200:
        raise ModifiedAfterError(value)
    return moment.astimezone(timezone.utc)


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(), NL).astimezone(timezone.utc)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def modified_at(instrument, today: date) -> datetime:
    moments = [_utc(instrument.updated_at)]
    for day in (instrument.publish_from, instrument.valid_from,
                instrument.valid_until + timedelta(days=1) if instrument.valid_until else None):
        if day is not None and day <= today:
            moments.append(day_start(day))
    return max(moments)


def condition(after: datetime, today: date):
    """SQL: last_modified >= after (aware)."""
    local = after.astimezone(NL)
    first = local.date() if local.timetz().replace(tzinfo=None) == time() else local.date() + timedelta(days=1)
    return or_(
        Instrument.updated_at >= after.astimezone(timezone.utc),
        and_(Instrument.publish_from >= first, Instrument.publish_from <= today),
        and_(Instrument.valid_from >= first, Instrument.valid_from <= today),
        and_(Instrument.valid_until >= first - timedelta(days=1), Instrument.valid_until < today),
    )
