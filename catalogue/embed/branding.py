"""A region's look in its embedded pages: an accent colour and its own logo, both set by its coordinator.

The colour is `#rrggbb`; text on it is black or white, whichever contrasts more (always at least 4.5:1, WCAG AA). The
logo is an uploaded PNG, JPEG or WebP of at most MAX_LOGO_BYTES and MAX_LOGO_PIXELS a side, checked by decoding it
(Pillow), not by its name; without one no logo is shown (never a made-up one).
"""
from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass

from .errors import COLOUR, LOGO_DAMAGED, LOGO_PIXELS, LOGO_SIZE, LOGO_TYPE, SettingError

MAX_LOGO_BYTES = 300 * 1024
MAX_LOGO_PIXELS = 2000
LOGO_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
_COLOUR = re.compile(r"#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})")


class BrandingError(SettingError):
    pass


def parse_colour(text: str | None) -> str | None:
    """'#01689B', '01689b' or '#18b' -> '#01689b'; empty -> None (the guide's own colour)."""
    value = (text or "").strip()
    if not value:
        return None
    match = _COLOUR.fullmatch(value)
    if match is None:
        raise BrandingError(COLOUR)
    digits = match.group(1).lower()
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return f"#{digits}"


def _luminance(colour: str) -> float:
    def channel(hex2: str) -> float:
        c = int(hex2, 16) / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(colour[i:i + 2]) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def text_colour_on(colour: str) -> str:
    """#000000 or #ffffff, whichever reads better on `colour`."""
    return "#000000" if contrast(colour, "#000000") >= contrast(colour, "#ffffff") else "#ffffff"


@dataclass(frozen=True)
class Logo:
    data: bytes
    content_type: str
    digest: str  # part of its URL, so a new logo is a new URL


def check_logo(data: bytes) -> Logo:
    if len(data) > MAX_LOGO_BYTES:
        raise BrandingError(LOGO_SIZE, {"max": MAX_LOGO_BYTES // 1024})
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format
            width, height = image.size
            if kind not in LOGO_TYPES:
                raise BrandingError(LOGO_TYPE)
            if width > MAX_LOGO_PIXELS or height > MAX_LOGO_PIXELS:
                raise BrandingError(LOGO_PIXELS, {"max": MAX_LOGO_PIXELS})
            image.verify()
    except BrandingError:
        raise
    except UnidentifiedImageError:
        raise BrandingError(LOGO_TYPE) from None
    except Exception:  # truncated, corrupt, a decompression bomb: Pillow's errors vary by format
        raise BrandingError(LOGO_DAMAGED) from None
    return Logo(data, LOGO_TYPES[kind], hashlib.sha256(data).hexdigest()[:16])
