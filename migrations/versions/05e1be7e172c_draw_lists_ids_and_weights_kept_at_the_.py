"""draw_lists: ids and weights kept at the freeze

The draw that comes after the freeze selects from them instead of reading a million lines again.
Plain ALTER TABLE on both backends: a batch rebuild of draw_lists on SQLite would drop its guard
triggers.

Revision ID: 05e1be7e172c
Revises: 820b6dc4230a
Create Date: 2026-12-06 03:26:04.579087

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "05e1be7e172c"
down_revision = "820b6dc4230a"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("draw_lists", sa.Column("ids", sa.LargeBinary(), nullable=True))
    op.add_column("draw_lists", sa.Column("weights", sa.LargeBinary(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        # Stored as they are: PostgreSQL's default compression (pglz) took half a second over the
        # 12 MB of a million-entry list, for little gain.
        op.execute(
            "ALTER TABLE draw_lists ALTER COLUMN ids SET STORAGE EXTERNAL, "
            "ALTER COLUMN weights SET STORAGE EXTERNAL"
        )


def downgrade():
    op.execute("ALTER TABLE draw_lists DROP COLUMN weights")
    op.execute("ALTER TABLE draw_lists DROP COLUMN ids")
