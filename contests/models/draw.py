"""A contest's draws: the commitment published with it, then the frozen list and the record.

Sequence 1 is the draw committed at publication. A later sequence is a supplementary draw, with
its own commitment, for prizes left vacant once a draw's alternates ran out; its parent is the
draw whose vacancies it fills.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow


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
        #: One commitment per contest and sequence, never replaced once published; of two
        #: supplementary commitments made at once, the database keeps one.
        UniqueConstraint("contest_id", "sequence"),
        CheckConstraint("(sequence = 1) = (parent_id IS NULL) AND sequence >= 1", name="sequence"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    sequence: Mapped[int] = mapped_column(default=1)
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
    #: The canonical entrant file; large, so loaded only when asked for.
    entrants_file: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    committed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    drawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    contest = relationship("Contest")
    parent = relationship("Draw", remote_side=[id])

    @property
    def supplementary(self) -> bool:
        return self.parent_id is not None
