"""Taking entries: validation that needs the contest, deduplication, consents, fraud signals.

The UNIQUE constraint on (contest, identity, period) is the real guard: the pre-check only
gives a friendlier answer in the common case, and a concurrent twin that slips past it is
refused by the database and reported the same way.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import bindparam, func, insert, or_, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import make_transient_to_detached

from . import audit
from .draw.canonical import entrant_commit
from .errors import DomainError, ValidationFailed, WrongState
from .extensions import db
from .identity import (
    DisposableEmail,
    InvalidEmail,
    InvalidPhone,
    household_key,
    identity_key,
    normalize_email,
    normalize_phone,
    normalize_postal_code,
)
from .mail import queue_mail
from .models import Consent, ConsentText, Contest, Entry, Phase, User
from .models.types import utcnow

#: Crockford's base32 without look-alikes: codes people can read out over the phone.
_RECEIPT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CONFIRM_SALT = "entry-confirm"


class AlreadyEntered(DomainError):
    """This person already has an entry for the period; ``next_period_at`` says when they may retry."""

    def __init__(self, next_period_at: datetime | None):
        super().__init__("already entered")
        self.next_period_at = next_period_at


class NotOpen(DomainError):
    def __init__(self, phase: Phase):
        super().__init__(f"contest is {phase}")
        self.phase = phase


@dataclass
class EntryInput:
    """What the entrant submitted, already through the form's field checks."""

    first_name: str
    last_name: str
    email: str
    phone: str = ""
    postal_code: str = ""
    birth_date: date | None = None
    answers: dict[str, str] = field(default_factory=dict)
    tie_breaker: int | None = None
    marketing_opt_in: bool = False
    #: The exact consent texts shown on the form, by kind (rules, marketing, age...).
    consent_texts: dict[str, str] = field(default_factory=dict)
    ip_address: str = ""
    user_agent: str = ""
    #: The channel code from the form's address (poster, flyer...), already checked against SOURCE_PATTERN.
    source: str = ""
    #: Host page and utm_* parameters of an embedded form (JSON, see embedding.attribution).
    attribution: str = ""


#: A channel code: lower-case letters, digits and hyphens, as the QR codes put in ``?src=``.
SOURCE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


def clean_source(value: str | None) -> str:
    """The channel code if it is one, else nothing: a made-up value must not reach the database."""
    value = (value or "").strip().lower()
    return value if SOURCE_PATTERN.match(value) else ""


def period_for(contest: Contest, now: datetime) -> str:
    """The deduplication period: the whole contest, or the calendar day in the contest's zone."""
    if contest.entry_policy == "daily":
        return now.astimezone(ZoneInfo(contest.timezone)).date().isoformat()
    return "all"


def next_period_start(contest: Contest, now: datetime) -> datetime | None:
    """When a daily entrant may enter again: next local midnight, if the contest is still open then."""
    if contest.entry_policy != "daily":
        return None
    zone = ZoneInfo(contest.timezone)
    tomorrow = now.astimezone(zone).date() + timedelta(days=1)
    start = datetime.combine(tomorrow, time(0, 0), tzinfo=zone)
    return start if contest.ends_at is None or start < contest.ends_at else None


def age_on(birth_date: date, today: date) -> int:
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))


def default_region(contest: Contest) -> str:
    """Where a phone number without country code is read: the contest's first territory."""
    codes = contest.territory_codes
    return codes[0] if codes else contest.jurisdiction


#: Hashes of consent texts seen committed; the same few texts back every entry of a contest.
#: Rows are never deleted (consents point at them), so a hash once seen stays valid.
STORED_CONSENT_TEXTS: set[str] = set()


def _store_consent_text(text: str, language: str) -> str:
    """Store a consent wording once (concurrent writers welcome) and return its SHA-256."""
    digest = hashlib.sha256(text.encode()).hexdigest()
    if digest in STORED_CONSENT_TEXTS:
        return digest
    if db.session.get(ConsentText, digest) is not None:
        STORED_CONSENT_TEXTS.add(digest)  # committed by an earlier request: remember it
        return digest
    # Not cached yet: this transaction may still roll back, so the next request checks again.
    insert = postgresql_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(
        insert(ConsentText).values(sha256=digest, language=language, text=text, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["sha256"])
    )
    return digest


