"""Entries, the consents given with them, and the outbox of mail they trigger."""

from __future__ import annotations

import os
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, partial_index, utcnow


class EntryStatus(StrEnum):
    """Where an entry stands; only confirmed entries go into a draw's frozen list."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    DISQUALIFIED = "disqualified"


class Entry(db.Model):
    """One accepted participation. Personal data sits here; draws only ever see ids and hashes."""

    __tablename__ = "entries"
    __table_args__ = (
        CheckConstraint(
            "status IN (" + ", ".join(repr(str(s)) for s in EntryStatus) + ")", name="status"
        ),
        #: The guarantee: one identity per contest and period, whatever the concurrency.
        UniqueConstraint("contest_id", "identity_key", "period", name="uq_entries_identity_period"),
        #: Entry numbers count from 1 in each contest, whatever the other clients' contests hold.
        Index("uq_entries_contest_number", "contest_id", "number", unique=True),
        # Partial: only what is looked up (a phone, a postal code) is indexed, so an entry
        # without one writes no page of these indexes (issue 19). A query's ``phone = x``
        # implies the first predicate; the others' queries write theirs out
        # (``entries.signals.twin_condition``, the statistics).
        partial_index("ix_entries_contest_phone", "contest_id", "phone", where="phone IS NOT NULL"),
        partial_index(
            "ix_entries_contest_household",
            "contest_id",
            "household_key",
            where="household_key <> ''",
        ),
        Index("ix_entries_contest_ip_created", "contest_id", "ip_address", "created_at"),
        # The statistics' aggregates, each read from an index that holds what it counts, in the
        # order it groups by (a million entries in well under a second: bench/stats_bench.py).
        # They lead with contest_id, so no index of contest_id alone is needed. Returning
        # entrants are found through uq_entries_identity_period (``_returning``): an index of
        # its own would cost every entry a page write at a random place.
        Index("ix_entries_contest_status", "contest_id", "status", "marketing_opt_in", "flags"),
        Index("ix_entries_contest_created", "contest_id", "created_at"),
        partial_index("ix_entries_contest_source", "contest_id", "source", where="source <> ''"),
        partial_index(
            "ix_entries_contest_postal", "contest_id", "postal_code", where="postal_code <> ''"
        ),
        partial_index(
            "ix_entries_contest_attribution", "contest_id", "attribution", where="attribution <> ''"
        ),
        CheckConstraint("weight >= 1", name="weight"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    #: The entry's number in its contest (1, 2, ...): what the entrant, the organizer and the
    #: draw's frozen list call it (the list's ``entry_id``). Given by the entry's INSERT
    #: (``entries.numbering``); never given twice. Entries of contests published before
    #: per-contest numbers kept their global id here.
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default=EntryStatus.PENDING)
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    #: The address mail is sent to, as the entrant typed it (validated).
    email: Mapped[str] = mapped_column(String(254), default="")
    #: The mailbox it reaches (lower-case, provider aliases removed), for search and review.
    email_key: Mapped[str] = mapped_column(String(254), default="")
    #: SHA-256 of the email key: what the UNIQUE constraint compares.
    identity_key: Mapped[str] = mapped_column(String(64), default="")
    #: "all" for once-per-contest, else the entrant's calendar day in the contest's zone.
    period: Mapped[str] = mapped_column(String(10), default="all")
    #: E.164, when the contest asks for a phone.
    phone: Mapped[str | None] = mapped_column(String(20))
    postal_code: Mapped[str] = mapped_column(String(20), default="")
    birth_date: Mapped[date | None] = mapped_column(Date)
    #: Answers to the contest's custom questions, JSON keyed by question id.
    answers: Mapped[str] = mapped_column(Text, default="{}")
    tie_breaker: Mapped[int | None] = mapped_column(BigInteger)
    marketing_opt_in: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Folded first name, last name and postal code: same household, however spelled.
    household_key: Mapped[str] = mapped_column(String(300), default="")
    #: The channel the entrant came from (``?src=poster`` on the form's address, set by the QR
    #: codes).
    source: Mapped[str] = mapped_column(String(40), default="")
    #: Where an embedded form was shown: host page and utm_* parameters (JSON), for attribution.
    attribution: Mapped[str] = mapped_column(Text, default="")
    ip_address: Mapped[str] = mapped_column(String(45), default="")
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    #: Random bytes hashed with the identity key into the draw's entrant_commit (never published).
    salt: Mapped[bytes] = mapped_column(LargeBinary(16), default=lambda: os.urandom(16))
    #: Tickets in the draw (1 unless a mechanic grants more).
    weight: Mapped[int] = mapped_column(Integer, default=1)
    #: SHA-256 (hex) of salt and identity key, as the frozen list publishes it; computed at entry so
    #: that freezing a million entries does not hash them all again.
    entrant_commit: Mapped[str] = mapped_column(String(64), default="")
    #: Shown and mailed to the entrant; lets them find their entry in the published draw.
    receipt_code: Mapped[str] = mapped_column(String(16), unique=True)

    #: Comma-separated fraud signals (phone, household, ip_burst); empty when clean or cleared.
    flags: Mapped[str] = mapped_column(String(100), default="")
    flag_cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    flag_cleared_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    disqualified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disqualified_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    disqualified_reason: Mapped[str] = mapped_column(Text, default="")
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When its personal data was erased (retention purge or the entrant's request); its line in
    #: a frozen list, its commitment and its receipt code stay, so draws still verify.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    consents: Mapped[list[Consent]] = relationship(
        back_populates="entry", cascade="all, delete-orphan"
    )

    @property
    def flag_list(self) -> list[str]:
        return [f for f in self.flags.split(",") if f]


class ConsentText(db.Model):
    """The exact wording an entrant agreed to, stored once per version (its SHA-256)."""

    __tablename__ = "consent_texts"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    language: Mapped[str] = mapped_column(String(2))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Consent(db.Model):
    __tablename__ = "consents"
    __table_args__ = (
        CheckConstraint("kind IN ('rules', 'marketing', 'age', 'parental')", name="kind"),
        UniqueConstraint("entry_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Found by ``uq_consents_entry_id_kind``, which leads with it: no index of its own.
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    text_sha256: Mapped[str] = mapped_column(ForeignKey("consent_texts.sha256"))
    given_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When the entrant withdrew it (marketing): the proof of what was given, and until when.
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    entry: Mapped[Entry] = relationship(back_populates="consents")
    text: Mapped[ConsentText] = relationship()


class OutboxMessage(db.Model):
    """Mail written in the same transaction as what caused it, delivered afterwards with retries."""

    __tablename__ = "outbox"
    __table_args__ = (
        # What the delivery looks for (``mail._claim``): only unsent mail, so a message enters
        # this one index when queued (not one for its due time and one for its NULL ``sent_at``)
        # and leaves it when sent, and the index stays the size of the queue (issue 19).
        partial_index("ix_outbox_due", "next_attempt_at", where="sent_at IS NULL"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    #: An HTML alternative to the plain-text body (winner mails), or None.
    html: Mapped[str | None] = mapped_column(Text)
    #: When set, the subject and body are written at delivery by the renderer of that name
    #: (``mail.renderer``), from the entry as it is then; the row keeps the text as sent.
    template: Mapped[str] = mapped_column(String(20), default="", server_default="")
    #: The organization the mail speaks for: the From display name and the Reply-To address.
    sender_name: Mapped[str] = mapped_column(String(200), default="")
    reply_to: Mapped[str] = mapped_column(String(254), default="")
    #: The entrant's one-click address to stop marketing (RFC 8058), sent as List-Unsubscribe.
    list_unsubscribe: Mapped[str] = mapped_column(String(500), default="", server_default="")
    #: Which entry the mail is about, so a resend can find and supersede it.
    entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("entries.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    #: The worker sending it now, and until when its claim holds (a crashed worker's claim lapses).
    locked_by: Mapped[str | None] = mapped_column(String(32))
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    entry: Mapped[Entry | None] = relationship()
