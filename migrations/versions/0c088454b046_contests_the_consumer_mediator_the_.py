"""contests: the consumer mediator the French rules name

French rules name the consumer mediator the organizer has appointed, or say that none is
appointed for a free game (issue 18); existing contests have none.

Revision ID: 0c088454b046
Revises: 281a8509a87b
Create Date: 2026-12-06 11:41:18.484566

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0c088454b046"
down_revision = "281a8509a87b"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "contests", sa.Column("consumer_mediator", sa.Text(), server_default="", nullable=False)
    )


def downgrade():
    op.execute("ALTER TABLE contests DROP COLUMN consumer_mediator")
