"""outbox: a lease per message, so several workers never send one message twice

A worker claims due messages by a conditional UPDATE (PostgreSQL: rows picked with FOR UPDATE
SKIP LOCKED) that sets ``locked_by`` and ``locked_until``; a message whose worker died is
claimed again once its lease has passed.

Revision ID: a7c3e9f1d2b4
Revises: 8e4f1a2b3c5d
Create Date: 2026-12-01 08:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a7c3e9f1d2b4"
down_revision = "8e4f1a2b3c5d"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("locked_by", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("locked_until", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("locked_until")
        batch_op.drop_column("locked_by")
