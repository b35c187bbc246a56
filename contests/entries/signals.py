"""Fraud signals on a new entry: the same phone or household as another entry, or a burst from
one address. They mark entries for the organizer's review queue and never block an entry."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache

from flask import current_app
from sqlalchemy import Integer, bindparam, func, literal_column, select

from ..extensions import db
from ..models import Contest, Entry
from .networks import is_trusted


def _add_flag(entry: Entry, flag: str) -> None:
    flags = with_flag(entry.flags or "", flag)
    if flags != entry.flags:
        entry.flags = flags


def flag_signals(contest: Contest, entry: Entry) -> None:
    """Mark, never block: the organizer reviews clusters and decides.

    The same phone or household as another entry; runs before the new entry is written, so the
    queries see only the others. (The burst is counted by the entry's INSERT: ``entries.writes``.)
    """
    for flag, column, value in (
        ("phone", Entry.phone, entry.phone),
        ("household", Entry.household_key, entry.household_key),
    ):
        if value:
            twins = (
                db.session.execute(
                    select(Entry).where(Entry.contest_id == contest.id, column == value)
                )
                .scalars()
                .all()
            )
            for other in [entry, *twins] if twins else []:
                _add_flag(other, flag)


def burst_window(contest: Contest, address: str, now: datetime) -> dict:
    """The parameters of ``recent_entries`` for an entry from ``address``: nothing is counted
    (a limit of 0) for an entry without one or from one of the contest's trusted networks."""
    config = current_app.config
    counted = bool(address) and not is_trusted(contest, address)
    return {
        "ip": address,
        "since": now - timedelta(seconds=config["IP_BURST_WINDOW_SECONDS"]),
        "limit": config["IP_BURST_THRESHOLD"] if counted else 0,
    }


def in_burst(window: dict, recent: int) -> bool:
    """Whether an entry is part of a burst: ``recent`` other entries of its address in the
    ``window`` (``burst_window``), itself making the threshold."""
    return bool(window["limit"]) and recent + 1 >= window["limit"]


def with_flag(flags: str, flag: str) -> str:
    """``flags`` (comma-separated) with ``flag`` added, once."""
    present = [f for f in flags.split(",") if f]
    return flags if flag in present else ",".join([*present, flag])


def flag_burst_start(entry: Entry, window: dict, recent: int) -> None:
    """The entry that makes the threshold flags the earlier entries of the burst, once written.

    The entries of a burst flag themselves as they are written (``entries.writes`` puts
    ``ip_burst`` in the row from the count its INSERT takes), so only the first ones need a
    second look: each entry costs no more than its own INSERT, a kiosk's thousands included.
    """
    if not in_burst(window, recent) or recent + 1 != window["limit"]:
        return
    in_window = select(Entry).where(
        Entry.contest_id == entry.contest_id,
        Entry.ip_address == window["ip"],
        Entry.created_at >= window["since"],
        Entry.id != entry.id,
    )
    for other in db.session.execute(in_window).scalars():
        _add_flag(other, "ip_burst")


@lru_cache(maxsize=8)
def recent_entries(limit: int):
    """Entries from one address in the window (parameters ``contest`` and ``burst_window``),
    counted up to ``limit``, the threshold, only: an office or a kiosk behind one address may send
    thousands, and each entry must not count them all again.

    The limit is written into the statement, not sent as a parameter: PostgreSQL plans a prepared
    statement once (its generic plan) only while that plan looks no dearer than one made for the
    values at hand, and an unknown LIMIT made the count look like a tenth of the contest's entries
    from that address. With a million entries it re-planned the entry's whole statement on every
    entry, 0.24 ms of the server's 0.6 (issue 19). Built once per limit: constructing the
    statement cost as much as running it.
    """
    return select(func.count().label("recent")).select_from(
        select(Entry.id)
        .where(
            Entry.contest_id == bindparam("contest"),
            Entry.ip_address == bindparam("ip"),
            Entry.created_at >= bindparam("since"),
        )
        .limit(literal_column(str(int(limit)), Integer))
        .subquery()
    )
