"""Writers to one SQLite file take turns on a file lock instead of SQLite's busy handler.

SQLite lets one transaction write at a time. A writer that finds the file locked sleeps and
tries again after 1 ms, then 2, 5, 10, 15, 20, 25... (its busy handler), however soon the lock
is free. An entry holds it for well under a millisecond, so with two workers most of those
sleeps waited for nothing. Two gunicorn servers side by side on one file, wrk in turns (five
rounds of 5 s, issue 19): 505 entries/s and a p99 of 30.8 ms without the turn, 582 entries/s
and 22.8 ms with it (medians).

Each connection takes the turn (``flock`` on ``<database>-turn``, its own descriptor, so two
connections of one process take turns too) before its transaction's first write, and gives it
back when the transaction ends (commit, rollback, close). Reads never wait: WAL lets them run
during a write. The wait is bounded by the busy timeout: past it the write goes ahead and
SQLite's own lock decides, so a transaction left open (a test holding one) never blocks the
others for good. Another program writing to the file without the turn is still protected by
SQLite's lock, as before.

Every ``CHECKPOINT_EVERY`` commits that wrote, a connection has the WAL copied back into the
database, once it has given back the turn, by a thread of its process (``checkpoint_later``):
SQLite's own checkpoint ran inside a COMMIT, within the turn, and every other writer waited for
it (``AUTOCHECKPOINT_FRAMES`` keeps it as a safety net); run in the request, it made the entry
that triggered it wait for the database file's fsync.
"""

from __future__ import annotations

import fcntl
import logging
import os
import queue
import sqlite3
import threading
import time
import urllib.parse
from contextlib import closing

#: The first word of a statement that writes (lower-case), and so needs the turn. (A ``WITH``
#: that writes, which the app does not send to SQLite, would be left to SQLite's lock.)
_WRITES = frozenset(("insert", "update", "delete", "replace", "create", "drop", "alter"))
#: How long a writer waits for its turn at most; SQLite's busy timeout is set from it
#: (``app._sqlite_pragmas``).
WAIT_SECONDS = 5.0
#: A connection has the WAL copied back into the database (a PASSIVE checkpoint) after every
#: this many of its commits that wrote, once it has given back the turn (``checkpoint_later``).
CHECKPOINT_EVERY = 50
#: SQLite's own checkpoint, which runs inside the COMMIT that takes the WAL past this many
#: frames, while the committing connection still holds the turn: only a safety net now, for
#: writers that commit rarely (``app._sqlite_pragmas``).
AUTOCHECKPOINT_FRAMES = 10_000


def _writes(sql: str) -> bool:
    words = sql.lstrip().split(None, 1)
    return bool(words) and words[0].lower() in _WRITES


