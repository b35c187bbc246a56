"""draws: a commitment superseded by an amendment of the closing date, before the freeze

An amendment that extends a contest or closes it early changes what the specification
publishes (the close, the drand round or the lottery draw after it), so the commitment is
replaced by a new one under the same sequence; the old row stays, public, with
``superseded_at``. The UNIQUE (contest_id, sequence) becomes a partial unique index over the
current commitments, and the draws guard is recreated: ``superseded_at`` is set once, never on
a frozen or drawn draw, and a superseded draw is never frozen or drawn.

SQLite drops a table's triggers when batch mode rebuilds it, so they are all created again here
(as in migration f47dc0597399).

Revision ID: 3b7e5a1c9d20
Revises: 2dfc4fc173c7
Create Date: 2026-12-06 07:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "3b7e5a1c9d20"
down_revision = "2dfc4fc173c7"
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
    "organization_id",
)
_ONCE = ("frozen_at", "entropy", "drawn_at", "organization_sequence")
_SUPERSEDED = (
    "(NEW.superseded_at IS NOT NULL AND (NEW.frozen_at IS NOT NULL OR NEW.state <> 'committed'))"
)
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
_INDEX = "uq_draws_contest_id_sequence_current"


def _update_condition(once, superseded: bool, sqlite: bool) -> str:
    differs = "IS NOT" if sqlite else "IS DISTINCT FROM"
    changed = " OR ".join(f"NEW.{c} {differs} OLD.{c}" for c in _FIXED)
    set_once = " OR ".join(f"(OLD.{c} IS NOT NULL AND NEW.{c} {differs} OLD.{c})" for c in once)
    condition = f"{changed} OR {set_once} OR (OLD.state = 'drawn' AND NEW.state {differs} 'drawn')"
    return f"{condition} OR {_SUPERSEDED}" if superseded else condition


def _guards(once, superseded: bool) -> None:
    """(Re)create the draws guard, on the current dialect."""
    message = "the published values of a draw never change"
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER guard_draws_update ON draws")
        op.execute(
            "CREATE TRIGGER guard_draws_update BEFORE UPDATE ON draws FOR EACH ROW "
            f"WHEN ({_update_condition(once, superseded, False)}) "
            f"EXECUTE FUNCTION contests_refuse('{message}')"
        )
        return
    for name in ("guard_draws_update", "guard_draws_delete", "guard_draws_record"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute(
        "CREATE TRIGGER guard_draws_update BEFORE UPDATE ON draws FOR EACH ROW WHEN "
        f"{_update_condition(once, superseded, True)} "
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
    """SQLite: drop every trigger, returning how to create the others again (batch mode rebuilds
    the table, and the rename fails while a trigger elsewhere names it)."""
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
    with op.batch_alter_table("draws", schema=None) as batch_op:
        batch_op.add_column(sa.Column("superseded_at", sa.DateTime(), nullable=True))
        batch_op.drop_constraint("uq_draws_contest_id_sequence", type_="unique")
    op.create_index(
        _INDEX,
        "draws",
        ["contest_id", "sequence"],
        unique=True,
        sqlite_where=sa.text("superseded_at IS NULL"),
        postgresql_where=sa.text("superseded_at IS NULL"),
    )
    _sqlite_triggers_on(saved)
    _guards(_ONCE + ("superseded_at",), True)


def downgrade():
    """Refused by the UNIQUE constraint while a superseded commitment exists."""
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        _guards(_ONCE, False)  # before the column it names goes
    op.drop_index(_INDEX, table_name="draws")
    saved = _sqlite_triggers_off()
    with op.batch_alter_table("draws", schema=None) as batch_op:
        batch_op.create_unique_constraint(
            "uq_draws_contest_id_sequence", ["contest_id", "sequence"]
        )
        batch_op.drop_column("superseded_at")
    if not postgresql:
        _sqlite_triggers_on(saved)
        _guards(_ONCE, False)
