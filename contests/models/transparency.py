"""The public append-only log of draw records (RFC 6962 tree, heads signed by the server)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow


class LogEntry(db.Model):
    """One leaf: a draw record as published at a moment (at the draw, after each substitution).

    ``position`` is the leaf's index, gap-free (taken under the append lock, not from a sequence
    that a rolled-back transaction would skip); the row is never updated nor deleted (trigger).
    """

    __tablename__ = "transparency_log"

    position: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    draw_id: Mapped[int] = mapped_column(index=True)
    #: The leaf's content, canonical JSON (``winners.transparency.entry``); its RFC 6962 leaf
    #: hash is what the tree is built from.
    entry: Mapped[str] = mapped_column(Text)
    record_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
