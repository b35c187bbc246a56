"""draws: commitment, record, entrant file; entry salt and weight

Revision ID: 253ee66f8cfe
Revises: 6c81da9f89f8
Create Date: 2026-11-24 11:04:38.990663

"""

import os

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "253ee66f8cfe"
down_revision = "6c81da9f89f8"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "draws",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contest_id", sa.Integer(), nullable=False),
        sa.Column("algorithm", sa.String(length=20), nullable=False),
        sa.Column("spec", sa.Text(), nullable=False),
        sa.Column("spec_hash", sa.String(length=64), nullable=False),
        sa.Column("server_secret", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("entropy", sa.Text(), nullable=True),
        sa.Column("record", sa.Text(), nullable=True),
        sa.Column("entrants_file", sa.LargeBinary(), nullable=True),
        sa.Column("committed_at", sa.DateTime(), nullable=False),
        sa.Column("drawn_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("algorithm IN ('vdraw-v1', 'rfc3797')", name=op.f("ck_draws_algorithm")),
        sa.CheckConstraint("state IN ('committed', 'drawn')", name=op.f("ck_draws_state")),
        sa.ForeignKeyConstraint(
            ["contest_id"],
            ["contests.id"],
            name=op.f("fk_draws_contest_id_contests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_draws")),
        sa.UniqueConstraint("contest_id", name=op.f("uq_draws_contest_id")),
    )
    with op.batch_alter_table("contests", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "draw_algorithm", sa.String(length=20), nullable=False, server_default="vdraw-v1"
            )
        )
        batch_op.add_column(
            sa.Column("entropy_sources", sa.Text(), nullable=False, server_default="")
        )
        batch_op.create_check_constraint(
            "draw_algorithm", "draw_algorithm IN ('vdraw-v1', 'rfc3797')"
        )

    # Existing entries get their own random salt before the column becomes NOT NULL.
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("salt", sa.LargeBinary(length=16), nullable=True))
        batch_op.add_column(sa.Column("weight", sa.Integer(), nullable=False, server_default="1"))
    connection = op.get_bind()
    entries = sa.table(
        "entries", sa.column("id", sa.Integer()), sa.column("salt", sa.LargeBinary())
    )
    for (entry_id,) in connection.execute(sa.select(entries.c.id)).all():
        connection.execute(
            entries.update().where(entries.c.id == entry_id).values(salt=os.urandom(16))
        )
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.alter_column("salt", existing_type=sa.LargeBinary(length=16), nullable=False)
        batch_op.create_check_constraint("weight", "weight >= 1")


def downgrade():
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_entries_weight"), type_="check")
        batch_op.drop_column("weight")
        batch_op.drop_column("salt")

    with op.batch_alter_table("contests", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_contests_draw_algorithm"), type_="check")
        batch_op.drop_column("entropy_sources")
        batch_op.drop_column("draw_algorithm")

    op.drop_table("draws")
