"""data rights: requests, marketing withdrawal, List-Unsubscribe

An entrant's requests about their data (done or open, due one month later), when marketing
consent was withdrawn, and the one-click unsubscribe address each entrant mail carries.

Revision ID: 0145943ce8d1
Revises: 920806a0e4f2
Create Date: 2026-12-06 03:48:18.785868

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0145943ce8d1"
down_revision = "920806a0e4f2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "data_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("contest_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('access', 'export', 'marketing', 'erasure')",
            name=op.f("ck_data_requests_kind"),
        ),
        sa.CheckConstraint("status IN ('open', 'done')", name=op.f("ck_data_requests_status")),
        sa.ForeignKeyConstraint(
            ["contest_id"],
            ["contests.id"],
            name=op.f("fk_data_requests_contest_id_contests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["entries.id"],
            name=op.f("fk_data_requests_entry_id_entries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_data_requests_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_requests")),
    )
    with op.batch_alter_table("data_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_data_requests_entry_id"), ["entry_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_data_requests_organization_id"), ["organization_id"], unique=False
        )

    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("withdrawn_at", sa.DateTime(), nullable=True))

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("list_unsubscribe", sa.String(length=500), server_default="", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("list_unsubscribe")

    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.drop_column("withdrawn_at")

    with op.batch_alter_table("data_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_data_requests_organization_id"))
        batch_op.drop_index(batch_op.f("ix_data_requests_entry_id"))

    op.drop_table("data_requests")
