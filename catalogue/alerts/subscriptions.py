"""Subscribing to a filter with double opt-in, confirming, unsubscribing.

The confirmation link carries a signed (subscription id, nonce) valid for 7 days; only the nonce's SHA-256 is stored
and it is cleared on confirmation, so the link works once. The unsubscribe link (in every mail) carries a signed
(subscription id, part of the filter key) without expiry; following it deletes the subscription and with it the
address. Forged, expired and used links are refused with `AlertError`."""
from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ..auth import normalise_email, send_mail
from ..models import ALERT_FREQUENCIES, ALERT_SOURCES, AlertSubscription, OutboxMessage
from . import filters
from ..db import utc_now

CONFIRM_MAX_AGE = 7 * 24 * 3600  # seconds
CONFIRM_SUBJECT = {"nl": "Bevestig: houd mij op de hoogte", "en": "Please confirm: keep me posted"}
MAX_CONFIRM_MAILS_PER_HOUR = 3  # per address: nobody is mail-bombed through the form
MAX_SUBSCRIPTIONS_PER_ADDRESS = 50
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


class AlertError(ValueError):
    """`code`: email | frequency | filter | too_many | forged | expired | used | gone."""

    def __init__(self, code: str, field: str | None = None):
        super().__init__(code)
        self.code, self.field = code, field


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def check_email(email: str | None) -> str:
    address = normalise_email(email)
    if not address or len(address) > 254 or not _EMAIL.match(address):
        raise AlertError("email", "email")
    return address


def _confirm_serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt="alert-confirm")


def _unsubscribe_serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt="alert-unsubscribe")


def unsubscribe_token(secret: str, subscription: AlertSubscription) -> str:
    return _unsubscribe_serializer(secret).dumps({"s": subscription.id, "k": subscription.filter_key[:16]})


def subscribe(session: Session, secret: str, email: str | None, source: str, normalised: dict, frequency: str,
              language: str, link_for) -> AlertSubscription | None:
    """Store an unconfirmed subscription (or renew the link of an unconfirmed one) and mail the confirmation link.
    An address that already follows this filter gets nothing new; the answer to the visitor is the same either way,
    so the form does not tell who follows what. `link_for(kind, **values)` builds absolute URLs."""
    address = check_email(email)
    if frequency not in ALERT_FREQUENCIES:
        raise AlertError("frequency", "frequency")
    if source not in ALERT_SOURCES:
        raise AlertError("filter")
    key = filters.filter_key(source, normalised)
    item = session.scalar(select(AlertSubscription).where(AlertSubscription.email == address,
                                                          AlertSubscription.filter_key == key))
    if item is not None and item.confirmed_at is not None:
        return None
    if item is None:
        count = session.scalar(select(func.count()).select_from(AlertSubscription).where(
            AlertSubscription.email == address))
        if count >= MAX_SUBSCRIPTIONS_PER_ADDRESS:
            raise AlertError("too_many", "email")
        item = AlertSubscription(email=address, source=source, filter=normalised, filter_key=key)
        session.add(item)
    item.frequency, item.language = frequency, language if language in CONFIRM_SUBJECT else "nl"
    recent = session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.recipient == address, OutboxMessage.subject.in_(list(CONFIRM_SUBJECT.values())),
        OutboxMessage.created_at > utc_now() - timedelta(hours=1)))
    if recent >= MAX_CONFIRM_MAILS_PER_HOUR:
        session.flush()
        return item
    nonce = secrets.token_urlsafe(16)
    item.confirm_nonce_hash = _hash(nonce)
    session.flush()
    token = _confirm_serializer(secret).dumps({"s": item.id, "n": nonce})
    send_mail(session, address, CONFIRM_SUBJECT[item.language],
              _confirm_body(session, item, link_for("confirm", token=token)))
    return item


