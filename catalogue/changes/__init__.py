"""The public change feed (no Flask): `recorder` turns database changes into public changes, `feed` reads them,
`representation` is what the public sees of one instrument."""
from .feed import FeedError, decode_cursor, encode_cursor, modified_since, parse_timestamp, read
from .recorder import catch_up, record

__all__ = ["FeedError", "catch_up", "decode_cursor", "encode_cursor", "modified_since", "parse_timestamp", "read",
           "record"]
