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


def flag_signals(contest: Contest, entry: Entry, now: datetime) -> None:
    """Mark, never block: the organizer reviews clusters and decides.

    Runs before the new entry is flushed, so every query below sees only the others.
    """
    config = current_app.config
    same_contest = Entry.contest_id == contest.id
    for flag, column, value in (
        ("phone", Entry.phone, entry.phone),
        ("household", Entry.household_key, entry.household_key),
    ):
        if value:
            twins = (
                db.session.execute(select(Entry).where(same_contest, column == value))
                .scalars()
                .all()
            )
            for other in [entry, *twins] if twins else []:
                _add_flag(other, flag)
    if entry.ip_address and not is_trusted(contest, entry.ip_address):
        window = now - timedelta(seconds=config["IP_BURST_WINDOW_SECONDS"])
        in_window = (same_contest, Entry.ip_address == entry.ip_address, Entry.created_at >= window)
        threshold = config["IP_BURST_THRESHOLD"]
        total = (
            1
            + db.session.execute(
                _BURST_COUNT,
                {
                    "contest": contest.id,
                    "ip": entry.ip_address,
                    "since": window,
                    "limit": threshold,
                },
            ).scalar()
        )
        if total == threshold:
            # Crossing the threshold flags the whole burst once...
            for other in [entry, *db.session.execute(select(Entry).where(*in_window)).scalars()]:
                _add_flag(other, "ip_burst")
        elif total > threshold:
            # ...after which each new entry of the burst flags only itself (constant work per
            # entry).
            _add_flag(entry, "ip_burst")


#: Entries from one address in the window, counted up to the threshold only: an office or a
#: kiosk behind one address may send thousands, and each entry must not count them all again.
#: Built once, with parameters: constructing the statement cost as much as running it.
_BURST_COUNT = select(func.count()).select_from(
    select(Entry.id)
    .where(
        Entry.contest_id == bindparam("contest"),
        Entry.ip_address == bindparam("ip"),
        Entry.created_at >= bindparam("since"),
    )
    .limit(bindparam("limit"))
    .subquery()
)
