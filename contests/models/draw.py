"""A contest's draw: the commitment published with it, then the frozen list and the record."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow


class Draw(db.Model):
    __tablename__ = "draws"
    __table_args__ = (
        CheckConstraint("state IN ('committed', 'drawn')", name="state"),
        CheckConstraint("algorithm IN ('vdraw-v1', 'rfc3797')", name="algorithm"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: UNIQUE: one commitment per contest, never replaced once published.
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), unique=True)
    algorithm: Mapped[str] = mapped_column(String(20))
    #: The published specification, canonical JSON; its SHA-256 is spec_hash.
    spec: Mapped[str] = mapped_column(Text)
    spec_hash: Mapped[str] = mapped_column(String(64))
    #: Hex of the 32 secret bytes whose hash the spec publishes; revealed in the record at the draw.
    server_secret: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(10), default="committed")
    #: The public values entered for the named sources (JSON list), once they exist.
    entropy: Mapped[str | None] = mapped_column(Text)
    #: The draw record (JSON), substitutions included.
    record: Mapped[str | None] = mapped_column(Text)
    #: The canonical entrant file; large, so loaded only when asked for.
    entrants_file: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    committed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    drawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    contest = relationship("Contest")
