"""The jury's criteria as the organizer writes them, one per line: "Originality: 10"."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

MAX_CRITERIA = 10
MAX_POINTS = 100
_LINE = re.compile(r"^(?P<name>.+?)\s*[:|/]\s*(?P<points>\d{1,3})\s*(?:points?|pts?)?$", re.I)


@dataclass(frozen=True)
class Criterion:
    name: str
    points: int


class CriteriaError(ValueError):
    """What is wrong with the criteria text, in the reader's language."""


def parse_criteria(text: str) -> list[Criterion]:
    """The criteria in order, or CriteriaError naming the first line that cannot be read."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    criteria = []
    for number, line in enumerate(lines, start=1):
        match = _LINE.match(line)
        if match is None or not 1 <= int(match["points"]) <= MAX_POINTS:
            raise CriteriaError(
                _l(
                    "Line %(number)d: write a criterion and its maximum points (1 to %(max)d), "
                    "e.g. “Originality: 10”.",
                    number=number,
                    max=MAX_POINTS,
                )
            )
        criteria.append(Criterion(match["name"][:100], int(match["points"])))
    if len(criteria) > MAX_CRITERIA:
        raise CriteriaError(_l("At most %(max)d criteria.", max=MAX_CRITERIA))
    return criteria


def criteria_or_empty(text: str) -> list[Criterion]:
    """The criteria of a saved contest (validated when saved); none if unreadable."""
    try:
        return parse_criteria(text)
    except CriteriaError:
        return []
