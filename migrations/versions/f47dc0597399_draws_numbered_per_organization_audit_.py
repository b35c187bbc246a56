"""draws numbered per organization; the audit chain's head kept with each frozen list

Each drawn draw gets the next number among its organization's draws (UNIQUE, published in the
record): a draw made again would show as a gap or as two records under one number. The list
frozen for a draw keeps the audit chain's head at that moment, which the draw record publishes
with the head at the draw, so a chain recomputed afterwards no longer matches what was
published. Draws made before are numbered in the order they were drawn; their lists keep no
head (their records never had one).

The draws guard (migration 2dd57fd929f6) is recreated to cover the new columns: the
organization never changes, the number is set once. SQLite drops a table's triggers when batch
mode rebuilds it, so they are all created again here.

Revision ID: f47dc0597399
Revises: 2dd57fd929f6
Create Date: 2026-12-02 03:45:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f47dc0597399"
down_revision = "2dd57fd929f6"
branch_labels = None
depends_on = None

_FIXED = (
    "id",
    "contest_id",
    "sequence",
    "parent_id",
    "algorithm",
    "spec",
    "spec_hash",
    "server_secret",
    "committed_at",
)
_ONCE = ("frozen_at", "entropy", "drawn_at")
_RECORD_SQLITE = (
    "OLD.record IS NOT NULL AND (NEW.record IS NULL "
    "OR json_remove(NEW.record, '$.substitutions') IS NOT "
    "json_remove(OLD.record, '$.substitutions') "
    "OR json_array_length(NEW.record, '$.substitutions') < "
    "json_array_length(OLD.record, '$.substitutions') "
    "OR (SELECT json_group_array(json(value)) FROM (SELECT value FROM "
    "json_each(NEW.record, '$.substitutions') WHERE key < "
    "json_array_length(OLD.record, '$.substitutions') ORDER BY key)) IS NOT "
    "json(json_extract(OLD.record, '$.substitutions')))"
)


def _update_condition(fixed, once, sqlite: bool) -> str:
    differs = "IS NOT" if sqlite else "IS DISTINCT FROM"
    changed = " OR ".join(f"NEW.{c} {differs} OLD.{c}" for c in fixed)
    set_once = " OR ".join(f"(OLD.{c} IS NOT NULL AND NEW.{c} {differs} OLD.{c})" for c in once)
    return f"{changed} OR {set_once} OR (OLD.state = 'drawn' AND NEW.state {differs} 'drawn')"


def _guards(fixed, once) -> None:
    """(Re)create the draws guard for these columns, on the current dialect."""
    message = "the published values of a draw never change"
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER guard_draws_update ON draws")
        op.execute(
            "CREATE TRIGGER guard_draws_update BEFORE UPDATE ON draws FOR EACH ROW "
            f"WHEN ({_update_condition(fixed, once, False)}) "
            f"EXECUTE FUNCTION contests_refuse('{message}')"
        )
        return
    for name in ("guard_draws_update", "guard_draws_delete", "guard_draws_record"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute(
        "CREATE TRIGGER guard_draws_update BEFORE UPDATE ON draws FOR EACH ROW WHEN "
        f"{_update_condition(fixed, once, True)} "
        f"BEGIN SELECT RAISE(ABORT, 'contests: {message}'); END"
    )
    op.execute(
        "CREATE TRIGGER guard_draws_delete BEFORE DELETE ON draws FOR EACH ROW WHEN 1 "
        "BEGIN SELECT RAISE(ABORT, 'contests: a draw is never deleted'); END"
    )
    op.execute(
        f"CREATE TRIGGER guard_draws_record BEFORE UPDATE OF record ON draws FOR EACH ROW WHEN "
        f"{_RECORD_SQLITE} "
        "BEGIN SELECT RAISE(ABORT, 'contests: a draw record only grows by substitutions'); END"
    )


def _sqlite_triggers_off() -> list[str]:
    """SQLite: drop every trigger, returning how to create the others again. Batch mode rebuilds
    a table by dropping it and renaming a copy, and the rename fails while a trigger elsewhere
    names the dropped table (``guard_entries_*`` read ``draws``)."""
    if op.get_bind().dialect.name == "postgresql":
        return []
    rows = (
        op.get_bind()
        .execute(sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"))
        .all()
    )
    for name, _ in rows:
        op.execute(f"DROP TRIGGER {name}")
    return [sql for name, sql in rows if not name.startswith("guard_draws_")]


def _sqlite_triggers_on(saved: list[str]) -> None:
    for sql in saved:
        op.execute(sql)


def upgrade():
    saved = _sqlite_triggers_off()
    with op.batch_alter_table("draw_lists", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("audit_event_id", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("audit_count", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("audit_hash", sa.String(length=64), server_default="", nullable=False)
        )
    with op.batch_alter_table("draws", schema=None) as batch_op:
        batch_op.add_column(sa.Column("organization_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("organization_sequence", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_draws_organization_id_organization_sequence"),
            ["organization_id", "organization_sequence"],
        )
    bind = op.get_bind()
    bind.execute(
        sa.text(
            "UPDATE draws SET organization_id = "
            "(SELECT organization_id FROM contests WHERE contests.id = draws.contest_id)"
        )
    )
    drawn = bind.execute(
        sa.text(
            "SELECT id, organization_id FROM draws WHERE drawn_at IS NOT NULL "
            "ORDER BY organization_id, drawn_at, id"
        )
    ).all()
    numbers: dict[int, int] = {}
    for draw_id, organization_id in drawn:
        numbers[organization_id] = numbers.get(organization_id, 0) + 1
        bind.execute(
            sa.text("UPDATE draws SET organization_sequence = :n WHERE id = :id"),
            {"n": numbers[organization_id], "id": draw_id},
        )
    _sqlite_triggers_on(saved)
    _guards(_FIXED + ("organization_id",), _ONCE + ("organization_sequence",))


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        _guards(_FIXED, _ONCE)  # before the columns it names go
    saved = _sqlite_triggers_off()
    with op.batch_alter_table("draws", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_draws_organization_id_organization_sequence"), type_="unique"
        )
        batch_op.drop_column("organization_sequence")
        batch_op.drop_column("organization_id")
    with op.batch_alter_table("draw_lists", schema=None) as batch_op:
        batch_op.drop_column("audit_hash")
        batch_op.drop_column("audit_count")
        batch_op.drop_column("audit_event_id")
    if not postgresql:
        _sqlite_triggers_on(saved)
        _guards(_FIXED, _ONCE)
