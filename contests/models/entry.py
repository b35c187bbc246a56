"""Entries: only what the organizer workspace needs so far (counts per contest)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow

ENTRY_STATUSES = ("pending", "confirmed", "disqualified")


class Entry(db.Model):
    __tablename__ = "entries"
    __table_args__ = (
        CheckConstraint(
            "status IN (" + ", ".join(repr(s) for s in ENTRY_STATUSES) + ")", name="status"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(
        ForeignKey("contests.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(20), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
