"""page_views: also count the repeat entries refused (kind 'again'), in the same batches

A refused repeat ("you have already entered") writes nothing to the entries; the statistics'
"duplicates refused" are counted in memory like the views and added to ``page_views`` under the
kind 'again' (no database write on the entry path for statistics).

Revision ID: 4e8b2d6f0a19
Revises: 6a1f0c3e5b27
Create Date: 2026-12-06 09:20:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "4e8b2d6f0a19"
down_revision = "6a1f0c3e5b27"
branch_labels = None
depends_on = None


def _kinds(kinds: str) -> None:
    with op.batch_alter_table("page_views", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_page_views_kind"), type_="check")
        batch_op.create_check_constraint("kind", f"kind IN ({kinds})")


def upgrade():
    _kinds("'page', 'embed', 'again'")


def downgrade():
    op.execute("DELETE FROM page_views WHERE kind = 'again'")
    _kinds("'page', 'embed'")
