"""draws: supplementary draws (sequence, parent) for prizes left vacant

The draw committed at publication becomes sequence 1; one commitment per (contest, sequence)
replaces one per contest, so a supplementary draw gets its own commitment while the first one
still cannot be replaced.

Revision ID: 5d2a8c41f0b7
Revises: 7b1e2c4d9a10
Create Date: 2026-11-25 09:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5d2a8c41f0b7"
down_revision = "7b1e2c4d9a10"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("draws", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sequence", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
        batch_op.drop_constraint("uq_draws_contest_id", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_draws_contest_id_sequence"), ["contest_id", "sequence"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_draws_parent_id_draws"),
            "draws",
            ["parent_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_check_constraint(
            "sequence", "(sequence = 1) = (parent_id IS NULL) AND sequence >= 1"
        )


def downgrade():
    # Supplementary draws have no place in the older schema: they go, the first draws stay.
    op.execute("DELETE FROM draws WHERE sequence > 1")
    with op.batch_alter_table("draws", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_draws_sequence"), type_="check")
        batch_op.drop_constraint(batch_op.f("fk_draws_parent_id_draws"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_draws_contest_id_sequence"), type_="unique")
        batch_op.create_unique_constraint("uq_draws_contest_id", ["contest_id"])
        batch_op.drop_column("parent_id")
        batch_op.drop_column("sequence")
