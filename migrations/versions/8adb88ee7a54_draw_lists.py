"""draw_lists: the entrant file out of the draws row, in blocks, with a receipt index

SQLite reaches a column stored after a large blob, or an offset inside it, by walking the blob's
chain of overflow pages, and rewrites the whole row on every UPDATE; so the file leaves the draws
row and is stored in blocks of 1024 lines. Beside it, the receipt index: each block's Merkle root,
first entry id and byte offset, so that a receipt's inclusion proof reads and hashes one block
instead of the whole list. A draw made before keeps its file whole as block 0 and a NULL index
(it is then proved from the whole file).

Revision ID: 8adb88ee7a54
Revises: 80ffa93b8a0f
Create Date: 2026-12-01 18:40:01.921006

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "8adb88ee7a54"
down_revision = "80ffa93b8a0f"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "draw_lists",
        sa.Column("draw_id", sa.Integer(), nullable=False),
        sa.Column("receipt_index", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["draw_id"], ["draws.id"], name=op.f("fk_draw_lists_draw_id_draws"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("draw_id", name=op.f("pk_draw_lists")),
    )
    op.create_table(
        "draw_list_blocks",
        sa.Column("draw_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("lines", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["draw_id"],
            ["draw_lists.draw_id"],
            name=op.f("fk_draw_list_blocks_draw_id_draw_lists"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("draw_id", "number", name=op.f("pk_draw_list_blocks")),
    )
    if op.get_bind().dialect.name == "postgresql":
        # Hex text behind commas: pglz would spend seconds to save half (see 7b1e2c4d9a10).
        op.execute("ALTER TABLE draw_list_blocks ALTER COLUMN lines SET STORAGE EXTERNAL")
    op.execute(
        "INSERT INTO draw_lists (draw_id) SELECT id FROM draws WHERE entrants_file IS NOT NULL"
    )
    op.execute(
        "INSERT INTO draw_list_blocks (draw_id, number, lines) "
        "SELECT id, 0, entrants_file FROM draws WHERE entrants_file IS NOT NULL"
    )
    with op.batch_alter_table("draws", schema=None) as batch_op:
        batch_op.drop_column("entrants_file")


def downgrade():
    with op.batch_alter_table("draws", schema=None) as batch_op:
        batch_op.add_column(sa.Column("entrants_file", sa.LargeBinary(), nullable=True))
    # string_agg / group_concat do not promise an order: one block at a time, in order.
    bind = op.get_bind()
    blocks = bind.execute(
        sa.text("SELECT draw_id, lines FROM draw_list_blocks ORDER BY draw_id, number")
    )
    files: dict[int, list[bytes]] = {}
    for draw_id, lines in blocks:
        files.setdefault(draw_id, []).append(bytes(lines))
    for draw_id, parts in files.items():
        bind.execute(
            sa.text("UPDATE draws SET entrants_file = :data WHERE id = :id"),
            {"data": b"".join(parts), "id": draw_id},
        )
    if bind.dialect.name == "postgresql":
        op.execute("ALTER TABLE draws ALTER COLUMN entrants_file SET STORAGE EXTERNAL")
    op.drop_table("draw_list_blocks")
    op.drop_table("draw_lists")
