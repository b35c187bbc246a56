"""contests: how the draw's public sources' results are written

A lottery's typed format (contests/draw/sources.py) gives each result one accepted spelling, and
"drand-mainnet" names a drand beacon round (contests/draw/beacon.py), fixed in the draw
specification at publication; "free" keeps the value as typed (the only behaviour before, kept
for existing contests).

Revision ID: 820b6dc4230a
Revises: 2434dee1f551
Create Date: 2026-12-02 04:05:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "820b6dc4230a"
down_revision = "2434dee1f551"
branch_labels = None
depends_on = None

FORMATS = (
    "euromillions",
    "fdj-loto",
    "uk-lotto",
    "us-powerball",
    "us-mega-millions",
    "drand-mainnet",
    "free",
)


def upgrade():
    with op.batch_alter_table("contests", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("entropy_format", sa.String(length=20), server_default="free", nullable=False)
        )
        batch_op.create_check_constraint(
            "entropy_format", "entropy_format IN (" + ", ".join(repr(f) for f in FORMATS) + ")"
        )


def downgrade():
    with op.batch_alter_table("contests", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_contests_entropy_format"), type_="check")
        batch_op.drop_column("entropy_format")
