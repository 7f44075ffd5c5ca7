"""Stable, reversible UUIDs for HSDS objects.

HSDS wants a UUID for every object. Ours are derived from the database ids (which never change for a row): a fixed
prefix, a 4-digit object type and the number, laid out as an RFC 9562 version-8 ("custom") UUID, so the same instrument
keeps the same service id in every response and export, and `/services/{id}` finds the instrument back without a lookup
table. Parts of a service (its service areas, attributes, contacts) combine the instrument's id with the part's.
"""
from __future__ import annotations

import uuid

PREFIX = "6f9c2d51"
TYPES = {
    "service": 0x0001,
    "organization": 0x0002,
    "service_area": 0x0003,
    "taxonomy": 0x0004,
    "taxonomy_term": 0x0005,  # a term of taxonomy_term (target groups, schemes, ...)
    "kind_term": 0x0006,  # a term of the kinds (soorten), which have their own table
    "attribute": 0x0007,
    "cost_option": 0x0008,  # a dated parameter value
    "cost_option_fixed": 0x0009,  # an instrument's undated amount
    "contact": 0x000A,
    "phone": 0x000B,  # the phone of a service contact
    "organization_phone": 0x000C,
    "organization_identifier": 0x000D,
}
_BITS = 60  # 12 bits in the fourth group, 48 in the fifth
PART_BITS = 20  # a part number inside a service (area, term, contact index)


_HEADS = {kind: f"{PREFIX}-{code:04x}-8000-" for kind, code in TYPES.items()}
_LOW = 2**48 - 1


def make(kind: str, number: int) -> str:
    if not 0 <= number < 2**_BITS:
        raise ValueError(f"{kind} number out of range: {number}")
    return f"{_HEADS[kind]}{0x8000 | (number >> 48):04x}-{number & _LOW:012x}"


def make_part(kind: str, instrument_id: int, part: int) -> str:
    """The id of one part of a service: its instrument's id and the part's number (< 2**20)."""
    return make(kind, (instrument_id << PART_BITS) | part)


def number_of(kind: str, value: str) -> int | None:
    """The database id inside an id of this kind, or None when the text is not such an id."""
    try:
        parsed = uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        return None
    text = str(parsed)
    head = f"{PREFIX}-{TYPES[kind]:04x}-8000-"
    if not text.startswith(head) or value.strip().lower() != text:
        return None
    high = int(text[len(head):len(head) + 4], 16)
    if high & 0xF000 != 0x8000:
        return None
    return ((high & 0x0FFF) << 48) | int(text[-12:], 16)
