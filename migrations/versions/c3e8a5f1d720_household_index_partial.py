"""entries: the household index holds only the entries that have a household

An entry gets a household key only with a postal code; the others wrote the key '' into
ix_entries_contest_household, which only twin lookups of a real key read (issue 19).

Revision ID: c3e8a5f1d720
Revises: b7d41c2e9a05
Create Date: 2026-12-07 06:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c3e8a5f1d720"
down_revision = "b7d41c2e9a05"
branch_labels = None
depends_on = None

_WHERE = "household_key <> ''"


def upgrade():
    op.drop_index("ix_entries_contest_household", table_name="entries")
    op.create_index(
        "ix_entries_contest_household",
        "entries",
        ["contest_id", "household_key"],
        postgresql_where=sa.text(_WHERE),
        sqlite_where=sa.text(_WHERE),
    )


def downgrade():
    op.drop_index("ix_entries_contest_household", table_name="entries")
    op.create_index("ix_entries_contest_household", "entries", ["contest_id", "household_key"])
