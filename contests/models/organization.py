"""Organizations (the clients an agency works for), organizers and who belongs where."""

from __future__ import annotations

from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import (
    CheckConstraint,
    Date,
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


class Organization(db.Model):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # The client's brand kit (``contests.brand_kit``): what every contest of this client would
    # otherwise retype. New contests start from it; each contest keeps its own copy, because its
    # published rules print those values and must not change when the profile does.
    language: Mapped[str] = mapped_column(String(2), default="fr", server_default="fr")
    jurisdiction: Mapped[str] = mapped_column(String(2), default="FR", server_default="FR")
    timezone: Mapped[str] = mapped_column(
        String(64), default="Europe/Paris", server_default="Europe/Paris"
    )
    legal_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    legal_form: Mapped[str] = mapped_column(String(100), default="", server_default="")
    registration_number: Mapped[str] = mapped_column(String(100), default="", server_default="")
    share_capital: Mapped[str] = mapped_column(String(100), default="", server_default="")
    legal_address: Mapped[str] = mapped_column(Text, default="", server_default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="", server_default="")
    dpo_contact: Mapped[str] = mapped_column(String(300), default="", server_default="")
    agency: Mapped[str] = mapped_column(String(300), default="", server_default="")
    data_recipients: Mapped[str] = mapped_column(Text, default="", server_default="")
    data_transfers: Mapped[str] = mapped_column(Text, default="", server_default="")
    data_retention_months: Mapped[int | None] = mapped_column(Integer)
    winners_retention_months: Mapped[int | None] = mapped_column(Integer)
    embed_origins: Mapped[str] = mapped_column(Text, default="", server_default="")
    brand_color: Mapped[str] = mapped_column(String(7), default="", server_default="")
    logo_png: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    logo_sha256: Mapped[str] = mapped_column(String(64), default="", server_default="")
    #: The From display name of mails to entrants (the address stays the server's MAIL_FROM, so
    #: that SPF and DKIM hold); empty: the organization's name.
    mail_sender_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    #: Where entrants' replies go; empty: the contest's contact email.
    mail_reply_to: Mapped[str] = mapped_column(String(254), default="", server_default="")
    #: Who receives the monthly report's link on the first day of each month (one address per
    #: line); empty: nobody (the report stays available in the workspace).
    report_recipients: Mapped[str] = mapped_column(Text, default="", server_default="")

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="organization", cascade="all, delete-orphan"
    )


class ReportMailing(db.Model):
    """A month's report mailed to an organization's recipients: the primary key lets one worker
    claim it, so that two workers never send it twice."""

    __tablename__ = "report_mailings"

    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recipients: Mapped[int] = mapped_column(Integer, default=0)


class User(UserMixin, db.Model):
    """An organizer account; entrants never get one."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored lower-cased so that sign-in is case-insensitive and unique on every backend.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    #: UI language the organizer picked; ``None`` follows the browser.
    ui_locale: Mapped[str | None] = mapped_column(String(5))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    #: The session this object was loaded for (set by sign-in and by the session loader):
    #: Flask-Login keeps ``get_id()`` in the cookie, so the cookie names a revocable session,
    #: not the account.
    session_token = None

    def get_id(self) -> str | None:
        return self.session_token


class UserSession(db.Model):
    """A signed-in browser. The cookie carries the token; the database keeps only its SHA-256, and
    signing out (here or everywhere) revokes the row, so a copied cookie stops working at once."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: SHA-256 (hex) of the random token in the cookie.
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: What the browser said it was, to tell sessions apart when signing out everywhere.
    user_agent: Mapped[str] = mapped_column(String(300), default="")

    user: Mapped[User] = relationship()


class Membership(db.Model):
    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("user_id", "organization_id"),
        CheckConstraint("role IN ('owner', 'editor', 'viewer')", name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    #: owner: everything, members included; editor: contests, entries, draws, winners; viewer:
    #: sees everything, changes nothing (a read-only login for the client).
    role: Mapped[str] = mapped_column(String(10), default="editor")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    organization: Mapped[Organization] = relationship(back_populates="memberships")


class Invitation(db.Model):
    """An owner's invitation to join the organization, accepted by the invitee from the signed
    link mailed to them: nobody is added to an organization without saying yes."""

    __tablename__ = "invitations"
    __table_args__ = (CheckConstraint("role IN ('owner', 'editor', 'viewer')", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(10))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organization: Mapped[Organization] = relationship()
