"""awards: each prize from the notification to the winner's hands; outbox: HTML, sender, reply-to

A drawn draw's winners get an award each (to notify, notified with a deadline, claimed,
declined, expired, substituted, shipped, delivered, handed over); winner mails carry an HTML
part and speak for the organization (From display name, Reply-To).

Revision ID: af1e382c80bd
Revises: a7c3e9f1d2b4
Create Date: 2026-12-01 17:55:36.891187

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "af1e382c80bd"
down_revision = "a7c3e9f1d2b4"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "awards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draw_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("prize_position", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("notified_at", sa.DateTime(), nullable=True),
        sa.Column("deadline_at", sa.DateTime(), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("postal_address", sa.Text(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("release_accepted", sa.Boolean(), nullable=False),
        sa.Column("publication", sa.String(length=8), nullable=False),
        sa.Column("ended_reason", sa.String(length=20), nullable=False),
        sa.Column("replaced_by_entry_id", sa.Integer(), nullable=True),
        sa.Column("carrier", sa.String(length=100), nullable=False),
        sa.Column("tracking", sa.String(length=100), nullable=False),
        sa.Column("shipped_at", sa.DateTime(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "publication IN ('', 'agreed', 'refused')", name=op.f("ck_awards_publication")
        ),
        sa.CheckConstraint(
            "status IN ('to_notify', 'notified', 'claimed', 'declined', 'expired', 'substituted', 'shipped', 'delivered', 'handed_over')",
            name=op.f("ck_awards_status"),
        ),
        sa.ForeignKeyConstraint(
            ["draw_id"], ["draws.id"], name=op.f("fk_awards_draw_id_draws"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["entries.id"],
            name=op.f("fk_awards_entry_id_entries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_awards")),
        sa.UniqueConstraint("draw_id", "entry_id", name=op.f("uq_awards_draw_id_entry_id")),
    )
    with op.batch_alter_table("awards", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_awards_deadline_at"), ["deadline_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_awards_draw_id"), ["draw_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_awards_entry_id"), ["entry_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_awards_status"), ["status"], unique=False)

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("html", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("sender_name", sa.String(length=200), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("reply_to", sa.String(length=254), nullable=False, server_default="")
        )


def downgrade():
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("reply_to")
        batch_op.drop_column("sender_name")
        batch_op.drop_column("html")

    with op.batch_alter_table("awards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_awards_status"))
        batch_op.drop_index(batch_op.f("ix_awards_entry_id"))
        batch_op.drop_index(batch_op.f("ix_awards_draw_id"))
        batch_op.drop_index(batch_op.f("ix_awards_deadline_at"))

    op.drop_table("awards")
