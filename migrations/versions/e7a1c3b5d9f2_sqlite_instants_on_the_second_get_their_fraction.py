"""SQLite: instants the entry path wrote on the exact second get their fraction of a second

The entry's statements run on the driver's cursor (contests/driver_statements.py) converted a
UTCDateTime with the generic type's bind processor, so sqlite3's own adapter wrote the value:
"2026-05-02 11:00:00" where SQLAlchemy writes "2026-05-02 11:00:00.000000". As text the first
sorts before the second, so such an entry fell outside a range that starts at its own instant
(an hour of the statistics, a month of the report). Only values on the exact second were
written that way (about one entry in a million, and tests); this rewrites them as SQLAlchemy
does. PostgreSQL stores timestamps, not text: nothing to do there.

Revision ID: e7a1c3b5d9f2
Revises: d4f9a2c6e8b1
Create Date: 2026-12-07 16:10:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "e7a1c3b5d9f2"
down_revision = "d4f9a2c6e8b1"
branch_labels = None
depends_on = None

#: What the entry's statements write on SQLite (entries.writes): the entry, its consents, its
#: receipt mail.
_WRITTEN = {
    "entries": ("created_at",),
    "consents": ("given_at",),
    "outbox": ("created_at", "next_attempt_at"),
}


def upgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    for table, columns in _WRITTEN.items():
        for column in columns:
            # "YYYY-MM-DD HH:MM:SS" is 19 characters; SQLAlchemy's text is 26.
            op.execute(
                f"UPDATE {table} SET {column} = {column} || '.000000' WHERE length({column}) = 19"
            )


def downgrade():
    """Nothing to undo: both forms read back as the same instant."""
