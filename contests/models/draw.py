"""A contest's draws: the commitment published with it, then the frozen list and the record.

Sequence 1 is the draw committed at publication. A later sequence is a supplementary draw, with
its own commitment, for prizes left vacant once a draw's alternates ran out; its parent is the
draw whose vacancies it fills.

A commitment is superseded, never edited, when an amendment moves the closing date before the
list is frozen (``contest.rescheduling``): the row stays, public, with ``superseded_at`` set, and a
new commitment under the same sequence names it in its specification.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from ..extensions import db, on_postgresql
from .types import UTCDateTime, partial_index, utcnow


class DrawState(StrEnum):
    """A draw is committed (specification public, values awaited) and then drawn, once."""

    COMMITTED = "committed"
    DRAWN = "drawn"


class Draw(db.Model):
    __tablename__ = "draws"
    __table_args__ = (
        CheckConstraint(
            "state IN (" + ", ".join(repr(str(s)) for s in DrawState) + ")", name="state"
        ),
        CheckConstraint("algorithm IN ('vdraw-v1', 'rfc3797')", name="algorithm"),
        #: One current commitment per contest and sequence, never replaced once published (only
        #: superseded, before its list is frozen); of two commitments made at once, the database
        #: keeps one.
        partial_index(
            "uq_draws_contest_id_sequence_current",
            "contest_id",
            "sequence",
            unique=True,
            where="superseded_at IS NULL",
        ),
        CheckConstraint("(sequence = 1) = (parent_id IS NULL) AND sequence >= 1", name="sequence"),
        #: Each drawn draw of an organization has its own number, 1, 2, 3...: a draw made again
        #: would need a new number, and the gap (or a second record under one number in the
        #: published records) shows it.
        UniqueConstraint("organization_id", "organization_sequence"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    #: The contest's organization, kept on the draw for the numbering below (a plain id, like the
    #: audit log's).
    organization_id: Mapped[int | None] = mapped_column()
    sequence: Mapped[int] = mapped_column(default=1)
    #: The draw's number among its organization's draws, in the order they were drawn; published
    #: in the record.
    organization_sequence: Mapped[int | None] = mapped_column()
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("draws.id", ondelete="CASCADE"))
    algorithm: Mapped[str] = mapped_column(String(20))
    #: The published specification, canonical JSON; its SHA-256 is spec_hash.
    spec: Mapped[str] = mapped_column(Text)
    spec_hash: Mapped[str] = mapped_column(String(64))
    #: Hex of the 32 secret bytes whose hash the spec publishes; revealed in the record at the draw.
    server_secret: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(10), default=DrawState.COMMITTED)
    #: The public values entered for the named sources (JSON list), once they exist.
    entropy: Mapped[str | None] = mapped_column(Text)
    #: The draw record (JSON), substitutions included.
    record: Mapped[str | None] = mapped_column(Text)
    committed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When the entrant list was frozen: at the close for a first draw (the worker, or the first
    #: request after it), at the draw for a supplementary one. Set once, by a conditional UPDATE.
    frozen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    drawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The person who ran the draw, as they gave their name (the certificate names them, as a
    #: procès-verbal names who was present); empty for draws made before it was asked.
    drawn_by: Mapped[str] = mapped_column(String(120), default="")
    #: When an amendment of the closing date replaced this commitment by a new one (never once
    #: the list is frozen: the database refuses it). Set once.
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    contest = relationship("Contest")
    parent = relationship("Draw", remote_side=[id])
    entrant_list = relationship(
        "DrawList", uselist=False, passive_deletes=True, cascade="all, delete-orphan"
    )

    @property
    def entrants_file(self) -> bytes | None:
        """The canonical entrant file once drawn (read from its own table, see DrawList)."""
        return self.entrant_list.entrants_file if self.entrant_list is not None else None

    @property
    def supplementary(self) -> bool:
        return self.parent_id is not None


class DrawList(db.Model):
    """A drawn list's receipt index; its canonical entrant file is in DrawListBlock rows.

    The file is cut in blocks of ``draw.parallel.SUB`` lines, one row each, outside the draws row:
    SQLite reaches a column stored after a large blob, or an offset inside it, by walking the
    blob's chain of overflow pages (6 to 12 ms in an 80 MB file), and rewrites the whole row on
    every UPDATE. A receipt check reads one block.
    """

    __tablename__ = "draw_lists"

    draw_id: Mapped[int] = mapped_column(
        ForeignKey("draws.id", ondelete="CASCADE"), primary_key=True
    )
    #: Per block of the file: root, first entry id, byte offset (``draw.lookup``), so that a
    #: receipt's inclusion proof reads one block. None for draws made before it existed (their
    #: file is then block 0, whole).
    receipt_index: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: What is published of the list at the freeze, before any public value exists.
    #: The audit chain's head once the freeze is recorded (its last event, their number, its
    #: hash): the draw record publishes it, so a chain recomputed later no longer matches.
    audit_event_id: Mapped[int] = mapped_column(server_default="0")
    audit_count: Mapped[int] = mapped_column(server_default="0")
    audit_hash: Mapped[str] = mapped_column(String(64), server_default="")
    count: Mapped[int] = mapped_column(server_default="0")
    total_tickets: Mapped[int] = mapped_column(server_default="0")
    file_sha256: Mapped[str] = mapped_column(String(64), server_default="")
    merkle_root: Mapped[str] = mapped_column(String(64), server_default="")
    #: The list's entry ids (8 bytes each) and weights (4 bytes each), little-endian, as read and
    #: checked at the freeze: the draw that comes later selects from them without reading the
    #: million lines again. Loaded only when asked for; None for lists frozen before them.
    ids: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    weights: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))

    @property
    def entrants_file(self) -> bytes:
        if on_postgresql():
            rows = _binary_rows(
                "SELECT lines FROM draw_list_blocks WHERE draw_id = %s ORDER BY number",
                self.draw_id,
            )
            return b"".join(row[0] for row in rows)
        return b"".join(
            db.session.execute(
                select(DrawListBlock.lines)
                .where(DrawListBlock.draw_id == self.draw_id)
                .order_by(DrawListBlock.number)
            ).scalars()
        )

    def arrays(self) -> tuple[bytes, bytes] | None:
        """(ids, weights) as the freeze kept them, or None for a list frozen before."""
        if on_postgresql():
            rows = _binary_rows(
                "SELECT ids, weights FROM draw_lists WHERE draw_id = %s", self.draw_id
            )
            ids, weights = rows[0] if rows else (None, None)
        else:
            ids, weights = self.ids, self.weights
        return None if ids is None else (bytes(ids), bytes(weights))


def _binary_rows(sql: str, *params) -> list[tuple]:
    """Rows read with PostgreSQL's binary protocol: bytea arrives as it is stored, where the
    text protocol sends it as hex to decode (74 MB of a million-entry list: 0.2 s against 0.6 s)."""
    raw = db.session.connection().connection.dbapi_connection
    with raw.cursor(binary=True) as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


class DrawListBlock(db.Model):
    """``SUB`` consecutive lines of a drawn list's entrant file (see DrawList)."""

    __tablename__ = "draw_list_blocks"

    draw_id: Mapped[int] = mapped_column(
        ForeignKey("draw_lists.draw_id", ondelete="CASCADE"), primary_key=True
    )
    number: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    lines: Mapped[bytes] = mapped_column(LargeBinary)
