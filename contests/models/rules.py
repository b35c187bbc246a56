"""Published rules (règlement): one frozen version per publication or amendment."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow


class RulesVersion(db.Model):
    """The rules as the public read them at one time; rows are never updated except to cache the
    PDF."""

    __tablename__ = "rules_versions"
    __table_args__ = (
        UniqueConstraint("contest_id", "number", name="uq_rules_versions_contest_number"),
        CheckConstraint("number >= 1", name="number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(
        ForeignKey("contests.id", ondelete="CASCADE"), index=True
    )
    #: 1 at publication, then one more per amendment (avenant).
    number: Mapped[int] = mapped_column(Integer)
    #: rules_templates/ folder the text came from, e.g. ``fr/tirage-au-sort``.
    template: Mapped[str] = mapped_column(String(60))
    #: The rendered rules body (HTML fragment), frozen; its SHA-256 is ``sha256``.
    html: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    #: What the amendment changed, in the organizer's words; empty for the first version.
    summary: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: The PDF, rendered on first request and kept: a version never changes, so neither does it.
    pdf: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))

    contest = relationship("Contest")
