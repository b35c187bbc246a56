"""Amounts as organizers type them, stored as integer minor units."""

from __future__ import annotations

import re

#: Thousands separators people paste: space, no-break space, narrow no-break space, apostrophe.
_GROUPING = re.compile(r"[ \u00a0\u202f']")
_AMOUNT = re.compile(r"^(\d{1,12})(?:[.,](\d{1,2}))?$")


class MalformedAmount(ValueError):
    pass


def parse_amount(text: str) -> int:
    """Parse "1 234,50", "1234.5" or "80" into cents; refuse anything else rather than guess.

    Both decimal marks are accepted because French organizers type a comma and English ones a
    point; a value with both (``1.234,50``) is refused since its meaning depends on the reader.
    """
    cleaned = _GROUPING.sub("", text.strip())
    match = _AMOUNT.match(cleaned)
    if not match:
        raise MalformedAmount(text)
    units, decimals = match.group(1), (match.group(2) or "").ljust(2, "0")
    return int(units) * 100 + int(decimals)


def format_amount_plain(minor: int) -> str:
    """Render cents back into the plain form ``parse_amount`` reads (for forms and exports)."""
    return f"{minor // 100}.{minor % 100:02d}"
