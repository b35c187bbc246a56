"""Entry numbers: 1, 2, ... in each contest, whatever the other clients' contests hold.

The number is what the entrant's receipt, the organizer's tables and the draw's frozen list call
an entry (the list's ``entry_id``); the global primary key stays internal. It comes from a
counter on the contest row (``contests.last_entry_number``), bumped by the entry's transaction
before anything else it writes: a rolled-back entry gives its number back, so numbers have no
gaps, and two entries at once wait for each other on the counter's row lock, so none is given
twice (the UNIQUE index ``uq_entries_contest_number`` says so again).

Why first: holding nothing else while it waits for the counter, an entry can never be waited for
by the entry that holds it. Bumped inside the entry's INSERT instead (a PostgreSQL function or
data-modifying CTE), two entries of one person deadlocked, each holding what the other needed
(the counter's row, the identity's index tuple), measured under 50 simultaneous submissions.
"""

from __future__ import annotations

from sqlalchemy import Integer, insert, select, text

from ..extensions import db
from ..models import Entry

_ENTRIES = Entry.__table__

_BUMP = text(
    "UPDATE contests SET last_entry_number = last_entry_number + 1 "
    "WHERE id = :contest RETURNING last_entry_number"
).columns(last_entry_number=Integer)
_INSERT = insert(_ENTRIES).returning(_ENTRIES.c.id)


def next_number(contest_id: int) -> int:
    """Take the contest's next entry number, locking its counter until the transaction ends: the
    first write of an entry's transaction (see the module's docstring)."""
    return db.session.execute(_BUMP, {"contest": contest_id}).scalar_one()


def insert_entry(values: dict) -> int:
    """Write one entry row (``values``: its columns but ``id``, with the ``number`` taken by
    ``next_number``); return its id. Raises IntegrityError as the INSERT does."""
    return db.session.execute(_INSERT, values).scalar_one()


def entries_numbered(contest_id: int, numbers) -> dict[int, Entry]:
    """The contest's entries with these numbers (a draw record's ``entry_id``), by number."""
    rows = db.session.execute(
        select(Entry).where(Entry.contest_id == contest_id, Entry.number.in_(list(numbers)))
    ).scalars()
    return {entry.number: entry for entry in rows}


def entry_numbered(contest_id: int, number: int | None) -> Entry | None:
    """The contest's entry with this number, if any."""
    if number is None:
        return None
    return db.session.execute(
        select(Entry).where(Entry.contest_id == contest_id, Entry.number == number)
    ).scalar_one_or_none()
