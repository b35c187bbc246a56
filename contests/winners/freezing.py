"""The entrant list frozen at the close, before any public value of the draw exists.

Whoever runs the server could otherwise edit the list once the values are known and steer the
draw (disqualify the entries that beat a chosen one, or insert one and retry). So a first draw's
list is frozen when the contest closes: by the worker's ``freeze`` job, or by the first request
or command that meets the closed contest, whichever comes first. Its count, SHA-256 and Merkle
root are published on the contest and draw pages and in the audit log; the draw then reads the
stored list and refuses to go on if it no longer matches that root. A winner found ineligible
later is replaced by substitution, with a reason, never by editing the list.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError

from .. import audit
from ..draw import lookup, parallel, protocol
from ..draw.canonical import MalformedEntrantFile, encode_line, entrant_commit
from ..draw.frozen import little_endian
from ..errors import WrongState
from ..extensions import db, on_postgresql
from ..models import (
    Contest,
    Draw,
    DrawList,
    DrawListBlock,
    DrawState,
    Entry,
    EntryStatus,
    State,
    User,
)
from .records import draw_of

PROGRESS_EVERY = 100_000


def _eligible(contest: Contest, progress=None):
    """The frozen list row by row, in entry number order: (number, weight, canonical line).

    The fallback of ``_file_chunks``: it also hashes the commitment of rows stored without one
    (written without the app: an import, a row older than the column).
    """
    table = Entry.__table__
    rows = db.session.connection().execute(
        select(
            table.c.number,
            table.c.weight,
            table.c.entrant_commit,
            table.c.salt,
            table.c.identity_key,
        )
        .where(table.c.contest_id == contest.id, table.c.status == EntryStatus.CONFIRMED)
        .order_by(table.c.number)
        .execution_options(stream_results=True, yield_per=20_000)
    )
    for count, (entry_id, weight, commit, salt, identity) in enumerate(rows, start=1):
        yield (
            entry_id,
            weight,
            encode_line(entry_id, weight, commit or entrant_commit(bytes(salt), identity)),
        )
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(count)


#: One chunk of the entrant file, from the last entry number of the chunk before: the database
#: builds the lines and joins them, each chunk is a few megabytes. (The list's ``entry_id`` is
#: the entry's number in its contest, read along the UNIQUE index on (contest_id, number).)
_CHUNK = {
    "postgresql": "SELECT string_agg(line, E'\\n') || E'\\n', max(number), count(*) FROM "
    "(SELECT number, number::text || ',' || weight::text || ',' || entrant_commit AS line"
    " FROM entries WHERE contest_id = :contest AND status = 'confirmed' AND number > :after"
    " ORDER BY number LIMIT :size) AS chunk",
    # A BLOB: bytes straight from SQLite, not a str to encode into a second copy. (SQLite
    # promises no order for group_concat; the workers check that ids increase.)
    "sqlite": "SELECT CAST(group_concat(line, char(10)) || char(10) AS BLOB), max(number), "
    "count(*) FROM (SELECT number, number || ',' || weight || ',' || entrant_commit AS line"
    " FROM entries WHERE contest_id = :contest AND status = 'confirmed' AND number > :after"
    " ORDER BY number LIMIT :size)",
}


def _file_chunks(contest: Contest, progress=None) -> Iterator[bytes]:
    """The frozen list as the database writes it, the entrant file itself: one canonical line per
    eligible entry, in id order, LF-terminated, in chunks of ``parallel.BLOCK`` lines.

    A million rows turned into Python tuples cost more than all the hashing; strings built by the
    database do not. Each chunk is hashed by a worker as soon as it arrives, while the database
    builds the next (``parallel.streamed_root_and_selection``); the workers check every line and
    that ids increase, as the verifier does. (PostgreSQL's COPY was as fast, but sent a message
    per row that this process had to join, taking the CPU the workers need.)
    """
    sql = text(_CHUNK[db.session.get_bind().dialect.name])
    after, count = -1, 0
    while True:
        chunk, last, rows = db.session.execute(
            sql, {"contest": contest.id, "after": after, "size": parallel.BLOCK}
        ).one()
        if not rows:
            return
        yield chunk.encode() if isinstance(chunk, str) else chunk
        after, count = last, count + rows
        if progress is not None and count // PROGRESS_EVERY > (count - rows) // PROGRESS_EVERY:
            progress(count)


def _store_entrants_file(draw_id: int, data: bytes, receipt_index: bytes) -> None:
    """Write the entrant file, one row per block (see DrawList); on PostgreSQL as binary
    parameters.

    psycopg sends bytes as hex text by default: twice the size, and most of the time of a
    million-entry draw went into encoding and parsing it.
    """
    rows = lookup.blocks(receipt_index, data)
    if not rows:
        return
    if on_postgresql():
        connection = db.session.connection()
        with connection.connection.dbapi_connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO draw_list_blocks (draw_id, number, lines) VALUES (%s, %s, %b)",
                [(draw_id, number, lines) for number, lines in rows],
            )
        # libpq keeps its output buffer at the largest message sent for the connection's life:
        # this one is closed when the session ends, not pooled.
        connection.detach()
    else:
        db.session.execute(
            insert(DrawListBlock),
            [{"draw_id": draw_id, "number": n, "lines": bytes(lines)} for n, lines in rows],
        )


def store_list(draw_id: int, frozen: protocol.FrozenList, summary: dict, head: dict) -> None:
    """Keep a frozen list with what is published of it and the audit chain's head once its
    freeze is recorded, in the caller's transaction."""
    receipt_index = lookup.build_index(frozen.ids, frozen.sub_roots, frozen.sub_sizes)
    columns = {
        "audit_event_id": head["event_id"],
        "audit_count": head["count"],
        "audit_hash": head["hash"],
        "count": summary["count"],
        "total_tickets": summary["total_tickets"],
        "file_sha256": summary["file_sha256"],
        "merkle_root": summary["merkle_root"],
    }
    arrays = {
        "receipt_index": receipt_index,
        "ids": little_endian(frozen.ids),
        "weights": little_endian(frozen.weights),
    }
    if on_postgresql():
        # As binary parameters (see _store_entrants_file): 12 MB for a million entries.
        names = ["draw_id", *columns, *arrays]
        with db.session.connection().connection.dbapi_connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO draw_lists ({', '.join(names)}) VALUES "
                f"({', '.join(['%s'] * (1 + len(columns)) + ['%b'] * len(arrays))})",
                [draw_id, *columns.values(), *arrays.values()],
            )
    else:
        db.session.execute(insert(DrawList).values(draw_id=draw_id, **columns, **arrays))
    _store_entrants_file(draw_id, frozen.file_bytes(), receipt_index)


