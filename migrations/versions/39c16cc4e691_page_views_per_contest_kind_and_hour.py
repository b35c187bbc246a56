"""page_views: views of each contest's page and embedded form per UTC hour, added in batches

Revision ID: 39c16cc4e691
Revises: 7d4c2e8f1a36
Create Date: 2026-12-06 07:19:38.239638

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "39c16cc4e691"
down_revision = "7d4c2e8f1a36"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "page_views",
        sa.Column("contest_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=5), nullable=False),
        sa.Column("hour", sa.DateTime(), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("kind IN ('page', 'embed')", name=op.f("ck_page_views_kind")),
        sa.ForeignKeyConstraint(
            ["contest_id"],
            ["contests.id"],
            name=op.f("fk_page_views_contest_id_contests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("contest_id", "kind", "hour", name=op.f("pk_page_views")),
    )


def downgrade():
    op.drop_table("page_views")
