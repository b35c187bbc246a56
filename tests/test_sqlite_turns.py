"""Writers to one SQLite file take turns on a file lock (``contests.sqlite_turns``): a writer
waits for the one writing to finish instead of sleeping in SQLite's busy handler (1, 2, 5, 10...
ms between tries), which cost two workers a quarter of their entries (bench/entry_load.py)."""

import fcntl
import multiprocessing
import os
import sqlite3
import threading

import pytest

from contests import sqlite_turns
from contests.sqlite_turns import (
    AUTOCHECKPOINT_FRAMES,
    CHECKPOINT_EVERY,
    TurnTakingConnection,
    checkpoint_later,
    checkpoints_done,
)


@pytest.fixture
def database(tmp_path):
    path = tmp_path / "turns.sqlite3"
    with sqlite3.connect(path) as setup:
        setup.execute("PRAGMA journal_mode=WAL")
        setup.execute("CREATE TABLE t (n INTEGER)")
    return path


def _second_writer(path, factory, outcome: dict, done: threading.Event) -> None:
    # No busy timeout at all: without the turn, a locked file is an error at once.
    connection = sqlite3.connect(path, timeout=0, factory=factory, check_same_thread=False)
    try:
        connection.execute("INSERT INTO t VALUES (2)")
        connection.commit()
        outcome["ok"] = True
    except sqlite3.OperationalError as error:
        outcome["error"] = str(error)
    finally:
        connection.close()
        done.set()


@pytest.mark.parametrize("factory", [TurnTakingConnection, sqlite3.Connection])
def test_a_second_writer_waits_for_its_turn_instead_of_finding_the_file_locked(database, factory):
    first = sqlite3.connect(database, factory=TurnTakingConnection, check_same_thread=False)
    first.execute("INSERT INTO t VALUES (1)")  # holds the turn and SQLite's write lock
    outcome, done = {}, threading.Event()
    writer = threading.Thread(target=_second_writer, args=(database, factory, outcome, done))
    writer.start()
    if factory is TurnTakingConnection:
        assert not done.wait(0.3), outcome  # waiting for the turn, not failing
        first.commit()
        writer.join(5)
        assert outcome == {"ok": True}
        rows = sorted(n for (n,) in first.execute("SELECT n FROM t"))
        assert rows == [1, 2]
    else:
        # A plain connection meets SQLite's lock: what the busy handler's sleeps retry.
        writer.join(5)
        assert outcome == {"error": "database is locked"}
        first.commit()
    first.close()


def test_the_turn_is_given_back_by_a_rollback_and_reads_never_take_it(database):
    connection = sqlite3.connect(database, factory=TurnTakingConnection)
    other = os.open(f"{database}-turn", os.O_RDWR)
    try:
        connection.execute("SELECT count(*) FROM t").fetchone()
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a read left it free
        fcntl.flock(other, fcntl.LOCK_UN)
        connection.execute("UPDATE t SET n = n + 1")
        with pytest.raises(BlockingIOError):
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        connection.rollback()
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
    finally:
        os.close(other)
        connection.close()


def test_the_app_s_sqlite_connections_take_turns(app, db, backend):
    if backend != "sqlite":
        pytest.skip("PostgreSQL has no file to take turns on")
    with db.engine.connect() as connection:
        assert isinstance(connection.connection.dbapi_connection, TurnTakingConnection)
        # SQLite's own checkpoint, inside a COMMIT and so within the turn, is the safety net.
        frames = connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()
        assert frames == AUTOCHECKPOINT_FRAMES


