"""Column types shared by the models."""

from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """Store instants as naive UTC and hand them back aware.

    SQLite has no time zone type and PostgreSQL's ``timestamptz`` converts to the session's
    zone; storing naive UTC everywhere keeps both backends byte-identical, and refusing naive
    input catches a local time sneaking in unconverted.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("UTCDateTime needs an aware datetime, got a naive one")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    """Return the current instant, aware, in UTC (the only clock the app reads)."""
    return datetime.now(UTC)
