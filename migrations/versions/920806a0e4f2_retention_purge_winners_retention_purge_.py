"""retention purge: winners' retention, purge dates, entries erased_at

Plain ALTER TABLE (no batch rebuild): entries and contests carry guard triggers on SQLite.

Revision ID: 920806a0e4f2
Revises: 05e1be7e172c
Create Date: 2026-12-06 04:02:11.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "920806a0e4f2"
down_revision = "05e1be7e172c"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("contests", sa.Column("winners_retention_months", sa.Integer(), nullable=True))
    op.add_column("contests", sa.Column("purged_at", sa.DateTime(), nullable=True))
    op.add_column("contests", sa.Column("winners_purged_at", sa.DateTime(), nullable=True))
    op.add_column("entries", sa.Column("erased_at", sa.DateTime(), nullable=True))


def downgrade():
    for table, column in (
        ("entries", "erased_at"),
        ("contests", "winners_purged_at"),
        ("contests", "purged_at"),
        ("contests", "winners_retention_months"),
    ):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