def listing_of(draw: Draw) -> DrawList | None:
    """The draw's frozen list (its published figures; the file is read on demand)."""
    return db.session.get(DrawList, draw.id)


def freeze_entrants(
    contest: Contest,
    now: datetime,
    actor: User | None = None,
    progress=None,
    summarize=protocol.summarize,
) -> tuple[DrawList, protocol.FrozenList | None]:
    """Freeze a closed contest's list for its first draw, once; return it, with the list in
    memory when this call froze it (None when it was already frozen).

    ``summarize`` hashes the list and returns what is published of it; a draw that freezes the
    list itself passes one that draws in the same pass over the lines (one pool of workers).

    The claim is a conditional UPDATE of the draw's ``frozen_at``: of two workers, or a worker
    and a request, one freezes and the other finds it done (PostgreSQL makes the second wait for
    the first's commit; SQLite lets one writer at a time).
    """
    draw = draw_of(contest)
    if draw is None:
        raise WrongState(_l("This contest has no draw commitment: publish it first."))
    if contest.ends_at is None or now < contest.ends_at:
        raise WrongState(_l("The entrant list is frozen when the contest closes, not before."))
    claimed = db.session.execute(
        update(Draw).where(Draw.id == draw.id, Draw.frozen_at.is_(None)).values(frozen_at=now)
    ).rowcount
    if claimed != 1:
        listing = listing_of(draw)
        if listing is None:
            raise WrongState(_l("This draw's entrant list is missing: restore it from a backup."))
        return listing, None
    # Entries being written when the contest closed: each holds a KEY SHARE lock on the contest
    # row (its foreign key) until it commits, so this waits for them and the list below sees them.
    # (SQLite: the claim above needed the one write lock, with a snapshot no writer has passed.)
    db.session.execute(select(Contest.id).where(Contest.id == contest.id).with_for_update())
    frozen = protocol.FrozenList.from_chunks(_file_chunks(contest, progress))
    try:
        summary = summarize(frozen)
    except MalformedEntrantFile:
        # A line without its commitment (a row written without the app) or, in theory, an aggregate
        # out of id order (SQLite does not promise one): read row by row, hashing what is missing.
        frozen = protocol.FrozenList.from_records(_eligible(contest, progress))
        summary = summarize(frozen)
    record_freeze(draw, contest, frozen, summary, actor)
    return listing_of(draw), frozen


def record_freeze(
    draw: Draw, contest: Contest, frozen: protocol.FrozenList, summary: dict, actor: User | None
) -> None:
    """The audit event of a freeze, then the list with the chain's head that includes it."""
    audit.record(
        "draw.list_frozen",
        actor=actor,
        contest=contest,
        draw_id=draw.id,
        entrants=summary["count"],
        tickets=summary["total_tickets"],
        file_sha256=summary["file_sha256"],
        merkle_root=summary["merkle_root"],
    )
    store_list(draw.id, frozen, summary, audit.head())
    db.session.flush()


def freeze_due(contest: Contest, now: datetime) -> bool:
    """Whether the contest has closed and its first draw's list still waits to be frozen."""
    if contest.state != State.PUBLISHED or contest.ends_at is None or now < contest.ends_at:
        return False
    draw = draw_of(contest)
    return draw is not None and draw.state == DrawState.COMMITTED and draw.frozen_at is None


def due_to_freeze(now: datetime, limit: int) -> list[int]:
    """Contests closed with a first draw still committed and its list not frozen."""
    return list(
        db.session.execute(
            select(Contest.id)
            .join(
                Draw,
                (Draw.contest_id == Contest.id)
                & (Draw.sequence == 1)
                & Draw.superseded_at.is_(None),
            )
            .where(
                Contest.state == State.PUBLISHED,
                Contest.ends_at <= now,
                Draw.state == DrawState.COMMITTED,
                Draw.frozen_at.is_(None),
            )
            .order_by(Contest.ends_at)
            .limit(limit)
        ).scalars()
    )


def list_is_frozen(contest_id: int) -> bool:
    """Whether the contest's first draw has its list frozen (nothing may enter or leave it)."""
    return (
        db.session.execute(
            select(Draw.frozen_at).where(
                Draw.contest_id == contest_id, Draw.sequence == 1, Draw.superseded_at.is_(None)
            )
        ).scalar()
        is not None
    )


#: What a second freezer meets while the first holds the claim: the primary key of the list
#: (PostgreSQL), or SQLite's write lock or stale snapshot. The list is then someone else's work.
RACED = (IntegrityError, OperationalError)
