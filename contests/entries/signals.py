"""Fraud signals on a new entry: the same phone or household as another entry, or a burst from
one address. They mark entries for the organizer's review queue and never block an entry.

The entry's own statement raises them (``entries.writes``): on PostgreSQL an entry that shares a
phone with another is still one statement, not one more round trip per signal asked."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache

from flask import current_app
from sqlalchemy import (
    Integer,
    String,
    and_,
    bindparam,
    func,
    literal_column,
    select,
    true,
)

from ..extensions import db
from ..models import Contest, Entry
from .networks import is_trusted


def _add_flag(entry: Entry, flag: str) -> None:
    flags = with_flag(entry.flags or "", flag)
    if flags != entry.flags:
        entry.flags = flags


#: The signals an entry raises when another entry of its contest has the same value: the flag
#: and the column compared. An entry without a value in that column raises none.
TWIN_SIGNALS = (("phone", "phone"), ("household", "household_key"))


def twin_flags(values: dict) -> tuple[str, ...]:
    """The twin signals an entry's row (``entry_statements.ENTRY_COLUMNS``) can raise: those
    whose column it has a value in (a phone, a postal code for the household)."""
    return tuple(flag for flag, column in TWIN_SIGNALS if values.get(column))


def sql_text(value: str):
    """One of this module's own constants as an SQL string literal (never user input): a
    parameter would count against the entry statement's (``entries.writes``)."""
    return literal_column(f"'{value}'", String)


#: Every flag a signal raises. None holds another's name, so "holds the name" is "has the flag".
FLAGS = ("phone", "household", "ip_burst")
if any(a in b for a in FLAGS for b in FLAGS if a != b):
    raise ValueError(f"a flag's name holds another's: {FLAGS}")


def has_flag(flags, flag: str):
    """SQL: whether the comma-separated ``flags`` hold ``flag`` (one of ``FLAGS``): written
    short, as the entry's statement counts its bytes (``entries.writes``)."""
    if flag not in FLAGS:
        raise ValueError(f"not a flag: {flag!r}")
    return flags.like(sql_text(f"%{flag}%"))


def twin_columns(flags) -> list[tuple[str, str]]:
    """(flag, column compared) of each twin signal among ``flags``."""
    return [(flag, column) for flag, column in TWIN_SIGNALS if flag in flags]


def twin_condition(table, column: str, contest, value):
    """SQL: a row of ``table`` (entries) in ``contest`` whose ``column`` holds ``value``
    (expressions: the new entry's parameters, or its row)."""
    return and_(table.c.contest_id == contest, table.c[column] == value, indexed(table.c[column]))


def indexed(column):
    """SQL: what the partial index of a twin ``column`` holds (``models.entry``), said in the
    query: ``household_key = :value`` implies ``household_key <> ''`` for neither SQLite's
    planner nor PostgreSQL's generic plan, which would then read the whole contest
    (``phone = :value`` does imply ``phone IS NOT NULL``)."""
    if column.name == "household_key":
        return column != sql_text("")
    return true()


def flags_raised(flags, raised):
    """SQL: the comma-separated ``flags`` followed by each of ``raised`` (expressions giving a
    flag's name, or NULL for a flag not raised), as ``with_flag`` writes them."""
    return func.concat_ws(sql_text(","), func.nullif(flags, sql_text("")), *raised)


def flag_appended(flags, flag: str):
    """SQL: ``with_flag(flags, flag)`` for flags that lack it."""
    return func.coalesce(func.nullif(flags, sql_text("")) + sql_text("," + flag), sql_text(flag))


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


def starts_burst(window: dict, recent: int) -> bool:
    """Whether an entry is the one that makes the threshold (``in_burst``, ``recent`` others
    before it): it flags the earlier entries of the burst too (``flag_burst_start``)."""
    return bool(window["limit"]) and recent + 1 == window["limit"]


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
    if not starts_burst(window, recent):
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
