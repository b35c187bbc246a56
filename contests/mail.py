"""Mail through an outbox: queued in the caller's transaction, delivered after commit with retries.

Nothing is lost when the SMTP server is down: the row stays, and the worker (``contests
worker``), ``contests send-mail`` or the next request that delivers tries again with a growing
delay. Each delivery claims its messages first (a lease: ``locked_by``/``locked_until``), so
that several workers and app servers delivering at once send every message once. One message
that cannot be built (a broken header) is marked failed with its reason; the queue goes on.

A message may be queued as a template name (``renderer``) instead of a text: the entry receipt,
written on every entry, is rendered by the delivery, off the entrant's request, from the entry
as it then is (and not at all once the entry is gone).
"""

from __future__ import annotations

import logging
import secrets
import smtplib
import ssl
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr, make_msgid, parseaddr
from urllib.parse import unquote, urlsplit

from sqlalchemy import insert, or_, select, update

from .extensions import db, on_postgresql
from .models import OutboxMessage
from .models.types import utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str  # "plain", "starttls", "tls", or "console" (printed, for `make run`)
    username: str | None
    password: str | None

    @classmethod
    def from_url(cls, url: str) -> SmtpSettings:
        """Read ``smtp://``, ``smtp+starttls://`` or ``smtps://`` URLs, with optional
        credentials."""
        parts = urlsplit(url)
        if parts.scheme == "console":
            return cls(host="", port=0, security="console", username=None, password=None)
        security = {"smtp": "plain", "smtp+starttls": "starttls", "smtps": "tls"}.get(parts.scheme)
        if security is None or not parts.hostname:
            raise ValueError(
                f"unsupported SMTP URL {url!r}: use smtp://, smtp+starttls:// or smtps://host:port "
                "(or console:// to print the mail)"
            )
        default_port = {"plain": 25, "starttls": 587, "tls": 465}[security]
        return cls(
            host=parts.hostname,
            port=parts.port or default_port,
            security=security,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )


#: Built once: constructing the statement cost more than running it.
_QUEUE = insert(OutboxMessage.__table__)


def queue_mail(recipient: str, subject: str, body: str, entry_id: int | None = None, **headers):
    """Write a message to the outbox in the current transaction (see ``outbox_row``).

    One Core INSERT, no ORM object: nothing reads the message back in the same request.
    """
    queue_row(outbox_row(recipient, subject, body, entry_id, **headers))


def queue_row(row: dict) -> None:
    """Write an ``outbox_row`` in the current transaction."""
    db.session.execute(_QUEUE, row)


def outbox_row(
    recipient: str,
    subject: str,
    body: str,
    entry_id: int | None = None,
    *,
    html: str | None = None,
    sender_name: str = "",
    reply_to: str = "",
    list_unsubscribe: str = "",
    template: str = "",
    now: datetime | None = None,
) -> dict:
    """The outbox row of a message, due ``now`` (the present unless given: an entry's receipt is
    due when the entry is made).

    ``sender_name`` and ``reply_to`` make the mail speak for the organization (its name before our
    address, answers going to it); ``list_unsubscribe`` is the entrant's one-click address to stop
    marketing (RFC 8058); ``template`` names the renderer that writes subject and body at
    delivery (they may then be empty). The entry form writes its receipt's row in the same
    statement as the entry (``entries.writes``).
    """
    now = now or utcnow()
    return {
        "recipient": one_line(recipient),
        "subject": one_line(subject),
        "body": body,
        "entry_id": entry_id,
        "html": html,
        "sender_name": one_line(sender_name),
        "reply_to": one_line(reply_to),
        "list_unsubscribe": one_line(list_unsubscribe),
        "template": template,
        "created_at": now,
        "next_attempt_at": now,
        "attempts": 0,
        "last_error": "",
    }


#: Renderers of queued templates, by name: each fills a message's subject and body (and may set
#: its other headers) and returns True, or False when there is nothing to send any more.
_RENDERERS: dict[str, Callable[[OutboxMessage], bool]] = {}


def renderer(name: str):
    """Register the function that writes the messages queued with ``template=name``."""

    def register(function: Callable[[OutboxMessage], bool]):
        _RENDERERS[name] = function
        return function

    return register


class NothingToSend(Exception):
    """A templated message whose subject is gone (its entry erased or withdrawn)."""


def render_queued(message: OutboxMessage) -> None:
    """Write a templated message's text once (the delivery does, before sending); the row then
    keeps what was sent. Raises NothingToSend when its renderer finds nothing to send."""
    if not message.template or message.body:
        return
    if not _RENDERERS[message.template](message):
        raise NothingToSend


def one_line(text: str) -> str:
    """A header value: line breaks (from a contest title, say) would end the header early."""
    return " ".join(text.split())


def _backoff(attempts: int) -> timedelta:
    return timedelta(minutes=min(2**attempts, 240))


