"""Conversions between a contest's wall-clock times and stored UTC instants."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones


class NonexistentLocalTime(ValueError):
    """The wall-clock time falls in a daylight-saving gap (e.g. 02:30 on the last Sunday of March in
    Paris)."""


@lru_cache(maxsize=1)
def known_timezones() -> frozenset[str]:
    """IANA names from the tzdata package, so validation does not depend on the host's files."""
    return frozenset(available_timezones())


def is_known_timezone(name: str) -> bool:
    return name in known_timezones()


def local_to_utc(wall_clock: datetime, tz_name: str) -> datetime:
    """Interpret a naive wall-clock time in ``tz_name``; refuse times that never happen there.

    An ambiguous time (the hour repeated when clocks go back) is read as its first occurrence,
    which is what a person writing "02:30" on that night most often means.
    """
    zone = ZoneInfo(tz_name)
    aware = wall_clock.replace(tzinfo=zone, fold=0)
    as_utc = aware.astimezone(UTC)
    if as_utc.astimezone(zone).replace(tzinfo=None) != wall_clock.replace(tzinfo=None):
        raise NonexistentLocalTime(f"{wall_clock:%Y-%m-%d %H:%M} does not exist in {tz_name}")
    return as_utc


def utc_to_local(instant: datetime, tz_name: str) -> datetime:
    """Give the naive wall-clock time that ``instant`` shows in ``tz_name`` (for form fields)."""
    return instant.astimezone(ZoneInfo(tz_name)).replace(tzinfo=None)
