"""An entrant's request about their data (GDPR art. 15-21), honoured or to honour.

Most are done at once from the entrant's own page (see what is held, download it, withdraw
marketing consent, erase a non-winner's data); each is recorded as done, so the organization can
show what it was asked and when it answered. A request the page cannot settle alone (a winner
asking for erasure before their prize is delivered) stays open for the organizer, due one month
after it was made (art. 12(3)).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow


class RequestKind(StrEnum):
    ACCESS = "access"
    EXPORT = "export"
    MARKETING = "marketing"
    ERASURE = "erasure"


class DataRequest(db.Model):
    __tablename__ = "data_requests"
    __table_args__ = (
        CheckConstraint(
            "kind IN (" + ", ".join(repr(str(k)) for k in RequestKind) + ")", name="kind"
        ),
        CheckConstraint("status IN ('open', 'done')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(8), default="done")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: One month after the request (GDPR art. 12(3)).
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: What was done, or why the request is open (in the organizer's words or the app's).
    note: Mapped[str] = mapped_column(Text, default="")

    contest = relationship("Contest")
    entry = relationship("Entry")
