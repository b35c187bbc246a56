"""entries: numbered per contest (1, 2, ...), the number the frozen list publishes

Entries were known by their global id, so a museum's first entry was "no. 301" and the public
entrant list told each client how many entries the others had. ``entries.number`` counts from 1
in each contest, given by the entry's INSERT (``contests.entries.numbering``): on PostgreSQL from
a sequence per contest (``entry_numbers_<contest id>``, created here for every contest and then
with each new one), on SQLite as the contest's highest number plus one.

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


_SEQUENCES_PG = """
DO $$
DECLARE
    row record;
BEGIN
    FOR row IN SELECT contests.id, max(entries.number) AS last
               FROM contests LEFT JOIN entries ON entries.contest_id = contests.id
               GROUP BY contests.id LOOP
        EXECUTE format('CREATE SEQUENCE IF NOT EXISTS entry_numbers_%s', row.id);
        IF row.last IS NOT NULL THEN
            PERFORM setval(format('entry_numbers_%s', row.id), row.last);
        END IF;
    END LOOP;
END $$;
"""
_DROP_SEQUENCES_PG = """
DO $$
DECLARE
    name text;
BEGIN
    FOR name IN SELECT relname FROM pg_class
                WHERE relkind = 'S' AND relname ~ '^entry_numbers_[0-9]+$'
                AND relnamespace = current_schema()::regnamespace LOOP
        EXECUTE format('DROP SEQUENCE %I', name);
    END LOOP;
END $$;
"""


def upgrade():
    op.add_column("entries", sa.Column("number", sa.Integer(), server_default="0", nullable=False))
    op.execute("UPDATE entries SET number = id WHERE contest_id IN (SELECT contest_id FROM draws)")
    op.execute(
        "UPDATE entries SET number = ranked.n FROM (SELECT id, row_number() OVER "
        "(PARTITION BY contest_id ORDER BY id) AS n FROM entries) AS ranked "
        "WHERE ranked.id = entries.id "
        "AND entries.contest_id NOT IN (SELECT contest_id FROM draws)"
    )
    if op.get_bind().dialect.name == "postgresql":
        # Every entry is given its number by the INSERT: none may go without (SQLite cannot
        # drop a column default without rebuilding the table, and its triggers).
        op.execute("ALTER TABLE entries ALTER COLUMN number DROP DEFAULT")
        op.execute(_SEQUENCES_PG)
    op.create_index("uq_entries_contest_number", "entries", ["contest_id", "number"], unique=True)
    _guard(_AFTER)


def downgrade():
    _guard(_BEFORE)
    op.drop_index("uq_entries_contest_number", table_name="entries")
    op.execute("ALTER TABLE entries DROP COLUMN number")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_DROP_SEQUENCES_PG)
