"""The append-only audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow


class AuditEvent(db.Model):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Dotted code such as ``contest.published``.
    action: Mapped[str] = mapped_column(String(64), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: Kept as plain ids (no foreign key) so that deleting an organization never rewrites history.
    organization_id: Mapped[int | None] = mapped_column(index=True)
    contest_id: Mapped[int | None] = mapped_column(index=True)
    #: Canonical JSON (sorted keys) so that the hash can be recomputed.
    data: Mapped[str] = mapped_column(Text, default="{}")
    #: Hash of the previous event; UNIQUE so two writers can never fork the chain.
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64))
