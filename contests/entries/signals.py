"""Fraud signals on a new entry: the same phone or household as another entry, or a burst from
one address. They mark entries for the organizer's review queue and never block an entry."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam, func, select

from ..extensions import db
from ..models import Contest, Entry
from .networks import is_trusted


def _add_flag(entry: Entry, flag: str) -> None:
    flags = entry.flag_list
    if flag not in flags:
        entry.flags = ",".join([*flags, flag])


def flag_signals(contest: Contest, entry: Entry) -> None:
    """Mark, never block: the organizer reviews clusters and decides.

    The same phone or household as another entry; runs before the new entry is written, so the
    queries see only the others. (The burst is counted by the entry's INSERT: ``flag_burst``.)
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
    """The parameters of ``RECENT_ENTRIES`` for an entry from ``address``: nothing is counted
    (a limit of 0) for an entry without one or from one of the contest's trusted networks."""
    config = current_app.config
    counted = bool(address) and not is_trusted(contest, address)
    return {
        "ip": address,
        "since": now - timedelta(seconds=config["IP_BURST_WINDOW_SECONDS"]),
        "limit": config["IP_BURST_THRESHOLD"] if counted else 0,
    }


def flag_burst(entry: Entry, window: dict, recent: int) -> None:
    """Flag a burst from one address, once the entry is written: ``window`` is the entry's
    ``burst_window`` and ``recent`` the address's other entries in it, up to the threshold, as
    the entry's INSERT counted them (nothing for a trusted address)."""
    threshold = window["limit"]
    if not threshold or recent + 1 < threshold:
        return
    if recent + 1 == threshold:
        # Crossing the threshold flags the whole burst once...
        in_window = select(Entry).where(
            Entry.contest_id == entry.contest_id,
            Entry.ip_address == window["ip"],
            Entry.created_at >= window["since"],
        )
        for other in [entry, *db.session.execute(in_window).scalars()]:
            _add_flag(other, "ip_burst")
    else:
        # ...after which each new entry of the burst flags only itself (constant work per entry).
        _add_flag(entry, "ip_burst")


#: Entries from one address in the window, counted up to the threshold only: an office or a
#: kiosk behind one address may send thousands, and each entry must not count them all again.
#: Built once, with parameters (``contest`` and ``burst_window``): constructing the statement
#: cost as much as running it.
RECENT_ENTRIES = select(func.count()).select_from(
    select(Entry.id)
    .where(
        Entry.contest_id == bindparam("contest"),
        Entry.ip_address == bindparam("ip"),
        Entry.created_at >= bindparam("since"),
    )
    .limit(bindparam("limit"))
    .subquery()
)
