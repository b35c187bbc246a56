"""When the draw's public values come into existence, checked against the record's dates: the
list must be frozen before the named drand round or lottery draw, and the draw must come after
it. Standard library only (``zoneinfo`` reads the system's time zone database).
"""

from __future__ import annotations

from datetime import date, datetime

from . import beacon, sources
from .checks import CheckFailed, check


def instant(value, what: str) -> datetime:
    """An ISO 8601 instant with its offset; anything else fails the check that needs it."""
    try:
        instant = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise CheckFailed(f"{what} is not an ISO 8601 date and time: {value!r}") from None
    check(instant.utcoffset() is not None, f"{what} has no UTC offset: {value!r}")
    return instant


def verify_beacon(spec: dict, record: dict) -> str:
    """The drand round the specification names: drawn after it was published, and its BLS
    signature valid under the chain's key (with py_ecc; said plainly without it)."""
    named = spec["beacon"]
    chain = beacon.CHAINS.get(named["chain"])
    check(chain is not None, f"unknown drand chain {named['chain']}")
    check(
        chain.public_key == named["public_key"]
        and chain.round_time(named["round"]).isoformat() == named["round_time"],
        "the specification's drand round or key is not the chain's",
    )
    check(
        instant(record["drawn_at"], "drawn_at") >= chain.round_time(named["round"]),
        f"the draw is dated before drand round {named['round']} was published",
    )
    check(
        "frozen_at" in record
        and instant(record["frozen_at"], "frozen_at") < chain.round_time(named["round"]),
        f"the list was not frozen before drand round {named['round']} was published",
    )
    checked = beacon.verify(chain, named["round"], record["entropy"][0])
    if checked is None:
        return (
            f"drand round {named['round']}: signature NOT checked: install the py_ecc package "
            "to check it"
        )
    check(checked, f"the value is not drand round {named['round']}: its signature fails")
    return f"drand round {named['round']}: BLS signature valid under the League of Entropy key"


def lottery_day(spec: dict, record: dict) -> date | None:
    """The date whose matrix the values are read with: the named lottery draw's local date, or
    for a specification that names none, the draw's (None if neither is known)."""
    typed = sources.FORMATS.get(spec.get("source_format", sources.FREE))
    if typed is None:
        return None
    if "lottery" in spec:
        return typed.local_day(instant(spec["lottery"]["draw"], "the lottery draw's date"))
    try:
        return datetime.fromisoformat(record["drawn_at"]).date()
    except (KeyError, TypeError, ValueError):
        return None


def verify_lottery(spec: dict, record: dict, source_format: str) -> str:
    """The lottery draw the specification names: the first of its calendar after the close (re-
    derived), held after the list was frozen, its result public before the draw."""
    named = spec["lottery"]
    typed = sources.FORMATS.get(source_format)
    check(typed is not None, f"a lottery draw is named for the {source_format} format")
    held = instant(named["draw"], "the lottery draw's date")
    closes_at = instant(spec.get("closes_at"), "closes_at")
    expected = typed.next_draw(closes_at + sources.GRACE)
    check(
        held == expected,
        f"the specification names the {typed.name} draw of {held.isoformat()}, but the first "
        f"after the close is that of {expected.isoformat()}",
    )
    check(
        instant(named["published_after"], "the lottery result's date")
        == typed.published_after(held),
        f"the specification's {typed.name} publication time is not the calendar's",
    )
    check(
        "frozen_at" in record and instant(record["frozen_at"], "frozen_at") < held,
        f"the list was not frozen before the {typed.name} draw of {held.isoformat()}",
    )
    check(
        instant(record["drawn_at"], "drawn_at") >= typed.published_after(held),
        f"the draw is dated before the {typed.name} result of {held.isoformat()} was public",
    )
    return f"{typed.name} draw of {held.isoformat()}: the first after the close, after the freeze"
