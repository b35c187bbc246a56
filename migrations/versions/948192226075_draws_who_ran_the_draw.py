"""draws: who ran the draw

The draw certificate (procès-verbal) names the person who ran the draw (issue 18); draws made
before keep an empty name, which the certificate prints as not recorded.

Revision ID: 948192226075
Revises: 0c088454b046
Create Date: 2026-12-06 12:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "948192226075"
down_revision = "0c088454b046"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "draws", sa.Column("drawn_by", sa.String(length=120), server_default="", nullable=False)
    )


def downgrade():
    op.execute("ALTER TABLE draws DROP COLUMN drawn_by")