def _wait(turn: int, seconds: float) -> bool:
    """Try for the turn again and again, a little longer apart each time (50 us, doubling up to
    half a millisecond, where SQLite's handler starts at 1 ms and grows to 100): True once it is
    ours, False after ``seconds``."""
    deadline = time.monotonic() + seconds
    pause = 0.00005
    while time.monotonic() < deadline:
        time.sleep(pause)
        pause = min(pause * 2, 0.0005)
        try:
            fcntl.flock(turn, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            continue
    return False


class _TurnTakingCursor(sqlite3.Cursor):
    def execute(self, sql, parameters=(), /):
        if _writes(sql):
            self.connection.take_turn()
        return super().execute(sql, parameters)

    def executemany(self, sql, parameters, /):
        if _writes(sql):
            self.connection.take_turn()
        return super().executemany(sql, parameters)


class TurnTakingConnection(sqlite3.Connection):
    """A ``sqlite3`` connection (``sqlite3.connect(factory=...)``) that takes the writers' turn
    before it writes and gives it back when its transaction ends."""

    def __init__(self, database, *args, **kwargs):
        super().__init__(database, *args, **kwargs)
        path = os.fspath(database)
        # A database in memory has one connection, so no one to take turns with; a "file:" URI
        # (never the app's) is left to SQLite's lock rather than parsed here.
        plain_file = path not in ("", ":memory:") and not kwargs.get("uri")
        self._turn = os.open(f"{path}-turn", os.O_CREAT | os.O_RDWR, 0o600) if plain_file else None
        self._path = path
        self._holding = False
        self._commits_since_checkpoint = 0

    def cursor(self, factory=_TurnTakingCursor):
        return super().cursor(factory)

    # sqlite3's shortcuts make their cursor without calling ``cursor()``.
    def execute(self, sql, parameters=(), /):
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql, parameters, /):
        return self.cursor().executemany(sql, parameters)

    def take_turn(self) -> None:
        """Wait until no other writer holds the turn (at most ``WAIT_SECONDS``), then hold it."""
        if self._turn is None or self._holding:
            return
        try:
            fcntl.flock(self._turn, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not _wait(self._turn, WAIT_SECONDS):
                return  # SQLite's own lock decides from here
        self._holding = True

    def _give_back(self) -> None:
        if self._holding:
            self._holding = False
            fcntl.flock(self._turn, fcntl.LOCK_UN)

    def commit(self) -> None:
        wrote = self._holding
        try:
            super().commit()
        finally:
            self._give_back()
        if wrote:
            self._checkpoint_now_and_then()

    def _checkpoint_now_and_then(self) -> None:
        """Have the WAL copied back into the database every ``CHECKPOINT_EVERY`` commits that
        wrote, after the turn is given back, and outside the request (``checkpoint_later``)."""
        self._commits_since_checkpoint += 1
        if self._commits_since_checkpoint < CHECKPOINT_EVERY:
            return
        self._commits_since_checkpoint = 0
        checkpoint_later(self._path)

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._give_back()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._give_back()
            if self._turn is not None:
                os.close(self._turn)
                self._turn = None


#: The checkpoints this process has yet to run (database paths), read by its checkpoint thread;
#: None until the first is asked for, and again in a forked child, which has no thread.
_pending: queue.SimpleQueue | None = None
_starting = threading.Lock()


def _forget_parent_thread() -> None:
    """A fork copies neither the parent's thread nor a safe state of its lock (gunicorn forks its
    workers from a master that may have written): the child starts afresh."""
    global _pending, _starting
    _pending, _starting = None, threading.Lock()


os.register_at_fork(after_in_child=_forget_parent_thread)


def checkpoint_later(path: str) -> None:
    """Copy the WAL of the database at ``path`` back into it (a PASSIVE checkpoint) in a thread
    of this process, soon, rather than in the caller's request.

    With a million entries in the contest a checkpoint copied scattered pages into a large file
    and took 6.7 ms where it took 1.6 on a fresh one, most of it waiting for the fsync (issue
    19); in the request, every fiftieth entry waited for it. ``sqlite3`` lets other threads run
    while SQLite works, so the worker serves the next request meanwhile. A PASSIVE checkpoint
    waits for no one and lets the next writer in; one that cannot finish (a reader still on old
    frames) leaves the rest to the next."""
    global _pending
    if _pending is None:
        with _starting:
            if _pending is None:
                pending = queue.SimpleQueue()
                threading.Thread(
                    target=_run_checkpoints, args=(pending,), name="sqlite-checkpoints", daemon=True
                ).start()
                _pending = pending
    _pending.put(path)


def checkpoints_done(seconds: float = 5.0) -> bool:
    """Wait until the checkpoints asked for so far have run: True, or False after ``seconds``."""
    if _pending is None:
        return True
    done = threading.Event()
    _pending.put(done)
    return done.wait(seconds)


def _run_checkpoints(pending: queue.SimpleQueue) -> None:
    while True:
        asked = [pending.get()]
        while not pending.empty():
            asked.append(pending.get())
        paths = dict.fromkeys(p for p in asked if isinstance(p, str))  # one each, in order
        for path in paths:
            try:
                _checkpoint(path)
            except Exception:  # noqa: BLE001 - the thread must outlive any one checkpoint
                logging.getLogger(__name__).exception("checkpoint of %s failed", path)
        for job in asked:
            if isinstance(job, threading.Event):
                job.set()


def _checkpoint(path: str) -> None:
    # "mode=rw": a database removed meanwhile is not created again, empty, by the checkpoint.
    uri = f"file:{urllib.parse.quote(path)}?mode=rw"
    try:
        with closing(sqlite3.connect(uri, uri=True, timeout=0)) as connection:
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
    except sqlite3.Error:
        pass  # the commits are done; SQLite's own checkpoint is the safety net
