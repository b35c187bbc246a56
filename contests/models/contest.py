"""A contest (one giveaway) and its prizes."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from ..draw import beacon
from ..draw.sources import DRAND, FORMATS, FREE, GRACE
from ..extensions import db
from .types import UTCDateTime, utcnow


class State(StrEnum):
    """What the organizer did last; ``open``/``closed`` are derived from the dates instead."""

    DRAFT = "draft"
    PUBLISHED = "published"
    DRAWN = "drawn"
    ARCHIVED = "archived"


class Phase(StrEnum):
    """Where a contest stands right now, as the dashboard and the public page show it."""

    DRAFT = "draft"
    UPCOMING = "upcoming"
    OPEN = "open"
    CLOSED = "closed"
    DRAWN = "drawn"
    ARCHIVED = "archived"


LANGUAGES = ("fr", "en")
JURISDICTIONS = ("FR", "US", "GB", "CA")
MECHANICS = ("random_draw", "skill")
ENTRY_POLICIES = ("once", "daily")
CURRENCIES = ("EUR", "USD", "GBP", "CAD", "CHF")
#: How a prize reaches its winner: what the claim page asks (an address only when shipped).
DELIVERIES = ("shipped", "collected", "digital")
FIELD_MODES = ("off", "optional", "required")
DRAW_ALGORITHMS = ("vdraw-v1", "rfc3797")
ENTROPY_FORMATS = (*FORMATS, DRAND, FREE)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


class Contest(db.Model):
    __tablename__ = "contests"
    __table_args__ = (
        CheckConstraint(_in("state", tuple(State)), name="state"),
        CheckConstraint(_in("language", LANGUAGES), name="language"),
        CheckConstraint(_in("jurisdiction", JURISDICTIONS), name="jurisdiction"),
        CheckConstraint(_in("mechanic", MECHANICS), name="mechanic"),
        CheckConstraint(_in("entry_policy", ENTRY_POLICIES), name="entry_policy"),
        CheckConstraint(
            "ends_at IS NULL OR starts_at IS NULL OR ends_at > starts_at", name="dates"
        ),
        CheckConstraint("alternates_per_prize >= 0", name="alternates"),
        CheckConstraint("min_age IS NULL OR min_age >= 0", name="min_age"),
        CheckConstraint("claim_days IS NULL OR claim_days > 0", name="claim_days"),
        CheckConstraint(_in("phone_field", FIELD_MODES), name="phone_field"),
        CheckConstraint(_in("draw_algorithm", DRAW_ALGORITHMS), name="draw_algorithm"),
        CheckConstraint(_in("entropy_format", ENTROPY_FORMATS), name="entropy_format"),
        CheckConstraint(_in("postal_code_field", FIELD_MODES), name="postal_code_field"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    #: Public URL part (``/c/<slug>``); unique across the installation, frozen once published.
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    #: Language of the public pages and the rules, whatever the organizer's UI language.
    language: Mapped[str] = mapped_column(String(2), default="fr")
    jurisdiction: Mapped[str] = mapped_column(String(2), default="FR")
    mechanic: Mapped[str] = mapped_column(String(20), default="random_draw")
    #: IANA zone in which dates are entered and shown; stored instants are UTC.
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Paris")
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    min_age: Mapped[int | None] = mapped_column(Integer)
    #: ISO 3166-1 alpha-2 codes, comma-separated, e.g. ``FR,BE,LU``.
    territory: Mapped[str] = mapped_column(String(300), default="")
    exclusions: Mapped[str] = mapped_column(Text, default="")
    entry_policy: Mapped[str] = mapped_column(String(10), default="once")
    alternates_per_prize: Mapped[int] = mapped_column(Integer, default=2)
    #: Whether the form asks for a phone / postal code: off, optional or required.
    phone_field: Mapped[str] = mapped_column(String(10), default="off")
    postal_code_field: Mapped[str] = mapped_column(String(10), default="off")
    #: Ask the date of birth (checked against min_age) instead of an "I am N or older" box.
    ask_birth_date: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Entries stay pending until the entrant clicks the link mailed to them.
    double_opt_in: Mapped[bool] = mapped_column(Boolean, default=False)
    #: vdraw-v1 (HMAC ordering) or rfc3797 (the IETF procedure), for random draws.
    draw_algorithm: Mapped[str] = mapped_column(String(20), default="vdraw-v1")
    #: The public randomness the draw will use, one source per line, named before the close.
    entropy_sources: Mapped[str] = mapped_column(Text, default="")
    #: How each named source's result is written (``draw.sources``): a lottery's typed format, or
    #: "free" for a source none fits. Fixed in the specification at publication.
    entropy_format: Mapped[str] = mapped_column(String(20), default="free", server_default="free")
    #: Numeric "question subsidiaire" separating ties in skill contests.
    tie_breaker_question: Mapped[str] = mapped_column(String(500), default="")
    jury_description: Mapped[str] = mapped_column(Text, default="")

    # The organizer's legal identity, as the rules must print it.
    legal_name: Mapped[str] = mapped_column(String(200), default="")
    legal_form: Mapped[str] = mapped_column(String(100), default="")
    #: SIREN, RNA, Companies House number, EIN...
    registration_number: Mapped[str] = mapped_column(String(100), default="")
    legal_address: Mapped[str] = mapped_column(Text, default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    dpo_contact: Mapped[str] = mapped_column(String(300), default="")
    data_retention_months: Mapped[int | None] = mapped_column(Integer)
    #: Winners' data is kept longer (delivery proof, disputes): months after the end; None: as
    #: long as the other entrants' data.
    winners_retention_months: Mapped[int | None] = mapped_column(Integer)
    #: When the retention purge erased the entrants' personal data (winners' kept), and when it
    #: erased the winners' too (``entries.retention``).
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    winners_purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    #: French companies print their share capital; optional.
    share_capital: Mapped[str] = mapped_column(String(100), default="")
    #: The agency running the contest for the organizer, when there is one.
    agency: Mapped[str] = mapped_column(String(300), default="")
    #: Commissaire de justice (bailiff) holding a copy of the rules: name and address, when used.
    bailiff: Mapped[str] = mapped_column(Text, default="")
    #: France: the consumer mediator the organizer has appointed (name and website), if any; the
    #: rules name it, or say that none is appointed for a free game.
    consumer_mediator: Mapped[str] = mapped_column(Text, default="")
    #: When the winners are selected (drawn, or judged), printed in the rules.
    draw_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Days a winner has to answer the notification before the next alternate takes the prize.
    claim_days: Mapped[int | None] = mapped_column(Integer)
    #: Law governing the rules where the jurisdiction leaves it open (a US state, a province).
    governing_law: Mapped[str] = mapped_column(String(200), default="")
    #: The free way to enter without the online form (US "alternate method of entry").
    free_entry_route: Mapped[str] = mapped_column(Text, default="")
    #: Promoted on Facebook or Instagram: the rules then carry Meta's release.
    promoted_on_meta: Mapped[bool] = mapped_column(Boolean, default=False)
    #: US: registered and bonded in New York and Florida (else, above $5,000, their residents are
    #: excluded).
    ny_fl_registered: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Skill contests: the work an entrant submits ("" none, "text" or "image"), what it must be
    #: about, and the jury's criteria, one per line as "Criterion: maximum points".
    work_kind: Mapped[str] = mapped_column(String(5), default="", server_default="")
    work_prompt: Mapped[str] = mapped_column(Text, default="", server_default="")
    jury_criteria: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: The exact answer to the tie-breaker question, noted at the close by the organizer.
    tie_breaker_value: Mapped[int | None] = mapped_column(BigInteger)
    #: When the organizer closed the jury's deliberation, and the ranking then frozen (JSON) with
    #: its SHA-256: set once, printed by the procès-verbal.
    jury_closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    jury_ranking: Mapped[str | None] = deferred(mapped_column(Text))
    jury_ranking_sha256: Mapped[str] = mapped_column(String(64), default="", server_default="")
    #: Canada: the skill-testing question a selected entrant must answer.
    skill_testing_question: Mapped[str] = mapped_column(String(300), default="")
    #: Who receives entrants' data besides the organizer; the template has a default.
    data_recipients: Mapped[str] = mapped_column(Text, default="")
    #: Transfers of entrants' data outside the EU / UK and their safeguards; empty means none.
    data_transfers: Mapped[str] = mapped_column(Text, default="")

    #: Sites allowed to embed the form (one origin per line, e.g. https://www.musee.fr); empty
    #: allows any.
    embed_origins: Mapped[str] = mapped_column(Text, default="")
    #: Networks whose many entries are expected (a kiosk, the venue's Wi-Fi): one address or CIDR
    #: per line; entries from them are not flagged as a burst (``entries.networks``).
    trusted_networks: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: Accent color of the public pages and the widget, ``#rrggbb`` (checked for contrast with white
    #: text).
    brand_color: Mapped[str] = mapped_column(String(7), default="")
    #: The organizer's logo, re-encoded as PNG when uploaded; loaded only when served.
    logo_png: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    #: SHA-256 of ``logo_png``: its ETag and the cache-busting part of its URL.
    logo_sha256: Mapped[str] = mapped_column(String(64), default="")
    #: The From display name and Reply-To of mails to entrants; empty: the organization's name
    #: and the contact email. Not part of the rules: editable any time, like the look.
    mail_sender_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    mail_reply_to: Mapped[str] = mapped_column(String(254), default="", server_default="")

    state: Mapped[str] = mapped_column(String(10), default=State.DRAFT)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    organization = relationship("Organization")
    questions: Mapped[list[Question]] = relationship(
        back_populates="contest",
        cascade="all, delete-orphan",
        order_by="(Question.position, Question.id)",
    )
    prizes: Mapped[list[Prize]] = relationship(
        back_populates="contest",
        cascade="all, delete-orphan",
        order_by="(Prize.position, Prize.id)",
    )

    @property
    def sender_name(self) -> str:
        """The From display name of mails to its entrants: what they recognise, the client's
        name, unless the contest or its client's brand kit names a sender."""
        return self.mail_sender_name or self.organization.name or self.legal_name

    @property
    def reply_address(self) -> str:
        """Where entrants' replies go: the chosen Reply-To, else the contact email."""
        return self.mail_reply_to or self.contact_email

    def phase(self, now: datetime) -> Phase:
        """Derive open/closed from the dates so that no job has to flip a flag at midnight."""
        if self.state != State.PUBLISHED:
            return Phase(self.state)
        if self.starts_at and now < self.starts_at:
            return Phase.UPCOMING
        if self.ends_at and now >= self.ends_at:
            return Phase.CLOSED
        return Phase.OPEN

    @property
    def work_asked(self) -> str:
        """The work each entry must carry ("text", "image"), or "": only a skill contest asks
        for one, whatever ``work_kind`` a change of mechanic left behind."""
        return self.work_kind if self.mechanic == "skill" else ""

    @property
    def selects_before_close(self) -> bool:
        """The winners' selection date is set before the closing date (refused by publishing and
        amendments)."""
        return self.draw_at is not None and self.ends_at is not None and self.draw_at < self.ends_at

    @property
    def beacon_round(self) -> int | None:
        """With a drand source: the round the draw will use, the first one published more than
        ``beacon.GRACE`` after the close (so after the list is frozen)."""
        if self.entropy_format != DRAND or self.ends_at is None:
            return None
        return beacon.MAINNET.first_round_after(self.ends_at + beacon.GRACE)

    @property
    def lottery_draw(self) -> datetime | None:
        """With a lottery source: the draw of it the contest's draw will use (UTC), the first
        held more than ``sources.GRACE`` after the close (so after the list is frozen)."""
        typed = FORMATS.get(self.entropy_format)
        if typed is None or self.ends_at is None:
            return None
        return typed.next_draw(self.ends_at + GRACE)

    @property
    def entropy_source_list(self) -> list[str]:
        """The sources as the specification names them: the drand round or the lottery draw the
        contest's format fixes, or the organizer's lines for free-text sources."""
        if self.beacon_round is not None:
            when = beacon.MAINNET.round_time(self.beacon_round)
            stamp = when.strftime("%Y-%m-%d %H:%M:%S")
            return [f"drand · League of Entropy mainnet · #{self.beacon_round} · {stamp} UTC"]
        held = self.lottery_draw
        if held is not None:
            typed = FORMATS[self.entropy_format]
            zone = typed.schedule(held.date()).zone
            local = held.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")
            return [f"{typed.name} · {local} ({zone}) · {typed.describe(typed.local_day(held))}"]
        return [line.strip() for line in self.entropy_sources.splitlines() if line.strip()]

    @property
    def territory_codes(self) -> list[str]:
        return [code for code in self.territory.split(",") if code]

    def total_values(self) -> dict[str, int]:
        """Total prize value in minor units, per currency (prizes may mix currencies)."""
        totals: dict[str, int] = {}
        for prize in self.prizes:
            totals[prize.currency] = totals.get(prize.currency, 0) + prize.total_value
        return totals


