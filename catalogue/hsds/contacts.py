"""An instrument's contacts (name, phone, e-mail, website as entered) as HSDS contacts with their phones. Nothing is
added: a contact without a phone has no phones, one without an e-mail no email."""
from __future__ import annotations

import re

from . import ids

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def contacts(instrument, service_id: str) -> list[dict]:
    out = []
    for index, entry in enumerate(instrument.contacts or []):
        if not isinstance(entry, dict) or not any(entry.get(k) for k in ("name", "phone", "email", "website")):
            continue
        contact = {"id": ids.make_part("contact", instrument.id, index), "service_id": service_id}
        if entry.get("name"):
            contact["name"] = entry["name"]
        if entry.get("email") and EMAIL.match(entry["email"]):
            contact["email"] = entry["email"]
        if entry.get("website"):
            contact["website"] = entry["website"]
        contact["phones"] = ([{"id": ids.make_part("phone", instrument.id, index), "contact_id": contact["id"],
                               "number": entry["phone"]}] if entry.get("phone") else [])
        out.append(contact)
    return out
