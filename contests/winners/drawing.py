"""The draw itself: freeze the eligible entries, compute the seed and the ordered result, store it.

A million entries are drawn in about two seconds: the database writes the entrant file in one
query, and the hashing runs in forked workers (``contests.draw.parallel``).
"""

from __future__ import annotations

import json
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select, text, update

from .. import audit
from ..draw import lookup, protocol, rfc3797
from ..draw.canonical import MalformedEntrantFile, encode_line, entrant_commit
from ..errors import ValidationFailed, WrongState
from ..extensions import db
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
from .awards import open_awards
from .records import UNPRINTABLE, draw_of, pending_draw

TOOL = "contests 0.1.0"


PROGRESS_EVERY = 100_000


def _on_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _eligible(contest: Contest, progress=None):
    """The frozen list row by row, in entry id order: (id, weight, canonical line).

    The fallback of ``_frozen_list``: it also hashes the commitment of rows stored without one
    (written without the app: an import, a row older than the column).
    """
    table = Entry.__table__
    rows = db.session.connection().execute(
        select(
            table.c.id, table.c.weight, table.c.entrant_commit, table.c.salt, table.c.identity_key
        )
        .where(table.c.contest_id == contest.id, table.c.status == EntryStatus.CONFIRMED)
        .order_by(table.c.id)
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


def _frozen_list(contest: Contest, progress=None) -> protocol.FrozenList:
    """The frozen list, built by the database as the entrant file itself: one canonical line per
    eligible entry, in id order, LF-terminated.

    A million rows turned into Python tuples cost more than all the hashing; one string does not.
    The workers then check every line and that ids increase, as the verifier does.
    """
    if _on_postgresql():
        # COPY streams the rows as small messages, each already "<line>\n": faster than one
        # string_agg value (0.6 s against 0.9 s for a million), and libpq never holds a 74 MB
        # message (its buffers keep their largest size for the connection's life). Sorted in
        # memory: the default 4 MB work_mem would spill to disk.
        raw = db.session.connection().connection.driver_connection
        raw.execute("SET LOCAL work_mem = '256MB'")
        buffer = bytearray()
        with (
            raw.cursor() as cursor,
            cursor.copy(
                "COPY (SELECT id::text || ',' || weight::text || ',' || entrant_commit FROM entries"
                " WHERE contest_id = %s AND status = 'confirmed' ORDER BY id) TO STDOUT",
                (contest.id,),
            ) as copy,
        ):
            if progress is None:
                for block in copy:
                    buffer += block
            else:
                for count, block in enumerate(
                    copy, start=1
                ):  # PostgreSQL sends one message per row
                    buffer += block
                    if count % PROGRESS_EVERY == 0:
                        progress(count)
        data = bytes(buffer)
        del buffer
    else:
        # As a BLOB: bytes straight from SQLite, not a 74 MB str to encode into a second copy.
        # (SQLite promises no order for group_concat; the workers check that ids increase.)
        sql = (
            "SELECT CAST(group_concat(line, char(10)) || char(10) AS BLOB) FROM "
            "(SELECT id || ',' || weight || ','"
            " || entrant_commit AS line FROM entries WHERE contest_id = :contest AND status = "
            "'confirmed' ORDER BY id)"
        )
        data = db.session.execute(text(sql), {"contest": contest.id}).scalar() or b""
    frozen = protocol.FrozenList.from_file(data)
    if progress is not None and not _on_postgresql() and len(frozen) >= PROGRESS_EVERY:
        progress(len(frozen))  # SQLite builds the file in one step: one report, once it is read
    return frozen


def _store_entrants_file(draw_id: int, data: bytes, receipt_index: bytes) -> None:
    """Write the entrant file, one row per sub-block (see DrawList), in the draw's transaction; on
    PostgreSQL as binary parameters.

    psycopg sends bytes as hex text by default: twice the size, and most of the time of a
    million-entry draw went into encoding and parsing it.
    """
    rows = lookup.blocks(receipt_index, data)
    if _on_postgresql():
        connection = db.session.connection()
        with connection.connection.driver_connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO draw_lists (draw_id, receipt_index) VALUES (%s, %b)",
                (draw_id, receipt_index),
            )
            cursor.executemany(
                "INSERT INTO draw_list_blocks (draw_id, number, lines) VALUES (%s, %s, %b)",
                [(draw_id, number, lines) for number, lines in rows],
            )
        # libpq keeps its output buffer at the largest message sent for the connection's life:
        # this one is closed when the session ends, not pooled.
        connection.detach()
    else:
        db.session.execute(insert(DrawList).values(draw_id=draw_id, receipt_index=receipt_index))
        db.session.execute(
            insert(DrawListBlock),
            [{"draw_id": draw_id, "number": n, "lines": bytes(lines)} for n, lines in rows],
        )


