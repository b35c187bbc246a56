"""A prize held by one entry of a drawn draw, from the notification to the winner's hands.

The draw record says who holds each prize (and publishes every substitution); an award is the
organizer's side of it: was the winner told, when is the deadline, what did they answer, where is
the parcel. A substitution closes the winner's award and opens one for the alternate, so the
awards of a draw are a history, and the open ones match the record's current winners.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow


class AwardStatus(StrEnum):
    """to notify -> notified -> claimed / declined / expired -> substituted; a claimed prize is
    then shipped -> delivered, or handed over."""

    TO_NOTIFY = "to_notify"
    NOTIFIED = "notified"
    CLAIMED = "claimed"
    DECLINED = "declined"
    EXPIRED = "expired"
    SUBSTITUTED = "substituted"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    HANDED_OVER = "handed_over"


#: Statuses in which the entry still holds the prize.
HOLDING = (
    AwardStatus.TO_NOTIFY,
    AwardStatus.NOTIFIED,
    AwardStatus.CLAIMED,
    AwardStatus.SHIPPED,
    AwardStatus.DELIVERED,
    AwardStatus.HANDED_OVER,
)


class Award(db.Model):
    __tablename__ = "awards"
    __table_args__ = (
        CheckConstraint(
            "status IN (" + ", ".join(repr(str(s)) for s in AwardStatus) + ")", name="status"
        ),
        CheckConstraint("publication IN ('', 'agreed', 'refused')", name="publication"),
        #: One award per entry and draw: notifying twice at once cannot open two.
        UniqueConstraint("draw_id", "entry_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    draw_id: Mapped[int] = mapped_column(ForeignKey("draws.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), index=True)
    #: The prize (1-based position in the contest's prizes) and the rank in the record.
    prize_position: Mapped[int] = mapped_column(Integer)
    rank: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default=AwardStatus.TO_NOTIFY, index=True)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Counted from the notification, as the rules say ("N days from this mail").
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: What the claim page collected.
    postal_address: Mapped[str] = mapped_column(Text, default="")
    #: The town (UK: the county) as the winner writes it: what a winners list names.
    town: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    birth_date: Mapped[date | None] = mapped_column(Date)
    release_accepted: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The winner's answer on publishing their name ("" while not asked).
    publication: Mapped[str] = mapped_column(String(8), default="")
    #: Why the prize left this entry (a substitution reason) and who took it, by its number in
    #: the contest (None: vacant).
    ended_reason: Mapped[str] = mapped_column(String(20), default="")
    replaced_by_entry_id: Mapped[int | None] = mapped_column(Integer)
    carrier: Mapped[str] = mapped_column(String(100), default="")
    tracking: Mapped[str] = mapped_column(String(100), default="")
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    draw = relationship("Draw")
    entry = relationship("Entry")
