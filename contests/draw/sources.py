"""Typed public sources: the lotteries a draw may name, each with one canonical way to write its
result. Standard library only, like the rest of ``contests.draw``.

With free text, the same real EuroMillions result could be typed as "7 19 23 38 44 2 9",
"07-19-23-38-44 / 02-09" and a thousand other ways, each giving another seed: whoever types it
could pick among a thousand draws. A typed source accepts those spellings at entry, but the
draw and the record keep only the canonical one ("7 19 23 38 44 + 2 9": each group's numbers in
increasing order, decimal without leading zeros, one space between numbers, " + " between
groups), and the verifier refuses any value that is not canonical.

Each lottery also has its calendar, so that a specification names one draw of it, fixed at
publication: the first held more than ``GRACE`` after the close (``SourceFormat.next_draw``),
when the list is already frozen. The contest's draw is refused until that draw's result is
certainly public, and the verifier re-derives the date from the close and checks that the list
was frozen before it. Calendars and matrices change (Powerball added Monday drawings in 2021,
Mega Millions dropped a Mega Ball in 2025): each is dated with its source, and a value is read
with the matrix of the draw it comes from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from . import beacon

#: A lottery draw named by a specification is the first one held at least this long after the
#: close, so that the list is frozen (at the close) before its numbers exist.
GRACE = beacon.GRACE


@dataclass(frozen=True)
class Schedule:
    """When a lottery draws, from ``since`` on (the operator's published calendar, ``source``).

    ``at`` is the latest usual time of the draw, local time in ``zone``; ``published`` how long
    after it the result is certainly public: the draw of the contest waits until then.
    """

    since: date
    weekdays: tuple[int, ...]  # Monday is 0
    at: time
    zone: str
    published: timedelta
    source: str


@dataclass(frozen=True)
class SourceFormat:
    key: str
    name: str
    #: The game's matrix over time: (first draw date it applies to, groups), oldest first; each
    #: group is (how many numbers, lowest, highest).
    matrices: tuple[tuple[date, tuple[tuple[int, int, int], ...]], ...]
    #: Its draw calendar over time, oldest first.
    schedules: tuple[Schedule, ...]

    def groups(self, day: date | None = None) -> tuple[tuple[int, int, int], ...]:
        """The matrix of the draw held on ``day`` (the latest one when no day is given)."""
        if day is None:
            return self.matrices[-1][1]
        in_force = [groups for since, groups in self.matrices if since <= day]
        return in_force[-1] if in_force else self.matrices[0][1]

    def describe(self, day: date | None = None) -> str:
        return " + ".join(f"{count} of {low}-{high}" for count, low, high in self.groups(day))

    def schedule(self, day: date) -> Schedule:
        """The calendar in force on ``day``."""
        return [s for s in self.schedules if s.since <= day][-1]

    def next_draw(self, after: datetime) -> datetime:
        """The first scheduled draw strictly after ``after`` (aware), in UTC."""
        for offset in range(15):
            day = after.astimezone(ZoneInfo(self.schedules[-1].zone)).date() + timedelta(offset)
            schedule = self.schedule(day)
            if day.weekday() in schedule.weekdays:
                when = datetime.combine(day, schedule.at, ZoneInfo(schedule.zone))
                if when > after:
                    return when.astimezone(ZoneInfo("UTC"))
        raise ValueError(f"{self.name} has no draw in the fortnight after {after.isoformat()}")

    def local_day(self, held: datetime) -> date:
        """The date of the draw held at ``held``, where it is held (it decides the matrix)."""
        return held.astimezone(ZoneInfo(self.schedule(held.date()).zone)).date()

    def published_after(self, draw: datetime) -> datetime:
        """When the result of the draw held at ``draw`` is certainly public."""
        return draw + self.schedule(draw.date()).published


def _days(*names: str) -> tuple[int, ...]:
    return tuple(("mon", "tue", "wed", "thu", "fri", "sat", "sun").index(n) for n in names)


FORMATS = {
    f.key: f
    for f in (
        SourceFormat(
            "euromillions",
            "EuroMillions",
            # Lucky Stars from 1 to 12 since the draw of 27 September 2016.
            ((date(2016, 9, 27), ((5, 1, 50), (2, 1, 12))),),
            # Tuesday draws since 10 May 2011; drawn in Paris about 21:00, results by 23:00.
            (
                Schedule(
                    date(2011, 5, 10),
                    _days("tue", "fri"),
                    time(21, 10),
                    "Europe/Paris",
                    timedelta(hours=2),
                    "https://www.fdj.fr/jeux-de-tirage/euromillions-my-million",
                ),
            ),
        ),
        SourceFormat(
            "fdj-loto",
            "Loto (FDJ)",
            ((date(2008, 10, 6), ((5, 1, 49), (1, 1, 10))),),
            # Monday, Wednesday and Saturday, drawn about 20:20, results on fdj.fr by 21:00.
            (
                Schedule(
                    date(2008, 10, 6),
                    _days("mon", "wed", "sat"),
                    time(20, 30),
                    "Europe/Paris",
                    timedelta(hours=1),
                    "https://www.fdj.fr/jeux-de-tirage/loto",
                ),
            ),
        ),
        SourceFormat(
            "uk-lotto",
            "UK Lotto",
            # 59 balls since the draw of 10 October 2015; the bonus ball is a seventh ball.
            ((date(2015, 10, 10), ((6, 1, 59), (1, 1, 59))),),
            (
                Schedule(
                    date(2015, 10, 10),
                    _days("wed", "sat"),
                    time(20, 15),
                    "Europe/London",
                    timedelta(hours=2),
                    "https://www.national-lottery.co.uk/games/lotto",
                ),
            ),
        ),
        SourceFormat(
            "us-powerball",
            "Powerball",
            ((date(2015, 10, 7), ((5, 1, 69), (1, 1, 26))),),
            # Monday drawings since 23 August 2021; 10:59 p.m. Eastern.
            (
                Schedule(
                    date(2021, 8, 23),
                    _days("mon", "wed", "sat"),
                    time(22, 59),
                    "America/New_York",
                    timedelta(hours=2),
                    "https://www.powerball.com/how-to-play",
                ),
            ),
        ),
        SourceFormat(
            "us-mega-millions",
            "Mega Millions",
            # The Mega Ball pool went from 25 to 24 balls with the drawing of 8 April 2025.
            (
                (date(2017, 10, 31), ((5, 1, 70), (1, 1, 25))),
                (date(2025, 4, 8), ((5, 1, 70), (1, 1, 24))),
            ),
            (
                Schedule(
                    date(2017, 10, 31),
                    _days("tue", "fri"),
                    time(23, 0),
                    "America/New_York",
                    timedelta(hours=2),
                    "https://www.megamillions.com/How-to-Play.aspx",
                ),
            ),
        ),
    )
}
#: A drand beacon round (``beacon``): the specification names the chain and the round.
DRAND = "drand-mainnet"
#: Free text: the value is kept as typed (white space collapsed). Only for sources no format fits.
FREE = "free"


class BadValue(ValueError):
    """The value is not a result of that source; the message says why."""


def canonical(key: str, value: str, day: date | None = None) -> str:
    """The one way to write ``value`` as a result of source ``key`` (BadValue if it is none);
    ``day``: the lottery draw's date, which decides its matrix (the latest one if not given)."""
    if key == FREE:
        return " ".join(value.split())
    if key == DRAND:
        try:
            return beacon.canonical(value)
        except beacon.BadBeacon as error:
            raise BadValue(str(error)) from None
    source = FORMATS[key]
    describe = source.describe(day)
    numbers = [int(n) for n in re.findall(r"\d+", value)]
    if re.search(r"[^\d\s,;:/+\-.]", value):
        raise BadValue(f"only numbers are expected ({describe})")
    expected = sum(count for count, _, _ in source.groups(day))
    if len(numbers) != expected:
        raise BadValue(f"{expected} numbers expected ({describe}), {len(numbers)} given")
    parts, at = [], 0
    for count, low, high in source.groups(day):
        group = numbers[at : at + count]
        at += count
        if any(not low <= n <= high for n in group):
            raise BadValue(f"numbers from {low} to {high} expected ({describe})")
        if len(set(group)) != len(group):
            raise BadValue(f"a number appears twice in one group ({describe})")
        parts.append(" ".join(str(n) for n in sorted(group)))
    return " + ".join(parts)


def is_canonical(key: str, value: str, day: date | None = None) -> bool:
    try:
        return canonical(key, value, day) == value
    except BadValue:
        return False
