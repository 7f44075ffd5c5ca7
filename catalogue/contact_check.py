"""Refuses obviously invented contact data (placeholder phone numbers, example e-mail addresses, dummy names). No Flask.

Content rule: never invent a phone number, address or name; a missing fact stays empty and the page says "nog niet
bekend". The seed checks every contact with `contact_problems` and refuses the file when one is fake.
"""
from __future__ import annotations

import re

# reserved for documentation and tests (RFC 2606, RFC 6761) or plainly made up
FAKE_DOMAINS = ("example.com", "example.org", "example.net", "example.nl", "voorbeeld.nl", "test.nl", "domein.nl",
                "domain.com", "email.com", "localhost")
FAKE_TLDS = (".example", ".test", ".invalid", ".localhost")
FAKE_LOCAL_PARTS = ("test", "xxx", "naam", "name", "voornaam.achternaam", "info@info", "noreply", "no-reply")
FAKE_NAMES = ("jan jansen", "piet jansen", "jan de vries", "john doe", "jane doe", "piet puk", "klaas vaak", "n.n.",
              "nn", "xxx", "test", "lorem ipsum", "voornaam achternaam", "naam", "contactpersoon")


def phone_problem(phone: str | None) -> str | None:
    if not phone:
        return None
    digits = re.sub(r"\D", "", phone)
    if not digits:
        return f"telefoonnummer '{phone}' bevat geen cijfers"
    if len(digits) >= 6 and (len(set(digits)) == 1 or len(set(digits[-6:])) == 1):
        return f"telefoonnummer '{phone}' is een plaatsvervanger (steeds hetzelfde cijfer)"
    if "123456789" in digits or "987654321" in digits:
        return f"telefoonnummer '{phone}' is een plaatsvervanger (oplopende cijfers)"
    return None


def email_problem(email: str | None) -> str | None:
    if not email:
        return None
    value = email.strip().lower()
    local, _, domain = value.rpartition("@")
    if not local or not domain:
        return f"e-mailadres '{email}' is geen e-mailadres"
    if domain in FAKE_DOMAINS or domain.endswith(FAKE_TLDS) or any(domain.endswith("." + d) for d in FAKE_DOMAINS):
        return f"e-mailadres '{email}' gebruikt een voorbeelddomein ({domain})"
    if local in FAKE_LOCAL_PARTS:
        return f"e-mailadres '{email}' is een plaatsvervanger"
    return None


def name_problem(name: str | None) -> str | None:
    if not name:
        return None
    if " ".join(name.lower().split()) in FAKE_NAMES:
        return f"naam '{name}' is een plaatsvervanger"
    return None


def contact_problems(contact: dict | None) -> list[str]:
    """The problems of one contact ({name, phone, email, ...}); empty when it looks real (or is empty)."""
    contact = contact or {}
    found = [phone_problem(contact.get("phone")), email_problem(contact.get("email")), name_problem(contact.get("name"))]
    return [p for p in found if p]
