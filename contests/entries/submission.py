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

from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from ..draw.canonical import entrant_commit
from ..errors import DomainError, ValidationFailed
from ..extensions import app_cache, db, on_postgresql
from ..identity import (
    DisposableEmail,
    InvalidEmail,
    InvalidPhone,
    example_phone,
    household_key,
    identity_key,
    normalize_email,
    normalize_phone,
    normalize_postal_code,
)
from ..jury.works import prepare_work, store_work
from ..models import ConsentText, Contest, Entry, EntryStatus, Phase
from ..models.types import utcnow
from .confirmation import RECEIPT, queue_confirmation
from .signals import burst_window, flag_burst_start
from .writes import write_entry

#: Crockford's base32 without look-alikes: codes people can read out over the phone.
_RECEIPT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


class AlreadyEntered(DomainError):
    """This person already has an entry for the period; ``next_period_at`` says when they may
    retry."""

    def __init__(self, next_period_at: datetime | None):
        super().__init__("already entered")
        self.next_period_at = next_period_at


#: What the database's guard says when an entry reaches a frozen list.
FROZEN = "the entrant list of this contest is frozen"


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
    #: The channel code from the form's address (poster, flyer...), already checked against
    #: SOURCE_PATTERN.
    source: str = ""
    #: Host page and utm_* parameters of an embedded form (JSON, see embedding.attribution).
    attribution: str = ""
    #: A skill contest's work: the text typed, or the uploaded picture's bytes (``jury.works``).
    work_text: str | None = None
    work_upload: bytes | None = None


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
    """When a daily entrant may enter again: next local midnight, if the contest is still open
    then."""
    if contest.entry_policy != "daily":
        return None
    zone = ZoneInfo(contest.timezone)
    tomorrow = now.astimezone(zone).date() + timedelta(days=1)
    start = datetime.combine(tomorrow, time(0, 0), tzinfo=zone)
    return start if contest.ends_at is None or start < contest.ends_at else None


def age_on(birth_date: date, today: date) -> int:
    return (
        today.year
        - birth_date.year
        - ((today.month, today.day) < (birth_date.month, birth_date.day))
    )


def default_region(contest: Contest) -> str:
    """Where a phone number without country code is read: the contest's first territory."""
    codes = contest.territory_codes
    return codes[0] if codes else contest.jurisdiction


def _stored_consent_texts() -> set[str]:
    """Hashes of consent texts seen committed; the same few texts back every entry of a contest.

    Rows are never deleted (consents point at them), so a hash once seen stays valid. Kept on
    the app, not the module: two apps in one process (the tests) each have their database.
    """
    return app_cache("contests.consent_texts", set)


def _store_consent_text(text: str, language: str) -> str:
    """Store a consent wording once (concurrent writers welcome) and return its SHA-256."""
    digest = hashlib.sha256(text.encode()).hexdigest()
    seen = _stored_consent_texts()
    if digest in seen:
        return digest
    if db.session.get(ConsentText, digest) is not None:
        seen.add(digest)  # committed by an earlier request: remember it
        return digest
    # Not cached yet: this transaction may still roll back, so the next request checks again.
    insert = postgresql_insert if on_postgresql() else sqlite_insert
    db.session.execute(
        insert(ConsentText)
        .values(sha256=digest, language=language, text=text, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["sha256"])
    )
    return digest


