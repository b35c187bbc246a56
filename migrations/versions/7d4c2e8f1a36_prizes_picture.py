"""prizes: a picture for the public page

Revision ID: 7d4c2e8f1a36
Revises: 3b7e5a1c9d20
Create Date: 2026-12-06 07:05:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "7d4c2e8f1a36"
down_revision = "3b7e5a1c9d20"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("prizes", sa.Column("picture_png", sa.LargeBinary(), nullable=True))
    op.add_column(
        "prizes",
        sa.Column("picture_sha256", sa.String(length=64), server_default="", nullable=False),
    )


def downgrade():
    op.execute("ALTER TABLE prizes DROP COLUMN picture_sha256")
    op.execute("ALTER TABLE prizes DROP COLUMN picture_png")