def _receipt_code() -> str:
    raw = "".join(secrets.choice(_RECEIPT_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


EMAIL_INVALID = _l("Enter a valid email address, such as contact@example.org.")
EMAIL_DISPOSABLE = _l("Temporary email addresses cannot be used; enter an address you will still read after the draw.")
PHONE_INVALID = _l("Enter a valid phone number, such as 06 12 34 56 78 or +33 6 12 34 56 78.")


def email_problem(raw: str):
    """The message for an unusable address, or None (shared with the form's field check)."""
    try:
        normalize_email(raw)
    except InvalidEmail:
        return EMAIL_INVALID
    except DisposableEmail:
        return EMAIL_DISPOSABLE
    return None


def phone_problem(raw: str, region: str):
    try:
        normalize_phone(raw, region)
    except InvalidPhone:
        return PHONE_INVALID
    return None


def birth_date_problem(birth_date: date, min_age: int | None, tz_name: str, now: datetime):
    """Why this date of birth cannot enter (not plausible, too young), or None."""
    today = now.astimezone(ZoneInfo(tz_name)).date()
    if birth_date > today or birth_date.year < 1900:
        return _l("Enter your real date of birth.")
    if min_age and age_on(birth_date, today) < min_age:
        return _l("This contest is open to people aged %(age)d or over.", age=min_age)
    return None


def _check(contest: Contest, data: EntryInput, now: datetime) -> tuple:
    errors: dict[str, list] = {}
    email = phone = None
    try:
        email = normalize_email(data.email)
    except InvalidEmail:
        errors["email"] = [EMAIL_INVALID]
    except DisposableEmail:
        errors["email"] = [EMAIL_DISPOSABLE]
    if data.phone:
        try:
            phone = normalize_phone(data.phone, default_region(contest))
        except InvalidPhone:
            errors["phone"] = [PHONE_INVALID]
    if data.birth_date is not None:
        problem = birth_date_problem(data.birth_date, contest.min_age, contest.timezone, now)
        if problem:
            errors["birth_date"] = [problem]
    if errors:
        raise ValidationFailed(errors)
    return email, phone


def submit_entry(contest: Contest, data: EntryInput, now: datetime, confirm_base_url: str | None = None) -> Entry:
    """Record one entry, or raise AlreadyEntered / NotOpen / ValidationFailed; flushes, never commits."""
    phase = contest.phase(now)
    if phase != Phase.OPEN:
        raise NotOpen(phase)
    email, phone = _check(contest, data, now)
    key = identity_key(email.key)
    period = period_for(contest, now)
    # Computed now: after a failed flush the session is rolled back and the contest expired.
    retry_at = next_period_start(contest, now)
    salt = os.urandom(16)
    consent_hashes = {kind: _store_consent_text(text, contest.language) for kind, text in data.consent_texts.items()}

    entry = Entry(
        contest_id=contest.id,
        status="pending" if contest.double_opt_in else "confirmed",
        confirmed_at=None if contest.double_opt_in else now,
        first_name=data.first_name.strip(),
        last_name=data.last_name.strip(),
        email=email.address,
        email_key=email.key,
        identity_key=key,
        period=period,
        phone=phone,
        postal_code=normalize_postal_code(data.postal_code) if data.postal_code else "",
        birth_date=data.birth_date,
        answers=json.dumps(data.answers, ensure_ascii=False, sort_keys=True),
        tie_breaker=data.tie_breaker,
        marketing_opt_in=data.marketing_opt_in,
        household_key=household_key(data.first_name, data.last_name, data.postal_code) if data.postal_code else "",
        ip_address=data.ip_address[:45],
        user_agent=data.user_agent[:300],
        source=clean_source(data.source),
        attribution=data.attribution[:2000],
        receipt_code=_receipt_code(),
        salt=salt,
        entrant_commit=entrant_commit(salt, key),
        flags="",
        weight=1,
        disqualified_reason="",
        disqualified_at=None,
        disqualified_by_id=None,
        flag_cleared_at=None,
        flag_cleared_by_id=None,
        created_at=now,
    )
    with db.session.no_autoflush:
        _flag_signals(contest, entry, now)
    try:
        # The UNIQUE constraint answers "already entered", races included, so no SELECT is
        # needed beforehand. A Core INSERT of every column, then the object joins the session as
        # the row it now is: the ORM's flush of one new object cost more than the INSERT.
        # Columns left unset take their defaults, and load on first use.
        entry.id = db.session.execute(
            _INSERT_ENTRY, {key: value for key, value in entry.__dict__.items() if key in _ENTRY_COLUMNS}).scalar_one()
    except IntegrityError:
        # Another entry of this identity (or, once in 10^18, the same receipt code) is there.
        raise AlreadyEntered(retry_at) from None
    make_transient_to_detached(entry)
    db.session.add(entry)
    # Consents and mail as plain INSERTs in the same transaction: nothing reads them back in this
    # request, and the ORM's bookkeeping was a third of an entry's cost.
    if consent_hashes:
        db.session.execute(insert(Consent.__table__), [
            {"entry_id": entry.id, "kind": kind, "text_sha256": digest, "given_at": now} for kind, digest in consent_hashes.items()])
    if confirm_base_url:
        if contest.double_opt_in:
            queue_confirmation(contest, entry, confirm_base_url)  # the link needs the entry's id
        else:
            queue_receipt(contest, entry)
    return entry


# --- fraud signals -------------------------------------------------------------------------

def _add_flag(entry: Entry, flag: str) -> None:
    flags = entry.flag_list
    if flag not in flags:
        entry.flags = ",".join([*flags, flag])


def _flag_signals(contest: Contest, entry: Entry, now: datetime) -> None:
    """Mark, never block: the organizer reviews clusters and decides.

    Runs before the new entry is flushed, so every query below sees only the others.
    """
    config = current_app.config
    same_contest = Entry.contest_id == contest.id
    for flag, column, value in (("phone", Entry.phone, entry.phone), ("household", Entry.household_key, entry.household_key)):
        if value:
            twins = db.session.execute(select(Entry).where(same_contest, column == value)).scalars().all()
            for other in [entry, *twins] if twins else []:
                _add_flag(other, flag)
    if entry.ip_address:
        window = now - timedelta(seconds=config["IP_BURST_WINDOW_SECONDS"])
        in_window = (same_contest, Entry.ip_address == entry.ip_address, Entry.created_at >= window)
        threshold = config["IP_BURST_THRESHOLD"]
        total = 1 + db.session.execute(_BURST_COUNT, {"contest": contest.id, "ip": entry.ip_address, "since": window,
                                                      "limit": threshold}).scalar()
        if total == threshold:
            # Crossing the threshold flags the whole burst once...
            for other in [entry, *db.session.execute(select(Entry).where(*in_window)).scalars()]:
                _add_flag(other, "ip_burst")
        elif total > threshold:
            # ...after which each new entry of the burst flags only itself (constant work per entry).
            _add_flag(entry, "ip_burst")


_ENTRY_COLUMNS = frozenset(column.key for column in Entry.__table__.columns if column.key != "id")
_INSERT_ENTRY = insert(Entry.__table__).returning(Entry.__table__.c.id)

#: Entries from one address in the window, counted up to the threshold only: an office or a
#: kiosk behind one address may send thousands, and each entry must not count them all again.
#: Built once, with parameters: constructing the statement cost as much as running it.
_BURST_COUNT = select(func.count()).select_from(
    select(Entry.id).where(Entry.contest_id == bindparam("contest"), Entry.ip_address == bindparam("ip"),
                           Entry.created_at >= bindparam("since")).limit(bindparam("limit")).subquery()
)


# --- confirmation (double opt-in) ----------------------------------------------------------

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=CONFIRM_SALT)


def confirmation_token(entry: Entry) -> str:
    return _serializer().dumps({"e": entry.id, "k": entry.identity_key[:16]})


def queue_confirmation(contest: Contest, entry: Entry, base_url: str) -> None:
    """Mail the signed confirmation link, in the contest's language."""
    url = f"{base_url.rstrip('/')}/c/{contest.slug}/confirm/{confirmation_token(entry)}"
    with force_locale(contest.language):
        subject = str(_l("Confirm your entry: %(title)s", title=contest.title))
        body = render_template("mail/confirm.txt", contest=contest, entry=entry, url=url,
                               hours=current_app.config["CONFIRM_MAX_AGE_HOURS"])
    queue_mail(entry.email, subject, body, entry_id=entry.id)


def queue_receipt(contest: Contest, entry: Entry) -> None:
    with force_locale(contest.language):
        subject = str(_l("Your entry is recorded: %(title)s", title=contest.title))
        body = render_template("mail/receipt.txt", contest=contest, entry=entry)
    queue_mail(entry.email, subject, body, entry_id=entry.id)


class InvalidConfirmation(DomainError):
    def __init__(self, expired: bool):
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def entry_for_token(contest: Contest, token: str) -> Entry:
    """Resolve a confirmation link to its entry (signed, expiring, bound to the identity)."""
    max_age = current_app.config["CONFIRM_MAX_AGE_HOURS"] * 3600
    try:
        payload = _serializer().loads(token, max_age=max_age)
    except SignatureExpired:
        raise InvalidConfirmation(expired=True) from None
    except BadSignature:
        raise InvalidConfirmation(expired=False) from None
    entry = db.session.get(Entry, payload.get("e")) if isinstance(payload, dict) else None
    if entry is None or entry.contest_id != contest.id or entry.identity_key[:16] != payload.get("k"):
        raise InvalidConfirmation(expired=False)
    return entry


def confirm_entry(contest: Contest, token: str, now: datetime) -> Entry:
    """Confirm a pending entry (idempotent); a disqualified one stays disqualified."""
    entry = entry_for_token(contest, token)
    if entry.status == "pending":
        entry.status = "confirmed"
        entry.confirmed_at = now
        queue_receipt(contest, entry)
        db.session.flush()
    return entry


def resend_confirmation(contest: Contest, email: str, base_url: str, now: datetime) -> bool:
    """Queue the link again for a pending entry of this address; say nothing about others."""
    try:
        key = identity_key(normalize_email(email).key)
    except (InvalidEmail, DisposableEmail):
        return False
    entry = db.session.execute(
        select(Entry).where(
            Entry.contest_id == contest.id, Entry.identity_key == key, Entry.status == "pending"
        ).order_by(Entry.id.desc())
    ).scalars().first()
    if entry is None:
        return False
    queue_confirmation(contest, entry, base_url)
    return True


# --- review --------------------------------------------------------------------------------

STATUS_FILTERS = ("pending", "confirmed", "flagged", "disqualified")


def entries_query(contest: Contest, status: str | None = None, search: str = ""):
    """The admin list: optional status filter ("flagged" = has an uncleared signal) and search."""
    query = select(Entry).where(Entry.contest_id == contest.id)
    if status == "flagged":
        query = query.where(Entry.flags != "", Entry.status != "disqualified")
    elif status in ("pending", "confirmed", "disqualified"):
        query = query.where(Entry.status == status)
    search = search.strip()
    if search:
        pattern = f"%{search.lower()}%"
        query = query.where(
            or_(
                func.lower(Entry.email).like(pattern),
                func.lower(Entry.first_name).like(pattern),
                func.lower(Entry.last_name).like(pattern),
                Entry.receipt_code == search.upper(),
                Entry.phone.like(f"%{search.replace(' ', '')}%"),
            )
        )
    return query.order_by(Entry.id)


def status_counts(contest: Contest) -> dict[str, int]:
    rows = db.session.execute(
        select(Entry.status, func.count()).where(Entry.contest_id == contest.id).group_by(Entry.status)
    ).all()
    counts = {status: 0 for status in STATUS_FILTERS}
    counts.update({status: n for status, n in rows})
    counts["flagged"] = db.session.execute(
        select(func.count()).select_from(Entry).where(
            Entry.contest_id == contest.id, Entry.flags != "", Entry.status != "disqualified"
        )
    ).scalar()
    counts["all"] = sum(n for status, n in rows)
    return counts


def source_counts(contest: Contest) -> list[tuple[str, int]]:
    """Entries per channel (poster, flyer... from the QR codes; "" for the plain address), largest first."""
    return [(source, n) for source, n in db.session.execute(
        select(Entry.source, func.count()).where(Entry.contest_id == contest.id)
        .group_by(Entry.source).order_by(func.count().desc(), Entry.source)
    ).all()]


@dataclass
class Cluster:
    reason: str
    value: str
    entries: list[Entry]


def review_clusters(contest: Contest) -> list[Cluster]:
    """Group flagged entries by what links them: a phone, a household, an IP address."""
    flagged = db.session.execute(
        select(Entry).where(Entry.contest_id == contest.id, Entry.flags != "").order_by(Entry.id)
    ).scalars().all()
    groups: dict[tuple[str, str], list[Entry]] = {}
    for entry in flagged:
        for flag in entry.flag_list:
            value = {"phone": entry.phone, "household": entry.household_key, "ip_burst": entry.ip_address}.get(flag)
            if value:
                groups.setdefault((flag, value), []).append(entry)
    return [Cluster(reason, value, entries) for (reason, value), entries in groups.items()]


def disqualify_entry(entry: Entry, reason: str, actor: User, now: datetime) -> None:
    """Exclude an entry from the draw, saying why; recorded with who and when."""
    reason = reason.strip()
    if not reason:
        raise ValidationFailed({"reason": [_l("Say why this entry is disqualified.")]})
    if entry.status == "disqualified":
        raise WrongState(_l("This entry is already disqualified."))
    previous = entry.status
    entry.status = "disqualified"
    entry.disqualified_at = now
    entry.disqualified_by_id = actor.id
    entry.disqualified_reason = reason[:2000]
    db.session.flush()
    audit.record("entry.disqualified", actor=actor, contest=_contest_of(entry),
                 entry_id=entry.id, reason=entry.disqualified_reason, previous_status=previous)


def clear_flags(entry: Entry, actor: User, now: datetime) -> None:
    """Keep a flagged entry: the signals are dismissed, the decision recorded."""
    if not entry.flags:
        raise WrongState(_l("This entry has no signal to clear."))
    cleared = entry.flags
    entry.flags = ""
    entry.flag_cleared_at = now
    entry.flag_cleared_by_id = actor.id
    db.session.flush()
    audit.record("entry.flags_cleared", actor=actor, contest=_contest_of(entry), entry_id=entry.id, flags=cleared)


def _contest_of(entry: Entry) -> Contest:
    return db.session.get(Contest, entry.contest_id)
