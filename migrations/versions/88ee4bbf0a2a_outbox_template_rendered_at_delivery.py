"""outbox: a template name, rendered at delivery

The entry receipt is queued as the template "receipt" with an empty body and written by the
delivery from the entry as it then is (issue 19: rendering it was a fifth of an entry's time).
Rows queued before keep their text and an empty template.

Revision ID: 88ee4bbf0a2a
Revises: df864fc4e1a9
Create Date: 2026-12-06 14:18:02.183930

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "88ee4bbf0a2a"
down_revision = "df864fc4e1a9"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("template", sa.String(length=20), server_default="", nullable=False)
        )


def downgrade():
    # The code before this revision sends bodies as they are: a receipt still waiting for its
    # delivery would go out empty, so it gets a short text.
    op.execute(
        "UPDATE outbox SET body = 'Your entry is recorded.', subject = 'Your entry is recorded' "
        "WHERE template <> '' AND body = ''"
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("template")