def _build(message: OutboxMessage, sender: str) -> EmailMessage:
    email = EmailMessage()
    address = parseaddr(sender)[1]
    # The organization's name before our address: winners see who writes, SPF/DKIM still pass.
    name = one_line(message.sender_name)
    email["From"] = formataddr((name, address)) if name else sender
    email["To"] = one_line(message.recipient)
    if message.reply_to:
        email["Reply-To"] = one_line(message.reply_to)
    email["Subject"] = one_line(message.subject)
    email["Message-ID"] = make_msgid(domain=address.rsplit("@", 1)[-1])
    if message.list_unsubscribe:
        # RFC 8058: mail programs show an "Unsubscribe" button that POSTs to the address.
        email["List-Unsubscribe"] = f"<{one_line(message.list_unsubscribe)}>"
        email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email.set_content(message.body)
    if message.html:
        email.add_alternative(message.html, subtype="html")
    return email


#: How long a claim on a message holds: a worker that died mid-batch leaves it to others after.
LEASE = timedelta(minutes=5)


def _claim(now: datetime, limit: int) -> list[OutboxMessage]:
    """Take up to ``limit`` due messages for this delivery, committed before any is sent.

    PostgreSQL skips the rows another worker is claiming (FOR UPDATE SKIP LOCKED); on both
    backends the UPDATE only takes messages still unclaimed, so two workers never hold one.
    """
    free = or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now)
    due = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.next_attempt_at <= now,
            OutboxMessage.attempts < MAX_ATTEMPTS,
            free,
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if on_postgresql():
        due = due.with_for_update(skip_locked=True)
    ids = list(db.session.execute(due).scalars())
    if not ids:
        db.session.commit()
        return []
    token = secrets.token_hex(8)
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), OutboxMessage.sent_at.is_(None), free)
        .values(locked_by=token, locked_until=now + LEASE)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return list(
        db.session.execute(
            select(OutboxMessage).where(OutboxMessage.locked_by == token).order_by(OutboxMessage.id)
        ).scalars()
    )


def deliver_pending(
    smtp_url: str, sender: str, now: datetime | None = None, limit: int = 100, timeout: float = 10
) -> tuple[int, int]:
    """Send due messages; return (sent, failed). Commits after each message so progress is kept."""
    now = now or utcnow()
    settings = SmtpSettings.from_url(smtp_url)
    due = _claim(now, limit)
    if not due:
        return 0, 0
    sent = failed = 0
    try:
        connection = _connect(settings, timeout)
    except (OSError, smtplib.SMTPException) as error:
        for message in due:
            _failed(message, now, f"connect: {error}")
        db.session.commit()
        log.warning("SMTP server %s:%s unreachable: %s", settings.host, settings.port, error)
        return 0, len(due)
    with connection:
        for message in due:
            try:
                render_queued(message)
                email = _build(message, sender)
            except NothingToSend:
                _failed(message, now, "not sent: its entry no longer exists", final=True)
                failed += 1
            except Exception as error:  # noqa: BLE001 - one broken message must not stop the queue
                # Not the server's fault and not going to improve: failed for good, with why.
                log.exception("message %s cannot be built", message.id)
                _failed(message, now, f"cannot build the message: {error}", final=True)
                failed += 1
            else:
                try:
                    connection.send_message(email)
                except (OSError, smtplib.SMTPException) as error:
                    _failed(message, now, str(error))
                    failed += 1
                else:
                    message.sent_at = utcnow()
                    message.attempts += 1
                    message.locked_by = message.locked_until = None
                    sent += 1
            db.session.commit()
    return sent, failed


def _failed(message: OutboxMessage, now: datetime, error: str, final: bool = False) -> None:
    message.attempts = MAX_ATTEMPTS if final else message.attempts + 1
    message.last_error = error[:1000]
    message.next_attempt_at = now + _backoff(message.attempts)
    message.locked_by = message.locked_until = None


class _Console:
    """Prints each message instead of sending it: `make run`'s mail, read in the terminal."""

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False

    def send_message(self, email: EmailMessage) -> None:
        text = email.get_body(("plain",))
        print(
            f"----- mail to {email['To']}: {email['Subject']}\n{text.get_content()}",
            flush=True,
            file=sys.stdout,
        )


def _connect(settings: SmtpSettings, timeout: float) -> smtplib.SMTP | _Console:
    if settings.security == "console":
        return _Console()
    if settings.security == "tls":
        connection = smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        connection = smtplib.SMTP(settings.host, settings.port, timeout=timeout)
        if settings.security == "starttls":
            connection.starttls(context=ssl.create_default_context())
    if settings.username:
        connection.login(settings.username, settings.password or "")
    return connection


def sender_address(name: str, address: str) -> str:
    return formataddr((name, address))