def test_a_writer_has_the_wal_checkpointed_every_so_many_commits_out_of_its_turn(database):
    """SQLite's own checkpoint ran inside the COMMIT, the writer still holding the turn: every
    other writer waited for it, and the entry that triggered it waited for the fsync. Every
    ``CHECKPOINT_EVERY`` commits that wrote, a thread of the process copies the WAL back instead,
    on its own connection, with the turn given back."""
    writer = sqlite3.connect(database, factory=TurnTakingConnection)
    writer.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_FRAMES}")
    seen = []

    def traced(statement: str) -> None:
        seen.append(statement)

    writer.set_trace_callback(traced)
    size = database.stat().st_size
    for n in range(CHECKPOINT_EVERY - 1):
        writer.execute("INSERT INTO t VALUES (?)", (n,))
        writer.commit()
        writer.execute("SELECT count(*) FROM t").fetchone()  # reads count for nothing
        writer.commit()
    assert checkpoints_done()
    # Everything is still in the WAL: the database file has not grown.
    assert database.stat().st_size == size
    writer.execute("INSERT INTO t VALUES (-1)")
    writer.commit()
    assert checkpoints_done()
    assert database.stat().st_size > size
    # Not on the writer's connection, and so not in its request.
    assert not any("wal_checkpoint" in statement for statement in seen)
    writer.close()


def test_a_checkpoint_asked_for_a_removed_database_does_not_create_it(tmp_path):
    path = tmp_path / "gone.sqlite3"
    checkpoint_later(str(path))
    assert checkpoints_done()
    assert not path.exists()


_WAITER = """
import sqlite3, sys
import contests.sqlite_turns as turns
turns.WAIT_SECONDS = float(sys.argv[2])
connection = sqlite3.connect(sys.argv[1], timeout=0, factory=turns.TurnTakingConnection)
try:
    connection.execute("INSERT INTO t VALUES (2)")
    connection.commit()
    print("ok")
except sqlite3.OperationalError as error:
    print(error)
"""


@pytest.mark.slow  # fresh interpreters
@pytest.mark.parametrize("holder_commits", [True, False])
def test_another_process_waits_until_the_turn_is_free_or_its_wait_ends(database, holder_commits):
    """What a gunicorn worker does: wait for the turn until the writer before it commits, or
    for ``WAIT_SECONDS`` at most, then leave it to SQLite's lock."""
    import subprocess
    import sys

    holder = sqlite3.connect(database, factory=TurnTakingConnection, check_same_thread=False)
    holder.execute("INSERT INTO t VALUES (1)")
    waiter = subprocess.Popen(
        [sys.executable, "-c", _WAITER, str(database), "1.0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            waiter.wait(0.4)  # blocked on the turn: no "database is locked" without a timeout
        if holder_commits:
            holder.commit()
        output = waiter.communicate(timeout=10)[0].strip()
    finally:
        waiter.kill()
        holder.close()
    assert output == ("ok" if holder_commits else "database is locked")


def _checkpoint_in_a_forked_worker(path: str, result) -> None:
    with sqlite3.connect(path) as writer:
        writer.execute("INSERT INTO t VALUES (7)")
    checkpoint_later(path)
    result.put(checkpoints_done(2))


def test_a_forked_worker_runs_its_checkpoints_in_its_own_thread(database):
    """gunicorn forks its workers from a master that may have written (and so started the thread)
    already: a thread does not survive a fork, so a worker starts its own."""
    checkpoint_later(str(database))
    assert checkpoints_done()
    context = multiprocessing.get_context("fork")
    result = context.Queue()
    worker = context.Process(target=_checkpoint_in_a_forked_worker, args=(str(database), result))
    worker.start()
    assert result.get(timeout=10) is True
    worker.join(10)


def test_the_checkpoint_thread_outlives_a_checkpoint_that_fails(database, monkeypatch):
    """One failure must not stop every later checkpoint of the process (nor leave the paths
    piling up in a queue nobody reads)."""
    real, calls = sqlite_turns._checkpoint, []

    def failing_once(path: str) -> None:
        calls.append(path)
        if len(calls) == 1:
            raise RuntimeError("disk on fire")
        real(path)

    monkeypatch.setattr(sqlite_turns, "_checkpoint", failing_once)
    checkpoint_later(str(database))
    assert checkpoints_done()
    checkpoint_later(str(database))
    assert checkpoints_done()
    assert calls == [str(database)] * 2
