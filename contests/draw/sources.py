"""Typed public sources: the lotteries a draw may name, each with one canonical way to write its
result. Standard library only, like the rest of ``contests.draw``.

With free text, the same real EuroMillions result could be typed as "7 19 23 38 44 2 9",
"07-19-23-38-44 / 02-09" and a thousand other ways, each giving another seed: whoever types it
could pick among a thousand draws. A typed source accepts those spellings at entry, but the
draw and the record keep only the canonical one ("7 19 23 38 44 + 2 9": each group's numbers in
increasing order, decimal without leading zeros, one space between numbers, " + " between
groups), and the verifier refuses any value that is not canonical.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import beacon


@dataclass(frozen=True)
class SourceFormat:
    key: str
    name: str
    #: Each group of the result: (how many numbers, lowest, highest).
    groups: tuple[tuple[int, int, int], ...]

    def describe(self) -> str:
        return " + ".join(f"{count} of {low}-{high}" for count, low, high in self.groups)


FORMATS = {
    f.key: f
    for f in (
        SourceFormat("euromillions", "EuroMillions", ((5, 1, 50), (2, 1, 12))),
        SourceFormat("fdj-loto", "Loto (FDJ)", ((5, 1, 49), (1, 1, 10))),
        SourceFormat("uk-lotto", "UK Lotto", ((6, 1, 59), (1, 1, 59))),
        SourceFormat("us-powerball", "Powerball", ((5, 1, 69), (1, 1, 26))),
        SourceFormat("us-mega-millions", "Mega Millions", ((5, 1, 70), (1, 1, 25))),
    )
}
#: A drand beacon round (``beacon``): the specification names the chain and the round.
DRAND = "drand-mainnet"
#: Free text: the value is kept as typed (white space collapsed). Only for sources no format fits.
FREE = "free"


class BadValue(ValueError):
    """The value is not a result of that source; the message says why."""


def canonical(key: str, value: str) -> str:
    """The one way to write ``value`` as a result of source ``key`` (BadValue if it is none)."""
    if key == FREE:
        return " ".join(value.split())
    if key == DRAND:
        try:
            return beacon.canonical(value)
        except beacon.BadBeacon as error:
            raise BadValue(str(error)) from None
    source = FORMATS[key]
    numbers = [int(n) for n in re.findall(r"\d+", value)]
    if re.search(r"[^\d\s,;:/+\-.]", value):
        raise BadValue(f"only numbers are expected ({source.describe()})")
    expected = sum(count for count, _, _ in source.groups)
    if len(numbers) != expected:
        raise BadValue(f"{expected} numbers expected ({source.describe()}), {len(numbers)} given")
    parts, at = [], 0
    for count, low, high in source.groups:
        group = numbers[at : at + count]
        at += count
        if any(not low <= n <= high for n in group):
            raise BadValue(f"numbers from {low} to {high} expected ({source.describe()})")
        if len(set(group)) != len(group):
            raise BadValue(f"a number appears twice in one group ({source.describe()})")
        parts.append(" ".join(str(n) for n in sorted(group)))
    return " + ".join(parts)


def is_canonical(key: str, value: str) -> bool:
    try:
        return canonical(key, value) == value
    except BadValue:
        return False
