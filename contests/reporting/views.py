"""Counting how many times a contest's form is shown, without a database write per view.

Each app process adds views to an in-memory counter, per contest, kind (the page, the embedded
form, or a repeat entry refused) and UTC hour, and adds the counter to ``page_views`` in one
statement at most every ``VIEW_FLUSH_SECONDS`` (30 by default), after the response that found it
due has been sent.
The flush runs on its own connection, in its own short transaction, outside the request's unit
of work: a view is not part of what the request changes. What a process counted since its last
flush is lost if it is killed (at most those seconds of views): the figure is a measure of
audience, not evidence.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import datetime

from flask import Flask, current_app
from sqlalchemy import func, select

from ..extensions import db
from ..models import PageView


class ViewCounter:
    """One app's counts not yet written, per (contest, kind, UTC hour)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.pending: Counter = Counter()
        self.last_flush = time.monotonic()


def _counter(app: Flask | None = None) -> ViewCounter:
    app = app or current_app
    return app.extensions.setdefault("contests.views", ViewCounter())


def count_view(contest_id: int, kind: str, now: datetime, flush_seconds: float) -> bool:
    """Count one view; True when the counter is due to be written (the caller schedules it)."""
    counter = _counter()
    hour = now.replace(minute=0, second=0, microsecond=0)
    with counter.lock:
        counter.pending[(contest_id, kind, hour)] += 1
        return time.monotonic() - counter.last_flush >= flush_seconds


def flush() -> int:
    """Add the counted views to the table (one upsert); return how many rows it touched."""
    counter = _counter()
    with counter.lock:
        counted = dict(counter.pending)
        counter.pending.clear()
        counter.last_flush = time.monotonic()
    if not counted:
        return 0
    rows = [{"contest_id": c, "kind": k, "hour": h, "count": n} for (c, k, h), n in counted.items()]
    try:
        with db.engine.begin() as connection:
            connection.execute(_upsert(connection.dialect.name), rows)
    except Exception:
        with counter.lock:  # try again next time rather than lose them
            counter.pending.update(counted)
        raise
    return len(rows)


def _upsert(dialect: str):
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(PageView.__table__)
    return statement.on_conflict_do_update(
        index_elements=["contest_id", "kind", "hour"],
        set_={"count": PageView.__table__.c.count + statement.excluded.count},
    )


def views_by_hour(contest_id: int) -> list[tuple[datetime, str, int]]:
    """(UTC hour, kind, views) of a contest, as flushed so far."""
    return list(
        db.session.execute(
            select(PageView.hour, PageView.kind, func.sum(PageView.count))
            .where(PageView.contest_id == contest_id)
            .group_by(PageView.hour, PageView.kind)
        ).all()
    )
