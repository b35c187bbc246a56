"""prizes: delivery (shipped, collected on site, digital)

The claim page asks a postal address only for a prize that is shipped.

Revision ID: 80ffa93b8a0f
Revises: 076034479ec2
Create Date: 2026-12-01 18:25:42.036271

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "80ffa93b8a0f"
down_revision = "076034479ec2"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("prizes", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("delivery", sa.String(length=10), nullable=False, server_default="shipped")
        )
        batch_op.create_check_constraint(
            op.f("ck_prizes_delivery"), "delivery IN ('shipped', 'collected', 'digital')"
        )


def downgrade():
    with op.batch_alter_table("prizes", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_prizes_delivery"), type_="check")
        batch_op.drop_column("delivery")
