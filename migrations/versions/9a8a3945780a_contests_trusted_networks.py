"""contests: trusted networks

Plain ALTER TABLE: a batch rebuild of contests on SQLite is not needed to add a column.

Revision ID: 9a8a3945780a
Revises: e9d3f761cb72
Create Date: 2026-12-06 04:50:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "9a8a3945780a"
down_revision = "e9d3f761cb72"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "contests", sa.Column("trusted_networks", sa.Text(), server_default="", nullable=False)
    )


def downgrade():
    op.execute("ALTER TABLE contests DROP COLUMN trusted_networks")
