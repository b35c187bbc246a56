"""Column types shared by the models."""

from datetime import UTC, datetime

from sqlalchemy import DateTime, Index, text
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


def partial_index(name: str, *columns: str, where: str, unique: bool = False) -> Index:
    """An index of only the rows ``where`` (SQL) holds for, the same on both backends. A query
    uses it only when its own WHERE shows it asks no more than that: written out, or implied
    (``x = :v`` implies ``x IS NOT NULL``)."""
    return Index(
        name, *columns, unique=unique, postgresql_where=text(where), sqlite_where=text(where)
    )
