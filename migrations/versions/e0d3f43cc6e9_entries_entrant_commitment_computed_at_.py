"""entries: entrant commitment computed at entry

The draw used to hash every entry's salt and identity key while freezing the list; the
commitment is now stored with the entry. Existing entries get theirs computed here, in batches.

Revision ID: e0d3f43cc6e9
Revises: f2d7c52139bb
Create Date: 2026-11-24 20:52:00.000000

"""

import hashlib

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e0d3f43cc6e9"
down_revision = "f2d7c52139bb"
branch_labels = None
depends_on = None

BATCH = 5000


def upgrade():
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("entrant_commit", sa.String(length=64), nullable=False, server_default="")
        )

    # Same formula as contests.draw.canonical.entrant_commit (migrations never import app code).
    connection = op.get_bind()
    entries = sa.table(
        "entries",
        sa.column("id", sa.Integer),
        sa.column("salt", sa.LargeBinary),
        sa.column("identity_key", sa.String),
        sa.column("entrant_commit", sa.String),
    )
    last = 0
    while True:
        rows = connection.execute(
            sa.select(entries.c.id, entries.c.salt, entries.c.identity_key)
            .where(entries.c.id > last)
            .order_by(entries.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        connection.execute(
            entries.update()
            .where(entries.c.id == sa.bindparam("row_id"))
            .values(entrant_commit=sa.bindparam("commit")),
            [
                {
                    "row_id": row.id,
                    "commit": hashlib.sha256(
                        bytes(row.salt) + row.identity_key.encode("utf-8")
                    ).hexdigest(),
                }
                for row in rows
            ],
        )
        last = rows[-1].id


def downgrade():
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.drop_column("entrant_commit")
