"""transparency_log: every draw record, as published, in an append-only RFC 6962 log

One row per published state of a record (at the draw, after each substitution), at a gap-free
position; never updated nor deleted (triggers, as in 2dd57fd929f6). Records published before are
appended in the order they were drawn, as they stand now.

Revision ID: 2434dee1f551
Revises: f47dc0597399
Create Date: 2026-12-02 03:55:00.000000

"""

import hashlib
import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "2434dee1f551"
down_revision = "f47dc0597399"
branch_labels = None
depends_on = None


def _canonical(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def upgrade():
    op.create_table(
        "transparency_log",
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("draw_id", sa.Integer(), nullable=False),
        sa.Column("entry", sa.Text(), nullable=False),
        sa.Column("record_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("position", name=op.f("pk_transparency_log")),
    )
    with op.batch_alter_table("transparency_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_transparency_log_draw_id"), ["draw_id"], unique=False)
    bind = op.get_bind()
    drawn = bind.execute(
        sa.text(
            "SELECT draws.id, draws.record, draws.organization_id, draws.organization_sequence, "
            "contests.slug FROM draws JOIN contests ON contests.id = draws.contest_id "
            "WHERE draws.record IS NOT NULL ORDER BY draws.drawn_at, draws.id"
        )
    ).all()
    now = datetime.now(UTC).replace(tzinfo=None)
    for position, (draw_id, record, organization, number, slug) in enumerate(drawn):
        digest = hashlib.sha256(record.encode("utf-8")).hexdigest()
        entry = {
            "type": "contests-log-entry",
            "position": position,
            "draw_id": draw_id,
            "contest": slug,
            "organization_id": organization,
            "organization_sequence": number,
            "record_sha256": digest,
        }
        bind.execute(
            sa.text(
                "INSERT INTO transparency_log (position, draw_id, entry, record_sha256, created_at)"
                " VALUES (:position, :draw_id, :entry, :digest, :now)"
            ),
            {
                "position": position,
                "draw_id": draw_id,
                "entry": _canonical(entry),
                "digest": digest,
                "now": now,
            },
        )
    message = "contests: transparency_log is append-only"
    if bind.dialect.name == "postgresql":
        op.execute(
            "CREATE TRIGGER guard_transparency_log BEFORE UPDATE OR DELETE ON transparency_log "
            "FOR EACH ROW EXECUTE FUNCTION contests_refuse('transparency_log is append-only')"
        )
    else:
        for event in ("update", "delete"):
            op.execute(
                f"CREATE TRIGGER guard_transparency_log_{event} BEFORE {event.upper()} ON "
                f"transparency_log FOR EACH ROW BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )


def downgrade():
    with op.batch_alter_table("transparency_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transparency_log_draw_id"))
    op.drop_table("transparency_log")
