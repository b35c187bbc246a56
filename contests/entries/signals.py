"""Fraud signals on a new entry: the same phone or household as another entry, or a burst from
one address. They mark entries for the organizer's review queue and never block an entry."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Select, bindparam, func, select

from ..extensions import db
from ..models import Contest, Entry
from .networks import is_trusted


def _add_flag(entry: Entry, flag: str) -> None:
    flags = entry.flag_list
    if flag not in flags:
        entry.flags = ",".join([*flags, flag])


def flag_signals(
    contest: Contest, entry: Entry, now: datetime, recent_from_address: int | None = None
) -> None:
    """Mark, never block: the organizer reviews clusters and decides.

    Runs before the new entry is flushed, so every query below sees only the others.
    ``recent_from_address`` is the address's entries in the window, if the caller counted them
    with the contest (``recent_entries_column``), which saves the entry form a round trip.
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
        threshold = config["IP_BURST_THRESHOLD"]
        if recent_from_address is None:
            recent_from_address = db.session.execute(
                _BURST_COUNT, {"contest": contest.id, **burst_parameters(entry.ip_address, now)}
            ).scalar()
        total = 1 + recent_from_address
        if total == threshold:
            # Crossing the threshold flags the whole burst once...
            in_window = (
                same_contest,
                Entry.ip_address == entry.ip_address,
                Entry.created_at >= window,
            )
            for other in [entry, *db.session.execute(select(Entry).where(*in_window)).scalars()]:
                _add_flag(other, "ip_burst")
        elif total > threshold:
            # ...after which each new entry of the burst flags only itself (constant work per
            # entry).
            _add_flag(entry, "ip_burst")


def burst_parameters(address: str, now: datetime) -> dict:
    """The parameters of the burst count: the address, the window's start, the threshold."""
    config = current_app.config
    return {
        "ip": address,
        "since": now - timedelta(seconds=config["IP_BURST_WINDOW_SECONDS"]),
        "limit": config["IP_BURST_THRESHOLD"],
    }


def _recent_entries(contest_id) -> Select:
    """Entries from one address in the window, counted up to the threshold only: an office or a
    kiosk behind one address may send thousands, and each entry must not count them all again."""
    return select(func.count()).select_from(
        select(Entry.id)
        .where(
            Entry.contest_id == contest_id,
            Entry.ip_address == bindparam("ip"),
            Entry.created_at >= bindparam("since"),
        )
        .limit(bindparam("limit"))
        .correlate(Contest)
        .subquery()
    )


#: Built once, with parameters: constructing the statement cost as much as running it.
_BURST_COUNT = _recent_entries(bindparam("contest"))

#: The same count as a column of a query of contests (parameters: ``burst_parameters``): the entry
#: form reads its contest and the address's burst in one statement.
recent_entries_column = _recent_entries(Contest.id).scalar_subquery()
