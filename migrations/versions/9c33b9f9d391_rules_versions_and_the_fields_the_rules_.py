"""rules versions and the fields the rules templates print

Existing contests get empty texts and false flags (server defaults), so the upgrade runs on a
filled database; contests published before it have no rules version until amended.

Revision ID: 9c33b9f9d391
Revises: 253ee66f8cfe
Create Date: 2026-11-24 19:57:04.025477

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "9c33b9f9d391"
down_revision = "253ee66f8cfe"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "rules_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contest_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("template", sa.String(length=60), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("pdf", sa.LargeBinary(), nullable=True),
        sa.CheckConstraint("number >= 1", name=op.f("ck_rules_versions_number")),
        sa.ForeignKeyConstraint(
            ["contest_id"],
            ["contests.id"],
            name=op.f("fk_rules_versions_contest_id_contests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_rules_versions_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rules_versions")),
        sa.UniqueConstraint("contest_id", "number", name="uq_rules_versions_contest_number"),
    )
    with op.batch_alter_table("rules_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rules_versions_contest_id"), ["contest_id"], unique=False
        )

    with op.batch_alter_table("contests", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("share_capital", sa.String(length=100), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("agency", sa.String(length=300), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("bailiff", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("draw_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("claim_days", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("governing_law", sa.String(length=200), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("free_entry_route", sa.Text(), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("promoted_on_meta", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("ny_fl_registered", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column(
                "skill_testing_question", sa.String(length=300), nullable=False, server_default=""
            )
        )
        batch_op.add_column(
            sa.Column("data_recipients", sa.Text(), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("data_transfers", sa.Text(), nullable=False, server_default="")
        )
        batch_op.create_check_constraint(
            op.f("ck_contests_claim_days"), "claim_days IS NULL OR claim_days > 0"
        )


def downgrade():
    with op.batch_alter_table("contests", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_contests_claim_days"), type_="check")
        batch_op.drop_column("data_transfers")
        batch_op.drop_column("data_recipients")
        batch_op.drop_column("skill_testing_question")
        batch_op.drop_column("ny_fl_registered")
        batch_op.drop_column("promoted_on_meta")
        batch_op.drop_column("free_entry_route")
        batch_op.drop_column("governing_law")
        batch_op.drop_column("claim_days")
        batch_op.drop_column("draw_at")
        batch_op.drop_column("bailiff")
        batch_op.drop_column("agency")
        batch_op.drop_column("share_capital")

    with op.batch_alter_table("rules_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rules_versions_contest_id"))

    op.drop_table("rules_versions")
