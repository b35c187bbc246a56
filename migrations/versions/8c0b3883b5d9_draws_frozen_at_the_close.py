"""draws: the entrant list frozen at the close

A first draw's list is frozen when the contest closes, before any public value exists: the draw
row says when, and the list row keeps what is published of it then (count, tickets, SHA-256 of
the file, Merkle root). Draws made before were frozen at their draw: they get their drawn_at and
their record's figures.

Revision ID: 8c0b3883b5d9
Revises: 8adb88ee7a54
Create Date: 2026-12-02 02:54:10.597502

"""

import json

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "8c0b3883b5d9"
down_revision = "8adb88ee7a54"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("draw_lists", schema=None) as batch_op:
        batch_op.add_column(sa.Column("count", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(
            sa.Column("total_tickets", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("file_sha256", sa.String(length=64), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("merkle_root", sa.String(length=64), server_default="", nullable=False)
        )
    with op.batch_alter_table("draws", schema=None) as batch_op:
        batch_op.add_column(sa.Column("frozen_at", sa.DateTime(), nullable=True))
    bind = op.get_bind()
    drawn = bind.execute(sa.text("SELECT id, record FROM draws WHERE record IS NOT NULL"))
    for draw_id, record in list(drawn):
        entrants = json.loads(record)["entrants"]
        bind.execute(
            sa.text(
                "UPDATE draw_lists SET count = :count, total_tickets = :tickets, "
                "file_sha256 = :sha, merkle_root = :root WHERE draw_id = :id"
            ),
            {
                "count": entrants["count"],
                "tickets": entrants["total_tickets"],
                "sha": entrants["file_sha256"],
                "root": entrants["merkle_root"],
                "id": draw_id,
            },
        )
    op.execute("UPDATE draws SET frozen_at = drawn_at WHERE drawn_at IS NOT NULL")


def downgrade():
    with op.batch_alter_table("draws", schema=None) as batch_op:
        batch_op.drop_column("frozen_at")
    with op.batch_alter_table("draw_lists", schema=None) as batch_op:
        batch_op.drop_column("merkle_root")
        batch_op.drop_column("file_sha256")
        batch_op.drop_column("total_tickets")
        batch_op.drop_column("count")
