"""entries: numbered per contest (1, 2, ...), the number the frozen list publishes

Entries were known by their global id, so a museum's first entry was "no. 301" and the public
entrant list told each client how many entries the others had. ``entries.number`` counts from 1
in each contest, from the counter ``contests.last_entry_number`` that the entry's transaction
bumps before anything else it writes (``contests.entries.numbering``).

Existing entries: a contest that already has a draw commitment keeps its numbers as they were
published and signed in receipts (number = id); the others are numbered 1, 2, ... in id order.
The entries guard now also refuses a change of ``number`` once the list is frozen.

Revision ID: 6a1f0c3e5b27
Revises: 9f2868b3892f
Create Date: 2026-12-06 09:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "6a1f0c3e5b27"
down_revision = "9f2868b3892f"
branch_labels = None
depends_on = None

_BEFORE = ("id", "contest_id", "status", "weight", "entrant_commit")
_AFTER = (*_BEFORE, "number")
_FROZEN_SQLITE = (
    "EXISTS (SELECT 1 FROM draws WHERE draws.contest_id = {row}.contest_id "
    "AND draws.sequence = 1 AND draws.frozen_at IS NOT NULL)"
)
_GUARD_PG = """
CREATE OR REPLACE FUNCTION contests_guard_entries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NOT ({changed}) THEN
        RETURN NEW;
    END IF;
    IF EXISTS (
        SELECT 1 FROM draws
        WHERE draws.sequence = 1 AND draws.frozen_at IS NOT NULL AND draws.contest_id IN (
            CASE WHEN TG_OP = 'INSERT' THEN NEW.contest_id ELSE OLD.contest_id END,
            CASE WHEN TG_OP = 'UPDATE' THEN NEW.contest_id ELSE NULL END
        )
    ) THEN
        RAISE EXCEPTION 'contests: the entrant list of this contest is frozen'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
"""


def _guard(columns) -> None:
    """(Re)create the entries' UPDATE guard over these columns."""
    if op.get_bind().dialect.name == "postgresql":
        changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in columns)
        op.execute(_GUARD_PG.format(changed=changed))
        return
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in columns)
    op.execute("DROP TRIGGER IF EXISTS guard_entries_update")
    op.execute(
        "CREATE TRIGGER guard_entries_update BEFORE UPDATE ON entries FOR EACH ROW WHEN "
        f"({changed}) AND ({_FROZEN_SQLITE.format(row='OLD')} "
        f"OR {_FROZEN_SQLITE.format(row='NEW')}) "
        "BEGIN SELECT RAISE(ABORT, 'contests: the entrant list of this contest is frozen'); END"
    )


def upgrade():
    op.add_column(
        "contests",
        sa.Column("last_entry_number", sa.Integer(), server_default="0", nullable=False),
    )
    op.add_column("entries", sa.Column("number", sa.Integer(), server_default="0", nullable=False))
    op.execute("UPDATE entries SET number = id WHERE contest_id IN (SELECT contest_id FROM draws)")
    op.execute(
        "UPDATE entries SET number = ranked.n FROM (SELECT id, row_number() OVER "
        "(PARTITION BY contest_id ORDER BY id) AS n FROM entries) AS ranked "
        "WHERE ranked.id = entries.id "
        "AND entries.contest_id NOT IN (SELECT contest_id FROM draws)"
    )
    op.execute(
        "UPDATE contests SET last_entry_number = coalesce("
        "(SELECT max(number) FROM entries WHERE entries.contest_id = contests.id), 0)"
    )
    if op.get_bind().dialect.name == "postgresql":
        # Every entry is given its number by the INSERT: none may go without (SQLite cannot
        # drop a column default without rebuilding the table, and its triggers).
        op.execute("ALTER TABLE entries ALTER COLUMN number DROP DEFAULT")
    op.create_index("uq_entries_contest_number", "entries", ["contest_id", "number"], unique=True)
    _guard(_AFTER)


def downgrade():
    _guard(_BEFORE)
    op.drop_index("uq_entries_contest_number", table_name="entries")
    op.execute("ALTER TABLE entries DROP COLUMN number")
    op.execute("ALTER TABLE contests DROP COLUMN last_entry_number")
