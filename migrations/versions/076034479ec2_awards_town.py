"""awards: the winner's town, for the winners list

France publishes first name, initial and town (with consent); the UK makes surname and county
available on request; the US answers winners-list requests with name, city and state.

Revision ID: 076034479ec2
Revises: af1e382c80bd
Create Date: 2026-12-01 18:10:48.002621

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "076034479ec2"
down_revision = "af1e382c80bd"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("awards", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("town", sa.String(length=100), nullable=False, server_default="")
        )


def downgrade():
    with op.batch_alter_table("awards", schema=None) as batch_op:
        batch_op.drop_column("town")
