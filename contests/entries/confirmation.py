"""Double opt-in: the signed, expiring link mailed to an entrant, and what happens when it is used.

The link names the entry and the first bytes of its identity key, signed with the app's secret:
it cannot be forged, and it stops working once the entry is erased or the delay has passed.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from ..errors import DomainError, WrongState
from ..extensions import db
from ..identity import DisposableEmail, InvalidEmail, identity_key, normalize_email
from ..mail import queue_row, renderer
from ..models import Contest, Entry, EntryStatus, OutboxMessage
from .entry_statements import receipt_row
from .rights import entrant_row, mail_entrant

CONFIRM_SALT = "entry-confirm"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=CONFIRM_SALT)


def confirmation_token(entry: Entry) -> str:
    return _serializer().dumps({"e": entry.id, "k": entry.identity_key[:16]})


def queue_confirmation(contest: Contest, entry: Entry, base_url: str) -> None:
    """Mail the signed confirmation link, in the contest's language."""
    url = f"{base_url.rstrip('/')}/c/{contest.slug}/confirm/{confirmation_token(entry)}"
    with force_locale(contest.language):
        subject = str(_l("Confirm your entry: %(title)s", title=contest.title))
        body = render_template(
            "mail/confirm.txt",
            contest=contest,
            entry=entry,
            url=url,
            hours=current_app.config["CONFIRM_MAX_AGE_HOURS"],
        )
    mail_entrant(contest, entry, subject, body)


def sample_entry_mails(contest: Contest) -> list[tuple[str, tuple[str, str]]]:
    """The entrant's mails (confirmation link, receipt) with sample values, for the admin's
    preview: (kind, (subject, text)), in the current locale."""
    entry = Entry(
        first_name=str(_l("Camille")), email="camille@example.org", id=1234, number=57, weight=1
    )
    entry.receipt_code = "ABCD-EFGH-JKLM"
    entry.entrant_commit = "5f0c" + "0" * 60
    url = f"{current_app.config['BASE_URL'].rstrip('/')}/c/{contest.slug}/confirm/…"
    return [
        (
            "confirm",
            (
                str(_l("Confirm your entry: %(title)s", title=contest.title)),
                render_template(
                    "mail/confirm.txt",
                    contest=contest,
                    entry=entry,
                    url=url,
                    hours=current_app.config["CONFIRM_MAX_AGE_HOURS"],
                ),
            ),
        ),
        ("receipt", receipt_text(contest, entry)),
    ]


def receipt_text(contest: Contest, entry: Entry) -> tuple[str, str]:
    """The receipt mail's subject and body, in the contest's language."""
    with force_locale(contest.language):
        subject = str(_l("Your entry is recorded: %(title)s", title=contest.title))
        return subject, render_template("mail/receipt.txt", contest=contest, entry=entry)


#: The receipt's template: its row is written with the entry (``entries.writes``), or when a
#: double opt-in entry is confirmed, and the delivery writes its text and headers
#: (``_render_receipt``). Rendering it in the request was a fifth of an entry's time
#: (bench/entry_load.py), and the entrant waits for none of it.
RECEIPT = "receipt"


def queue_receipt(entry: Entry, now: datetime) -> None:
    queue_row({**receipt_row(entry.email, RECEIPT, now), "entry_id": entry.id})


@renderer(RECEIPT)
def _render_receipt(message: OutboxMessage) -> bool:
    entry = db.session.get(Entry, message.entry_id) if message.entry_id else None
    if entry is None or entry.erased_at is not None:
        return False
    contest = db.session.get(Contest, entry.contest_id)
    row = entrant_row(contest, entry, *receipt_text(contest, entry))
    for column in ("subject", "body", "sender_name", "reply_to", "list_unsubscribe"):
        setattr(message, column, row[column])
    return True


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
    if (
        entry is None
        or entry.contest_id != contest.id
        or entry.identity_key[:16] != payload.get("k")
    ):
        raise InvalidConfirmation(expired=False)
    return entry


def confirm_entry(contest: Contest, token: str, now: datetime) -> Entry:
    """Confirm a pending entry (idempotent); a disqualified one stays disqualified."""
    entry = entry_for_token(contest, token)
    if entry.status == EntryStatus.PENDING and contest.ends_at and now >= contest.ends_at:
        raise WrongState(
            _l("The contest closed before this entry was confirmed: it cannot take part.")
        )
    if entry.status == EntryStatus.PENDING:
        entry.status = EntryStatus.CONFIRMED
        entry.confirmed_at = now
        queue_receipt(entry, now)
        db.session.flush()
    return entry


def resend_confirmation(contest: Contest, email: str, base_url: str, now: datetime) -> bool:
    """Queue the link again for a pending entry of this address; say nothing about others."""
    try:
        key = identity_key(normalize_email(email).key)
    except (InvalidEmail, DisposableEmail):
        return False
    entry = (
        db.session.execute(
            select(Entry)
            .where(
                Entry.contest_id == contest.id,
                Entry.identity_key == key,
                Entry.status == EntryStatus.PENDING,
            )
            .order_by(Entry.id.desc())
        )
        .scalars()
        .first()
    )
    if entry is None:
        return False
    queue_confirmation(contest, entry, base_url)
    return True
