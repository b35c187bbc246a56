"""A skill contest's works and its jury: who judges, what they scored, what they signed.

The ranking itself is frozen on the contest when the organizer closes the deliberation
(``Contest.jury_ranking``, with its SHA-256): the procès-verbal prints it, and nothing can
change it after.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow

WORK_KINDS = ("text", "image")


class Work(db.Model):
    """The work an entrant submitted with their entry (a text, or a picture re-encoded by us).

    Personal data like the entry: erased with it (``entries.retention.erase``)."""

    __tablename__ = "works"
    __table_args__ = (CheckConstraint("kind IN ('text', 'image')", name="kind"),)

    entry_id: Mapped[int] = mapped_column(
        ForeignKey("entries.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(5))
    text: Mapped[str] = mapped_column(Text, default="")
    #: The picture as we re-encoded it (JPEG, metadata dropped), never the uploaded bytes; loaded
    #: only when served (lists of works read their text, size and hash).
    image: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    width: Mapped[int] = mapped_column(Integer, default=0)
    height: Mapped[int] = mapped_column(Integer, default=0)
    #: SHA-256 of the stored text or picture: the procès-verbal cites it.
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Juror(db.Model):
    """A member of a contest's jury. No account: a personal link (only its hash is kept) opens
    their scoring page."""

    __tablename__ = "jurors"

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(
        ForeignKey("contests.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When the juror signed the procès-verbal: their scores are final from then on.
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class JuryScore(db.Model):
    """One juror's points for one work on one criterion (criteria numbered from 1, in the order
    the rules publish them)."""

    __tablename__ = "jury_scores"
    __table_args__ = (CheckConstraint("points >= 0", name="points"),)

    juror_id: Mapped[int] = mapped_column(
        ForeignKey("jurors.id", ondelete="CASCADE"), primary_key=True
    )
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("entries.id", ondelete="CASCADE"), primary_key=True
    )
    criterion: Mapped[int] = mapped_column(Integer, primary_key=True)
    points: Mapped[int] = mapped_column(Integer)
    scored_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
