"""Core statements run on the driver's cursor (``contests.driver_statements``, the entry's hot
path, issue 19) behave as SQLAlchemy's execution of them: the same stored values, the same
errors, the same events, on SQLite and PostgreSQL."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import bindparam, event, func, insert, literal_column, select, text
from sqlalchemy.exc import IntegrityError

from contests.driver_statements import DriverStatement
from contests.models import ConsentText

_TEXTS = ConsentText.__table__
_INSERT = DriverStatement(
    insert(_TEXTS).values(
        {
            **{key: bindparam(key, type_=_TEXTS.c[key].type) for key in ("sha256", "language")},
            "text": bindparam("text", type_=_TEXTS.c.text.type),
            "created_at": bindparam("at", type_=_TEXTS.c.created_at.type),
        }
    )
)


def _row(sha: str, at: datetime) -> dict:
    return {"sha256": sha, "language": "fr", "text": f"texte {sha}", "at": at}


@pytest.mark.parametrize(
    "at",
    [
        datetime(2026, 3, 29, 1, 30, 15, 123456, tzinfo=UTC),
        # On the second: sqlite3's own adapter would write no fraction, and the text would
        # sort before what SQLAlchemy binds for the same instant (an hour's bound, say).
        datetime(2026, 3, 29, 2, 0, tzinfo=UTC),
    ],
)
def test_a_value_is_stored_as_sqlalchemy_stores_it(app, db, at):
    connection = db.session.connection()
    assert _INSERT.run(connection, _row("a" * 64, at)) == 1
    connection.execute(insert(_TEXTS), {**_row("b" * 64, at), "created_at": at})
    db.session.commit()

    # Read back by the ORM as the aware UTC datetime it was, stored alike by both paths (on
    # SQLite a string: the type's bind processor wrote it, not the driver's own adapter).
    texts = db.session.execute(select(ConsentText).order_by(ConsentText.sha256)).scalars().all()
    assert [t.created_at for t in texts] == [at, at]
    stored = db.session.execute(text("SELECT created_at FROM consent_texts ORDER BY sha256"))
    first, second = (value for (value,) in stored)
    assert first == second


def test_a_driver_error_is_raised_as_sqlalchemy_raises_it(app, db):
    connection = db.session.connection()
    _INSERT.run(connection, _row("c" * 64, datetime.now(UTC)))
    with pytest.raises(IntegrityError) as raised:
        _INSERT.run(connection, _row("c" * 64, datetime.now(UTC)))
    assert isinstance(raised.value.orig, connection.dialect.loaded_dbapi.IntegrityError)
    db.session.rollback()
    # The session goes on after its rollback.
    assert db.session.execute(select(func.count()).select_from(_TEXTS)).scalar() == 0


def test_the_engines_listeners_see_each_statement(app, db):
    seen = []

    def before(conn, cursor, statement, parameters, context, executemany):
        seen.append(("before", statement.split()[0], executemany))

    def after(conn, cursor, statement, parameters, context, executemany):
        seen.append(("after", statement.split()[0], cursor.rowcount))

    event.listen(db.engine, "before_cursor_execute", before)
    event.listen(db.engine, "after_cursor_execute", after)
    try:
        connection = db.session.connection()
        now = datetime.now(UTC)
        _INSERT.many(connection, [_row("d" * 64, now), _row("e" * 64, now)])
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
        event.remove(db.engine, "after_cursor_execute", after)
    assert seen == [("before", "INSERT", True), ("after", "INSERT", 2)]


def test_constants_of_the_statement_are_sent_and_every_parameter_is_required(app, db):
    connection = db.session.connection()
    now = datetime.now(UTC)
    _INSERT.many(connection, [_row(c * 64, now) for c in "fgh"])
    # SQLite writes a LIMIT's OFFSET as a parameter of the statement's own.
    count = DriverStatement(
        select(func.count()).select_from(
            select(_TEXTS.c.sha256)
            .where(_TEXTS.c.language == bindparam("language"))
            .limit(literal_column("2"))
            .subquery()
        )
    )
    assert count.first(connection, {"language": "fr"}) == (2,)
    with pytest.raises(KeyError, match="language"):
        count.first(connection, {})
