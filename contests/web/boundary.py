"""The web side of the transaction boundary: a view runs its domain change inside ``change()``.

Every view that writes does::

    with change(form) as outcome:
        contest = create_contest(g.org, form.values(), current_user)
    if outcome.ok:
        ...

On success the change is committed. A :class:`~contests.errors.DomainError` rolls it back and
is shown to the user, field errors on the form's fields and anything else as a flash message,
then swallowed so the view can render the form again or redirect. Any other exception rolls
back and propagates (a 500 page, nothing saved). Views never call ``commit()`` or
``rollback()`` themselves (``tests/test_architecture.py`` greps for it).
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from types import TracebackType

from flask import Flask, flash
from flask_babel import gettext as _
from sqlalchemy import event
from sqlalchemy.exc import SQLAlchemyError

from ..errors import DomainError, PublishRefused, ValidationFailed
from ..extensions import db
from ..models import Contest
from ..winners.freezing import RACED, freeze_due, freeze_entrants

log = logging.getLogger(__name__)


class Outcome:
    """What became of a change: ``ok`` once committed, ``error`` when the domain refused it."""

    def __init__(self, form=None, show: bool = True):
        self.form = form
        self.show = show
        self.ok = False
        self.error: DomainError | None = None

    def __enter__(self) -> Outcome:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool:
        if error is None:
            db.session.commit()
            self.ok = True
            return False
        # The rollback also expires the objects, so the page shows what is stored, not the refused
        # values.
        db.session.rollback()
        if not isinstance(error, DomainError):
            return False
        self.error = error
        if self.show:
            show_refusal(error, self.form)
        return True


def change(form=None, show: bool = True) -> Outcome:
    """Run the block as one unit of work; show a domain refusal on ``form`` (or flashed)."""
    return Outcome(form, show)


def attach_errors(form, error: ValidationFailed) -> list[str]:
    """Put each message on its field; return those that have no field on the form."""
    orphans = []
    for name, messages in error.errors.items():
        field = getattr(form, name, None) if form is not None else None
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + list(messages)
        else:
            orphans += [str(message) for message in messages]
    return orphans


def refusal_message(error: DomainError) -> str:
    """One sentence for a refusal with no field to sit on."""
    if isinstance(error, PublishRefused):
        return _(
            "Cannot publish yet. Missing: %(fields)s.",
            fields=", ".join(str(m) for m in error.missing),
        )
    if isinstance(error, ValidationFailed):
        return str(next(iter(error.errors.values()))[0])
    return str(error)


def show_refusal(error: DomainError, form=None) -> None:
    """Field errors on the form; whatever has no field (or no form) as flash messages."""
    if isinstance(error, ValidationFailed):
        for message in attach_errors(form, error) if form is not None else [refusal_message(error)]:
            flash(message, "error")
    else:
        flash(refusal_message(error), "error")


def freeze_if_closed(contest: Contest, now: datetime) -> None:
    """The first request that meets a closed contest freezes its entrant list if the worker has
    not yet (``winners.freezing``), in a unit of work of its own; another freezer at the same
    moment wins and this one reads its result."""
    if not freeze_due(contest, now):
        return
    try:
        with change(show=False):
            freeze_entrants(contest, now)
    except RACED:
        pass


#: A statement that may change a row: anything but a plain SELECT, or a SELECT with a DML CTE
#: (the entry's), a row lock (``FOR [NO KEY] UPDATE``, ``FOR [KEY] SHARE``) or a sequence's
#: ``nextval`` in it. Erring towards "wrote" only costs the ROLLBACK a read-only request would
#: have had anyway.
_MAY_WRITE = re.compile(r"\b(INSERT|UPDATE|DELETE|MERGE|SHARE|NEXTVAL|SETVAL)\b", re.IGNORECASE)
_WROTE = "contests.wrote"


def _may_write(statement: str) -> bool:
    return statement.lstrip()[:6].upper() != "SELECT" or bool(_MAY_WRITE.search(statement))


def install_read_only_end(app: Flask) -> None:
    """End a request's transaction that only read with COMMIT, not ROLLBACK (PostgreSQL).

    psycopg drops every prepared statement of its connection at each ROLLBACK (with a DEALLOCATE
    ALL, one more round trip, when it had prepared any). Flask-SQLAlchemy's teardown rolls back
    whatever is open, and every page that reads (the entry form, the thanks page after each
    entry) left a transaction open: so on a live site the entry's statement, prepared only at its
    sixth run on a connection, was parsed and planned afresh for nearly every entry, a cost the
    benchmark's POST-only load never saw (``bench/entry_load.py``, its ``GET+POST+GET`` line).
    A transaction in which any statement may have written still ends in ROLLBACK: nothing unsaved
    is ever committed here, the boundary above (``change``) stays the only place a write is kept.
    """
    if db.engine.dialect.name != "postgresql":
        return  # SQLite's driver opens no transaction for a read; a ROLLBACK costs nothing

    @event.listens_for(db.engine, "begin")
    def _began(connection) -> None:
        connection.info[_WROTE] = False

    @event.listens_for(db.engine, "before_cursor_execute")
    def _note_write(connection, cursor, statement, parameters, context, executemany) -> None:
        if not connection.info.get(_WROTE) and _may_write(statement):
            connection.info[_WROTE] = True

    @app.teardown_appcontext
    def _end_read_only(error: BaseException | None) -> None:
        # Registered after Flask-SQLAlchemy's own teardown, so it runs before it (Flask runs
        # teardowns last registered first): the session is still open here.
        if error is not None or not db.session.registry.has():
            return
        session = db.session()
        if not session.in_transaction():
            return
        if session.new or session.dirty or session.deleted:
            return  # unsaved changes: the ROLLBACK that follows discards them, as before
        connection = session.connection()
        if connection.info.get(_WROTE, True) or connection.invalidated:
            return
        try:
            session.commit()
        except SQLAlchemyError:  # the page is served; the ROLLBACK that follows cleans up
            log.warning("ending a read-only transaction failed", exc_info=True)
