"""Mail through an outbox: queued in the caller's transaction, delivered after commit with retries.

Nothing is lost when the SMTP server is down: the row stays, and ``contests send-mail`` (or the
next request that delivers) tries again with a growing delay.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from urllib.parse import unquote, urlsplit

from sqlalchemy import insert, select

from .extensions import db
from .models import OutboxMessage
from .models.types import utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str  # "plain", "starttls" or "tls"
    username: str | None
    password: str | None

    @classmethod
    def from_url(cls, url: str) -> SmtpSettings:
        """Read ``smtp://``, ``smtp+starttls://`` or ``smtps://`` URLs, with optional
        credentials."""
        parts = urlsplit(url)
        security = {"smtp": "plain", "smtp+starttls": "starttls", "smtps": "tls"}.get(parts.scheme)
        if security is None or not parts.hostname:
            raise ValueError(
                f"unsupported SMTP URL {url!r}: use smtp://, smtp+starttls:// or smtps://host:port"
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


def queue_mail(recipient: str, subject: str, body: str, entry_id: int | None = None) -> None:
    """Write a message to the outbox in the current transaction.

    One Core INSERT, no ORM object: the entry form writes one message per entry, and nothing
    reads the message back in the same request.
    """
    now = utcnow()
    db.session.execute(
        _QUEUE,
        {
            "recipient": recipient,
            "subject": subject,
            "body": body,
            "entry_id": entry_id,
            "created_at": now,
            "next_attempt_at": now,
            "attempts": 0,
            "last_error": "",
        },
    )


def _backoff(attempts: int) -> timedelta:
    return timedelta(minutes=min(2**attempts, 240))


def _build(message: OutboxMessage, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1].strip(">"))
    email.set_content(message.body)
    return email


def deliver_pending(
    smtp_url: str, sender: str, now: datetime | None = None, limit: int = 100, timeout: float = 10
) -> tuple[int, int]:
    """Send due messages; return (sent, failed). Commits after each message so progress is kept."""
    now = now or utcnow()
    due = (
        db.session.execute(
            select(OutboxMessage)
            .where(
                OutboxMessage.sent_at.is_(None),
                OutboxMessage.next_attempt_at <= now,
                OutboxMessage.attempts < MAX_ATTEMPTS,
            )
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
        .scalars()
        .all()
    )
    if not due:
        return 0, 0
    settings = SmtpSettings.from_url(smtp_url)
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
                connection.send_message(_build(message, sender))
            except (OSError, smtplib.SMTPException) as error:
                _failed(message, now, str(error))
                failed += 1
            else:
                message.sent_at = utcnow()
                message.attempts += 1
                sent += 1
            db.session.commit()
    return sent, failed


def _failed(message: OutboxMessage, now: datetime, error: str) -> None:
    message.attempts += 1
    message.last_error = error[:1000]
    message.next_attempt_at = now + _backoff(message.attempts)


def _connect(settings: SmtpSettings, timeout: float) -> smtplib.SMTP:
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
