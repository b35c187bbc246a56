"""entries: the channel each entry came from

Revision ID: 23f9a26e0ca3
Revises: 9c33b9f9d391
Create Date: 2026-11-24 20:13:21.609380

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "23f9a26e0ca3"
down_revision = "9c33b9f9d391"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("source", sa.String(length=40), nullable=False, server_default="")
        )


def downgrade():
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.drop_column("source")
