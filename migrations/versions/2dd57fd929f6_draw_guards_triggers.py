"""draw guards: triggers that keep the draw's evidence as it was published

Enforced by the database, whoever holds a connection (docs/threat-model.md):

- a frozen contest's entries: no insert, no delete, no update of the columns its frozen list is
  built from (id, contest_id, status, weight, entrant_commit); names, addresses and other
  personal data stay erasable;
- draws: never deleted; specification, secret and identity never change; frozen_at, entropy and
  drawn_at are set once; the state goes committed -> drawn only; the record is set once and then
  only grows by substitutions appended at its end;
- frozen lists and their blocks, audit events: never updated nor deleted;
- rules versions: never deleted; only their cached PDF may be filled in.

Revision ID: 2dd57fd929f6
Revises: 8c0b3883b5d9
Create Date: 2026-12-02 03:40:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "2dd57fd929f6"
down_revision = "8c0b3883b5d9"
branch_labels = None
depends_on = None

#: The columns of entries a frozen list is built from.
_LIST_COLUMNS = ("id", "contest_id", "status", "weight", "entrant_commit")
#: Columns of a draw that never change once it exists.
_DRAW_FIXED = (
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
#: Columns of a draw set once (NULL, then a value for good).
_DRAW_ONCE = ("frozen_at", "entropy", "drawn_at")
_RULES_FIXED = (
    "id",
    "contest_id",
    "number",
    "template",
    "html",
    "sha256",
    "summary",
    "created_at",
)
#: Tables nothing may update or delete.
_APPEND_ONLY = ("draw_lists", "draw_list_blocks", "audit_events")

_SQLITE_FROZEN = (
    "EXISTS (SELECT 1 FROM draws WHERE draws.contest_id = {row}.contest_id "
    "AND draws.sequence = 1 AND draws.frozen_at IS NOT NULL)"
)


def _changed(columns, sqlite: bool) -> str:
    operator = "IS NOT" if sqlite else "IS DISTINCT FROM"
    return " OR ".join(f"NEW.{c} {operator} OLD.{c}" for c in columns)


def _sqlite_upgrade():
    def trigger(name, event, table, when, message):
        op.execute(
            f"CREATE TRIGGER {name} BEFORE {event} ON {table} FOR EACH ROW WHEN {when} "
            f"BEGIN SELECT RAISE(ABORT, 'contests: {message}'); END"
        )

    frozen = "the entrant list of this contest is frozen"
    trigger("guard_entries_insert", "INSERT", "entries", _SQLITE_FROZEN.format(row="NEW"), frozen)
    trigger("guard_entries_delete", "DELETE", "entries", _SQLITE_FROZEN.format(row="OLD"), frozen)
    trigger(
        "guard_entries_update",
        "UPDATE",
        "entries",
        f"({_changed(_LIST_COLUMNS, True)}) AND ({_SQLITE_FROZEN.format(row='OLD')} "
        f"OR {_SQLITE_FROZEN.format(row='NEW')})",
        frozen,
    )
    trigger("guard_draws_delete", "DELETE", "draws", "1", "a draw is never deleted")
    once = " OR ".join(f"(OLD.{c} IS NOT NULL AND NEW.{c} IS NOT OLD.{c})" for c in _DRAW_ONCE)
    trigger(
        "guard_draws_update",
        "UPDATE",
        "draws",
        f"{_changed(_DRAW_FIXED, True)} OR {once} "
        "OR (OLD.state = 'drawn' AND NEW.state IS NOT 'drawn')",
        "the published values of a draw never change",
    )
    # The record: set once, then only substitutions appended (the rest byte for byte the same).
    trigger(
        "guard_draws_record",
        "UPDATE OF record",
        "draws",
        "OLD.record IS NOT NULL AND (NEW.record IS NULL "
        "OR json_remove(NEW.record, '$.substitutions') IS NOT "
        "json_remove(OLD.record, '$.substitutions') "
        "OR json_array_length(NEW.record, '$.substitutions') < "
        "json_array_length(OLD.record, '$.substitutions') "
        "OR (SELECT json_group_array(json(value)) FROM (SELECT value FROM "
        "json_each(NEW.record, '$.substitutions') WHERE key < "
        "json_array_length(OLD.record, '$.substitutions') ORDER BY key)) IS NOT "
        "json(json_extract(OLD.record, '$.substitutions')))",
        "a draw record only grows by substitutions",
    )
    for table in _APPEND_ONLY:
        for event in ("UPDATE", "DELETE"):
            trigger(f"guard_{table}_{event.lower()}", event, table, "1", f"{table} are append-only")
    trigger("guard_rules_delete", "DELETE", "rules_versions", "1", "a rules version is kept")
    trigger(
        "guard_rules_update",
        "UPDATE",
        "rules_versions",
        f"{_changed(_RULES_FIXED, True)} OR (OLD.pdf IS NOT NULL AND NEW.pdf IS NOT OLD.pdf)",
        "a published rules version never changes",
    )


_PG_FUNCTIONS = """
CREATE FUNCTION contests_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'contests: %', TG_ARGV[0] USING ERRCODE = 'restrict_violation';
END $$;

