"""Entry numbers: 1, 2, ... in each contest, whatever the other clients' contests hold.

The number is what the entrant's receipt, the organizer's tables and the draw's frozen list call
an entry (the list's ``entry_id``); the global primary key stays internal. The entry's INSERT
gives it, so it costs no statement of its own:

- PostgreSQL: ``nextval`` of the contest's sequence (``entry_numbers_<contest id>``, created
  with the contest). A sequence never blocks, so entries arriving together do not wait for each
  other; a number taken by an entry that is then refused (already entered) or rolled back stays
  unused, a gap. (A counter row bumped by each entry had them wait in turn until each commit:
  0.35x of the reference entry against 0.57x before, bench/entry_load.py; bumped inside the
  INSERT, it also deadlocked two entries of one person.)
- SQLite: the contest's highest number plus one, read in the INSERT; SQLite writes one
  transaction at a time, so this never repeats and leaves no gap.

Never given twice either way: the UNIQUE index ``uq_entries_contest_number`` says so again.
"""

from __future__ import annotations

from sqlalchemy import bindparam, cast, func, literal_column, select, text
from sqlalchemy.dialects.postgresql import REGCLASS

from ..extensions import db, on_postgresql
from ..models import Entry

_ENTRIES = Entry.__table__

#: The number a new entry's INSERT gives it (``numbering``: the contest's sequence's name).
next_number_postgresql = func.nextval(cast(bindparam("numbering"), REGCLASS))
#: The same on SQLite (``numbering``: the contest's id).
next_number_sqlite = (
    select(func.coalesce(func.max(_ENTRIES.c.number), 0) + literal_column("1"))
    .where(_ENTRIES.c.contest_id == bindparam("numbering"))
    .scalar_subquery()
)


def sequence_name(contest_id: int) -> str:
    return f"entry_numbers_{int(contest_id)}"


def ensure_numbering(contest_id: int) -> None:
    """Create the contest's sequence of entry numbers if it is not there (PostgreSQL; called
    when a contest is created and when it is published, so that no entry can come before it)."""
    if on_postgresql():
        db.session.execute(text(f"CREATE SEQUENCE IF NOT EXISTS {sequence_name(contest_id)}"))


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
