"""draws: entrant file stored uncompressed on PostgreSQL

The entrant file is hex text behind commas, so PostgreSQL's default pglz compression spends two
seconds on a million entries to save about half of 74 MB. EXTERNAL keeps it out of line and
uncompressed. Nothing changes on SQLite.

Revision ID: 7b1e2c4d9a10
Revises: e0d3f43cc6e9
Create Date: 2026-11-24 21:20:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "7b1e2c4d9a10"
down_revision = "e0d3f43cc6e9"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE draws ALTER COLUMN entrants_file SET STORAGE EXTERNAL")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE draws ALTER COLUMN entrants_file SET STORAGE EXTENDED")