def perform_draw(
    contest: Contest, entropy: list[str], actor: User | None, now: datetime, progress=None
) -> Draw:
    """Freeze the eligible entries, compute the seed and the ordered result, store the record.

    ``progress``, if given, is called with the number of entries frozen so far, every 100,000.
    Exactly one draw per contest: the state change is a conditional UPDATE, so of two organizers
    pressing "Draw" at once, one gets the draw and the other a clear refusal. Everything happens
    in the caller's transaction, so a process killed midway leaves no partial draw.
    """
    draw = pending_draw(contest)
    if draw is None:
        if draw_of(contest) is None:
            raise WrongState(_l("This contest has no draw commitment: publish it first."))
        raise WrongState(_l("This contest has already been drawn."))
    if contest.ends_at is None or now < contest.ends_at:
        raise WrongState(_l("The draw can only take place after the contest closes."))
    spec = json.loads(draw.spec)
    values = [" ".join(value.split()) for value in entropy]
    if not all(value.isprintable() for value in values):
        raise ValidationFailed({"entropy": [UNPRINTABLE]})
    if len(values) != len(spec["entropy_sources"]) or not all(values):
        raise ValidationFailed(
            {
                "entropy": [
                    _l(
                        "Enter one value for each of the %(n)d public sources named before the "
                        "close.",
                        n=len(spec["entropy_sources"]),
                    )
                ]
            }
        )
    if draw.algorithm == protocol.RFC3797:
        try:
            rfc3797.key_string(values)
        except rfc3797.BadSource as error:
            raise ValidationFailed(
                {
                    "entropy": [
                        _l(
                            "RFC 3797 values must be whole numbers separated by spaces "
                            "(%(error)s).",
                            error=str(error),
                        )
                    ]
                }
            ) from None
    claimed = db.session.execute(
        update(Draw)
        .where(Draw.id == draw.id, Draw.state == DrawState.COMMITTED)
        .values(state=DrawState.DRAWN, drawn_at=now)
    ).rowcount
    if claimed != 1:
        raise WrongState(_l("This contest has already been drawn."))
    try:
        if draw.parent_id is not None:
            frozen = protocol.FrozenList.from_file(
                protocol.derive_entrants(
                    draw.parent.entrants_file or b"", spec["supplementary"]["excluded"]
                )
            )
        else:
            frozen = _frozen_list(contest, progress)
        if not frozen:
            # Refused after the claim: the caller's rollback undoes it (no count query over every
            # entry first).
            raise WrongState(_l("There is no eligible entry to draw from."))
        record = protocol.build_record(
            spec, draw.server_secret, values, frozen, now.isoformat(), TOOL
        )
    except MalformedEntrantFile:
        if draw.parent_id is not None:
            raise
        # A line without its commitment (a row written without the app) or, in theory, an aggregate
        # out of id order (SQLite does not promise one): read row by row, hashing what is missing.
        frozen = protocol.FrozenList.from_records(_eligible(contest, progress))
        record = protocol.build_record(
            spec, draw.server_secret, values, frozen, now.isoformat(), TOOL
        )
    entrants_file = frozen.file_bytes()
    receipt_index = lookup.build_index(frozen.lines, frozen.ids, frozen.sub_roots)
    del (
        frozen
    )  # a million separate lines weigh about 115 MB: gone before the driver copies the file
    db.session.execute(
        update(Draw)
        .where(Draw.id == draw.id)
        .values(
            entropy=json.dumps(values, ensure_ascii=False),
            record=json.dumps(record, ensure_ascii=False),
        )
    )
    _store_entrants_file(draw.id, entrants_file, receipt_index)
    contest.state = State.DRAWN
    db.session.flush()
    db.session.refresh(draw)
    audit.record(
        "draw.performed",
        actor=actor,
        contest=contest,
        draw_id=draw.id,
        sequence=draw.sequence,
        seed=record["seed"],
        entrants=record["entrants"]["count"],
        merkle_root=record["entrants"]["merkle_root"],
    )
    open_awards(draw)
    return draw
