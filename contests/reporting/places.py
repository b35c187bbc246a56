"""Where entrants live, from the first characters of their postal code: a French département
(Corsica and the overseas départements included), a UK postcode area, a US state (from the ZIP
Code's three-digit prefix, ``us_zip_prefixes.json``, with its source).

Coarse on purpose: a report shows regions, never a street; and a postal code that does not look
like the jurisdiction's is counted as "other" rather than guessed.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

OTHER = "?"
_UK_AREA = re.compile(r"^([A-Z]{1,2})\d")


@cache
def us_states() -> dict[str, str]:
    """Three-digit ZIP prefix -> state code, from the data file."""
    data = json.loads((Path(__file__).with_name("us_zip_prefixes.json")).read_text("utf-8"))
    return {
        f"{prefix:03d}": state
        for first, last, state in data["ranges"]
        for prefix in range(int(first), int(last) + 1)
    }


def place_of(prefix: str, jurisdiction: str) -> str:
    """The area of a postal code's first three characters in a contest of this jurisdiction."""
    code = prefix.strip().upper().replace(" ", "")
    if jurisdiction == "FR":
        if not code[:2].isdigit():
            return OTHER
        if code.startswith(("97", "98")) and len(code) >= 3 and code[2].isdigit():
            return code[:3]  # overseas: 971 Guadeloupe, 974 La Réunion...
        if code.startswith("20") and len(code) >= 3 and code[2].isdigit():
            return "2A" if code[2] in "01" else "2B"  # Corse-du-Sud 200-201, Haute-Corse 202-206
        return code[:2]
    if jurisdiction == "GB":
        found = _UK_AREA.match(code)
        return found.group(1) if found else OTHER
    if jurisdiction == "US":
        return us_states().get(code[:3], OTHER)
    return code[:2] or OTHER