def _confirm_body(session: Session, item: AlertSubscription, link: str) -> str:
    parts = "\n".join(f"  {label}: {value}" if value else f"  {label}"
                      for label, value in filters.describe(session, item.source, item.filter, item.language))
    if item.language == "en":
        often = "every day" if item.frequency == "daily" else "every week"
        return (f"Hello,\n\nSomeone (hopefully you) asked the Open instrumentengids to mail this address {often} "
                f"about new, changed, ending and ended instruments for:\n\n{parts}\n\nPlease confirm within 7 days "
                f"(the link works once):\n\n{link}\n\nDid not ask for this? Ignore this message; we will not mail "
                "you again and the address is deleted after 7 days.")
    often = "elke dag" if item.frequency == "daily" else "elke week"
    return (f"Beste lezer,\n\nIemand (hopelijk u) vroeg de Open instrumentengids om dit adres {often} te mailen over "
            f"nieuwe, gewijzigde, aflopende en beëindigde instrumenten voor:\n\n{parts}\n\nBevestig dit binnen 7 dagen "
            f"(de link werkt één keer):\n\n{link}\n\nVroeg u dit niet? Dan kunt u dit bericht negeren; we mailen u "
            "niet meer en het adres wordt na 7 dagen verwijderd.")


def confirm(session: Session, secret: str, token: str, now: datetime | None = None,
            max_age: int = CONFIRM_MAX_AGE) -> AlertSubscription:
    try:
        data = _confirm_serializer(secret).loads(token or "", max_age=max_age)
    except SignatureExpired:
        raise AlertError("expired") from None
    except BadSignature:
        raise AlertError("forged") from None
    if not isinstance(data, dict) or not isinstance(data.get("s"), int) or not isinstance(data.get("n"), str):
        raise AlertError("forged")
    item = session.get(AlertSubscription, data["s"])
    if item is None or item.confirm_nonce_hash is None \
            or not secrets.compare_digest(item.confirm_nonce_hash, _hash(data["n"])):
        raise AlertError("used")  # confirmed already, replaced by a newer link, or removed
    item.confirmed_at, item.confirm_nonce_hash = now or utc_now(), None
    session.flush()
    return item


def unsubscribe(session: Session, secret: str, token: str) -> str:
    """Delete the subscription the link names (and so the address, if it follows nothing else); returns the
    address for the page. Refused: forged links, and links whose subscription is gone already."""
    try:
        data = _unsubscribe_serializer(secret).loads(token or "")
    except BadSignature:
        raise AlertError("forged") from None
    if not isinstance(data, dict) or not isinstance(data.get("s"), int) or not isinstance(data.get("k"), str):
        raise AlertError("forged")
    item = session.get(AlertSubscription, data["s"])
    if item is None or item.filter_key[:16] != data["k"]:
        raise AlertError("gone")
    address = item.email
    session.delete(item)
    session.flush()
    return address


def for_email(session: Session, email: str) -> list[AlertSubscription]:
    return list(session.scalars(select(AlertSubscription).where(AlertSubscription.email == normalise_email(email))
                                .order_by(AlertSubscription.created_at, AlertSubscription.id)))


def remove(session: Session, email: str, subscription_id: int) -> bool:
    """A logged-in user removes one of the subscriptions of their own address."""
    result = session.execute(delete(AlertSubscription).where(AlertSubscription.id == subscription_id,
                                                             AlertSubscription.email == normalise_email(email)))
    return bool(result.rowcount)


def set_frequency(session: Session, email: str, subscription_id: int, frequency: str) -> bool:
    if frequency not in ALERT_FREQUENCIES:
        raise AlertError("frequency", "frequency")
    item = session.get(AlertSubscription, subscription_id)
    if item is None or item.email != normalise_email(email):
        return False
    item.frequency = frequency
    return True


def prune_unconfirmed(session: Session, now: datetime | None = None) -> int:
    """Unconfirmed subscriptions are deleted once their link has expired: no address is kept without consent."""
    cutoff = (now or utc_now()) - timedelta(seconds=CONFIRM_MAX_AGE)
    result = session.execute(delete(AlertSubscription).where(AlertSubscription.confirmed_at.is_(None),
                                                             AlertSubscription.created_at < cutoff))
    return result.rowcount or 0