def _receipt_code() -> str:
    # 32 symbols: the low 5 bits of a random byte pick one uniformly (256 = 8 x 32), at a
    # twelfth of the cost of twelve secrets.choice calls.
    raw = "".join(_RECEIPT_ALPHABET[byte & 31] for byte in secrets.token_bytes(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


EMAIL_INVALID = _l("Enter a valid email address, such as contact@example.org.")
EMAIL_DISPOSABLE = _l(
    "Temporary email addresses cannot be used; enter an address you will still read after the draw."
)


def phone_invalid(region: str):
    """Why a phone number was refused, with an example as people of ``region`` write one."""
    national, international = example_phone(region)
    return _l(
        "Enter a valid phone number, such as %(national)s or %(international)s.",
        national=national,
        international=international,
    )


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
        return phone_invalid(region)
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
            errors["phone"] = [phone_invalid(default_region(contest))]
    if data.birth_date is not None:
        problem = birth_date_problem(data.birth_date, contest.min_age, contest.timezone, now)
        if problem:
            errors["birth_date"] = [problem]
    if errors:
        raise ValidationFailed(errors)
    return email, phone


def _written_entry(values: dict) -> Entry:
    """The Entry of a row just written, out of any session, its values those written: as the ORM
    would load it, with no attribute event per value (its columns left out are not loaded)."""
    entry = Entry.__mapper__.class_manager.new_instance()
    entry.__dict__.update(values)
    return entry


def submit_entry(
    contest: Contest, data: EntryInput, now: datetime, confirm_base_url: str | None = None
) -> Entry:
    """Record one entry, or raise AlreadyEntered / NotOpen / ValidationFailed; writes, never
    commits.

    The entry returned holds the values written (its id, number and flags included) but is not
    in the session: to change it, load it (``db.session.get(Entry, entry.id)``)."""
    phase = contest.phase(now)
    if phase != Phase.OPEN:
        raise NotOpen(phase)
    email, phone = _check(contest, data, now)
    # The work before anything is written: a picture that cannot be read refuses the entry.
    work = prepare_work(contest, data.work_text, data.work_upload)
    key = identity_key(email.key)
    period = period_for(contest, now)
    # Computed now: after a failed flush the session is rolled back and the contest expired.
    retry_at = next_period_start(contest, now)
    salt = os.urandom(16)
    consent_hashes = {
        kind: _store_consent_text(text, contest.language)
        for kind, text in data.consent_texts.items()
    }

    # The row as a dict, made an Entry once written (``_written_entry``): constructing the ORM
    # object, attribute event by attribute event, was 7% of an entry POST's instructions
    # (callgrind, issue 19).
    values = {
        "contest_id": contest.id,
        "status": EntryStatus.PENDING if contest.double_opt_in else EntryStatus.CONFIRMED,
        "confirmed_at": None if contest.double_opt_in else now,
        "first_name": data.first_name.strip(),
        "last_name": data.last_name.strip(),
        "email": email.address,
        "email_key": email.key,
        "identity_key": key,
        "period": period,
        "phone": phone,
        "postal_code": normalize_postal_code(data.postal_code) if data.postal_code else "",
        "birth_date": data.birth_date,
        "answers": json.dumps(data.answers, ensure_ascii=False, sort_keys=True),
        "tie_breaker": data.tie_breaker,
        "marketing_opt_in": data.marketing_opt_in,
        "household_key": household_key(data.first_name, data.last_name, data.postal_code)
        if data.postal_code
        else "",
        "ip_address": data.ip_address[:45],
        "user_agent": data.user_agent[:300],
        "source": clean_source(data.source),
        "attribution": data.attribution[:2000],
        "receipt_code": _receipt_code(),
        "salt": salt,
        "entrant_commit": entrant_commit(salt, key),
        "flags": "",
        "weight": 1,
        "disqualified_reason": "",
        "created_at": now,
    }
    # The receipt is queued with the entry and written by the delivery (``confirmation``);
    # the confirmation link of a double opt-in needs the entry's id, so it comes after.
    receipt = RECEIPT if confirm_base_url and not contest.double_opt_in else None
    window = burst_window(contest, values["ip_address"], now)
    try:
        # The UNIQUE constraint answers "already entered", races included, so no SELECT is
        # needed beforehand. Core INSERTs of every column (one statement on PostgreSQL): the
        # ORM's flush of one new object cost more than the INSERT. The object stays out of the
        # session: joining it, then having the commit expire it, cost a twentieth of an entry's
        # CPU (callgrind, issue 19), and the form only reads its receipt code.
        values["id"], values["number"], values["flags"], recent = write_entry(
            values,
            consent_hashes,
            now,
            contest.updated_at,
            window,
            receipt,
            # Nothing follows the entry's own rows but a work or a confirmation mail (below).
            last=work is None and not (confirm_base_url and contest.double_opt_in),
        )
    except IntegrityError as error:
        if FROZEN in str(error.orig):
            # The close passed between the phase check above and this INSERT, and the list is
            # already frozen (the database's guard, migration 2dd57fd929f6): the contest is closed.
            raise NotOpen(Phase.CLOSED) from None
        # Another entry of this identity (or, once in 10^18, the same receipt code) is there.
        raise AlreadyEntered(retry_at) from None
    entry = _written_entry(values)
    flag_burst_start(entry, window, recent)
    if work is not None:
        store_work(entry.id, work, now)
    if confirm_base_url and contest.double_opt_in:
        queue_confirmation(contest, entry, confirm_base_url)
    return entry