CREATE FUNCTION contests_guard_entries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NOT ({entries_changed}) THEN
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

CREATE FUNCTION contests_guard_draw_record() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    kept integer;
BEGIN
    IF OLD.record IS NULL THEN
        RETURN NEW;
    END IF;
    kept := jsonb_array_length(OLD.record::jsonb -> 'substitutions');
    IF NEW.record IS NULL
        OR (NEW.record::jsonb - 'substitutions') <> (OLD.record::jsonb - 'substitutions')
        OR jsonb_array_length(NEW.record::jsonb -> 'substitutions') < kept
        OR (SELECT coalesce(jsonb_agg(item ORDER BY position), '[]'::jsonb)
            FROM jsonb_array_elements(NEW.record::jsonb -> 'substitutions')
                WITH ORDINALITY AS t(item, position)
            WHERE position <= kept) <> OLD.record::jsonb -> 'substitutions'
    THEN
        RAISE EXCEPTION 'contests: a draw record only grows by substitutions'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END $$;
"""


def _pg_upgrade():
    op.execute(_PG_FUNCTIONS.format(entries_changed=_changed(_LIST_COLUMNS, False)))

    def refuse(name, event, table, message, when=None):
        condition = f" WHEN ({when})" if when else ""
        op.execute(
            f"CREATE TRIGGER {name} BEFORE {event} ON {table} FOR EACH ROW{condition} "
            f"EXECUTE FUNCTION contests_refuse('{message}')"
        )

    op.execute(
        "CREATE TRIGGER guard_entries BEFORE INSERT OR UPDATE OR DELETE ON entries "
        "FOR EACH ROW EXECUTE FUNCTION contests_guard_entries()"
    )
    refuse("guard_draws_delete", "DELETE", "draws", "a draw is never deleted")
    once = " OR ".join(
        f"(OLD.{c} IS NOT NULL AND NEW.{c} IS DISTINCT FROM OLD.{c})" for c in _DRAW_ONCE
    )
    refuse(
        "guard_draws_update",
        "UPDATE",
        "draws",
        "the published values of a draw never change",
        f"{_changed(_DRAW_FIXED, False)} OR {once} "
        "OR (OLD.state = 'drawn' AND NEW.state IS DISTINCT FROM 'drawn')",
    )
    op.execute(
        "CREATE TRIGGER guard_draws_record BEFORE UPDATE OF record ON draws FOR EACH ROW "
        "EXECUTE FUNCTION contests_guard_draw_record()"
    )
    for table in _APPEND_ONLY:
        refuse(f"guard_{table}", "UPDATE OR DELETE", table, f"{table} are append-only")
    refuse("guard_rules_delete", "DELETE", "rules_versions", "a rules version is kept")
    refuse(
        "guard_rules_update",
        "UPDATE",
        "rules_versions",
        "a published rules version never changes",
        f"{_changed(_RULES_FIXED, False)} "
        "OR (OLD.pdf IS NOT NULL AND NEW.pdf IS DISTINCT FROM OLD.pdf)",
    )


#: Every trigger this revision creates, per table.
_TRIGGERS = {
    "sqlite": {
        "guard_entries_insert": "entries",
        "guard_entries_delete": "entries",
        "guard_entries_update": "entries",
        "guard_draws_delete": "draws",
        "guard_draws_update": "draws",
        "guard_draws_record": "draws",
        **{f"guard_{t}_{e}": t for t in _APPEND_ONLY for e in ("update", "delete")},
        "guard_rules_delete": "rules_versions",
        "guard_rules_update": "rules_versions",
    },
    "postgresql": {
        "guard_entries": "entries",
        "guard_draws_delete": "draws",
        "guard_draws_update": "draws",
        "guard_draws_record": "draws",
        **{f"guard_{t}": t for t in _APPEND_ONLY},
        "guard_rules_delete": "rules_versions",
        "guard_rules_update": "rules_versions",
    },
}


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        _pg_upgrade()
    else:
        _sqlite_upgrade()


def downgrade():
    dialect = op.get_bind().dialect.name
    for name, table in _TRIGGERS["postgresql" if dialect == "postgresql" else "sqlite"].items():
        op.execute(
            f"DROP TRIGGER {name} ON {table}" if dialect == "postgresql" else f"DROP TRIGGER {name}"
        )
    if dialect == "postgresql":
        for function in ("contests_refuse", "contests_guard_entries", "contests_guard_draw_record"):
            op.execute(f"DROP FUNCTION {function}()")
