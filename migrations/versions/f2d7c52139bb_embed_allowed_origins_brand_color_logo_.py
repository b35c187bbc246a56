"""embed: allowed origins, brand color, logo; entry attribution

Revision ID: f2d7c52139bb
Revises: 23f9a26e0ca3
Create Date: 2026-11-24 20:19:31.616897

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f2d7c52139bb"
down_revision = "23f9a26e0ca3"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("contests", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("embed_origins", sa.Text(), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("brand_color", sa.String(length=7), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("logo_png", sa.LargeBinary(), nullable=True))
        batch_op.add_column(
            sa.Column("logo_sha256", sa.String(length=64), nullable=False, server_default="")
        )

    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attribution", sa.Text(), nullable=False, server_default=""))


def downgrade():
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.drop_column("attribution")

    with op.batch_alter_table("contests", schema=None) as batch_op:
        batch_op.drop_column("logo_sha256")
        batch_op.drop_column("logo_png")
        batch_op.drop_column("brand_color")
        batch_op.drop_column("embed_origins")