class Prize(db.Model):
    __tablename__ = "prizes"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity"),
        CheckConstraint("unit_value_minor >= 0", name="unit_value"),
        CheckConstraint(_in("currency", CURRENCIES), name="currency"),
        CheckConstraint(_in("delivery", DELIVERIES), name="delivery"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(
        ForeignKey("contests.id", ondelete="CASCADE"), index=True
    )
    #: Prizes are awarded in this order (first winner, first prize).
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    #: Value of one unit, tax included, in the currency's minor unit (cents) to avoid floats.
    unit_value_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    delivery: Mapped[str] = mapped_column(String(10), default="shipped")
    #: A picture of the prize for the public page, re-encoded as PNG when uploaded; loaded only
    #: when served.
    picture_png: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    #: SHA-256 of ``picture_png``: its ETag and the cache-busting part of its URL.
    picture_sha256: Mapped[str] = mapped_column(String(64), default="", server_default="")

    contest: Mapped[Contest] = relationship(back_populates="prizes")

    @property
    def total_value(self) -> int:
        return self.quantity * self.unit_value_minor


class Question(db.Model):
    """A custom question on the entry form (short text or single choice)."""

    __tablename__ = "questions"
    __table_args__ = (CheckConstraint("kind IN ('text', 'choice')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(
        ForeignKey("contests.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    label: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(10), default="text")
    #: One option per line, for choice questions.
    choices: Mapped[str] = mapped_column(Text, default="")
    required: Mapped[bool] = mapped_column(Boolean, default=True)

    contest: Mapped[Contest] = relationship(back_populates="questions")

    @property
    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]
