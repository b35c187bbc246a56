"""Migrations are the schema: they build it on both backends and match the models exactly."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from helpers import fresh_postgres_schema, worker_name

ROOT = Path(__file__).resolve().parent.parent
CONTESTS = Path(sys.executable).with_name("contests")


def test_migrated_schema_matches_the_models(app, db):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], "models changed without a migration: run `contests db migrate -m ...`"


def _run_cli(args, database_url, instance):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CONTESTS_")}
    environment.update(
        {"CONTESTS_DATABASE_URL": database_url, "CONTESTS_INSTANCE_PATH": str(instance)}
    )
    return subprocess.run(
        [str(CONTESTS), *args], env=environment, capture_output=True, text=True, cwd=ROOT
    )


def _row_counts(url: str) -> dict[str, int]:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as connection:
        counts = {
            table: connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar()
            for table in ("contests", "prizes", "entries", "consents", "draws", "audit_events")
        }
    engine.dispose()
    return counts


def _check_entry_numbers(url: str) -> None:
    """After migration 6a1f0c3e5b27 ran on existing rows: a contest with a draw kept the numbers
    its receipts and lists published (its ids), the others count from 1; on PostgreSQL each
    contest has its sequence, past its highest number."""
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT c.id, EXISTS (SELECT 1 FROM draws d WHERE d.contest_id = c.id), (SELECT"
            " count(*) FROM entries e WHERE e.contest_id = c.id), (SELECT max(number) FROM"
            " entries e WHERE e.contest_id = c.id), (SELECT count(*) FROM entries e WHERE"
            " e.contest_id = c.id AND e.number <> e.id) FROM contests c"
        ).all()
        sequences = {}
        if engine.dialect.name == "postgresql":
            for contest, *_ in rows:
                sequences[contest] = connection.exec_driver_sql(
                    f"SELECT last_value, is_called FROM entry_numbers_{contest}"
                ).one()
    engine.dispose()
    assert any(count for _, _, count, _, _ in rows)
    for contest, drawn, count, highest, renumbered in rows:
        if drawn:
            assert renumbered == 0, contest
        else:
            assert highest in (None, count), contest
        if sequences:
            last_value, called = sequences[contest]
            assert (last_value if called else 0) == (highest or 0), contest


@pytest.mark.slow  # the console script in a subprocess, every migration up and down
def test_console_script_upgrades_an_empty_database(backend, tmp_path):
    """`contests db upgrade` on an empty database (a fresh PostgreSQL schema, a new SQLite file)."""
    if backend == "postgresql":
        url = fresh_postgres_schema(f"contests_cli_{worker_name()}")
    else:
        url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    result = _run_cli(["db", "upgrade"], url, tmp_path)
    assert result.returncode == 0, result.stderr
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert {
        "organizations",
        "users",
        "memberships",
        "contests",
        "prizes",
        "entries",
        "audit_events",
        "alembic_version",
    } <= tables
    result = _run_cli(["demo"], url, tmp_path)
    assert result.returncode == 0 and "demo@example.org" in result.stdout, result.stderr
    # Down one step and up again keeps every row: on SQLite a batch migration rebuilds `contests`,
    # which with foreign keys on would cascade-delete the entries, prizes and draws.
    counts = _row_counts(url)
    assert counts["entries"] >= 300 and counts["draws"] >= 1
    if backend == "sqlite":  # instants on the second, as sqlite3's adapter wrote them
        _sql(url, "UPDATE entries SET created_at = substr(created_at, 1, 19) WHERE id <= 3")
    for step in (["db", "downgrade", "--", "-1"], ["db", "upgrade"]):
        result = _run_cli(step, url, tmp_path)
        assert result.returncode == 0, result.stderr
        assert _row_counts(url) == counts, step
    if backend == "sqlite":  # e7a1c3b5d9f2 wrote them as SQLAlchemy does
        short = "SELECT count(*) FROM entries WHERE length(created_at) <> 26"
        assert _sql(url, short) == 0
    # Down below the per-contest entry numbers and up again: the migration numbers the rows.
    for step in (["db", "downgrade", "9f2868b3892f"], ["db", "upgrade"]):
        result = _run_cli(step, url, tmp_path)
        assert result.returncode == 0, result.stderr
    assert _row_counts(url) == counts
    _check_entry_numbers(url)
    downgrade = _run_cli(["db", "downgrade", "base"], url, tmp_path)
    assert downgrade.returncode == 0, downgrade.stderr


def _sql(url: str, statement: str):
    engine = create_engine(url)
    with engine.begin() as connection:
        result = connection.exec_driver_sql(statement)
        value = result.scalar() if result.returns_rows else None
    engine.dispose()
    return value


def _partial_indexes(connection) -> dict[str, str]:
    """The database's partial indexes: name, and its predicate as SQLite wrote it (PostgreSQL's
    own rewriting of it is not compared: only that the index is partial)."""
    if connection.dialect.name == "postgresql":
        rows = connection.exec_driver_sql(
            "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
            " WHERE i.indpred IS NOT NULL AND c.relnamespace = current_schema()::regnamespace"
        )
        return {name: "" for (name,) in rows}
    rows = connection.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql LIKE '% WHERE %'"
    )
    return {name: sql.split(" WHERE ", 1)[1].strip() for name, sql in rows}


def test_partial_indexes_are_those_of_the_models(app, db):
    """Alembic's comparison above ignores an index's WHERE: a migration that forgot it (an entry
    would write every index again, issue 19) or a model that lost it shows here."""
    with db.engine.connect() as connection:
        found = _partial_indexes(connection)
        sqlite = connection.dialect.name == "sqlite"
    expected = {
        index.name: str(index.dialect_options["sqlite"]["where"]) if sqlite else ""
        for table in db.metadata.tables.values()
        for index in table.indexes
        if index.dialect_options["sqlite"]["where"] is not None
    }
    assert "ix_outbox_due" in expected and "ix_entries_contest_phone" in expected
    assert found == expected
