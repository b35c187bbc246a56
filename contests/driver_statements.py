"""Core statements compiled once and run on the driver's own cursor: the entry's hot path.

SQLAlchemy's execution of a compiled, cached Core statement still cost 0.15 to 0.5 ms of Python
per statement here (the parameters built and converted for each execution, the execution
context, the result object), where the driver's own ``execute`` of the same SQL costs a fraction
of it. An entry is four statements on SQLite and one large one on PostgreSQL: that was a tenth
of its CPU on SQLite, and as much on PostgreSQL (callgrind, issue 19).

What stays SQLAlchemy's: the statement is written with Core and compiled by the connection's
dialect, its parameters are converted by the column types' own bind processors, as the
dialect adapts them (a ``UTCDateTime`` is stored exactly as the ORM stores it: on SQLite the
text SQLAlchemy formats, with its fraction of a second even when it is zero, not what sqlite3's
own adapter writes), it runs on the session's connection
inside its transaction, the engine's ``before_cursor_execute`` and ``after_cursor_execute``
listeners see it (``web.boundary`` and the tests count statements that way), and a driver error
is raised as SQLAlchemy raises it (``IntegrityError`` for a UNIQUE index, say), a lost
connection invalidated. What is not: the engine's ``echo`` log, and result objects (rows are the
driver's tuples).
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

_REQUIRED = object()


def idle(connection) -> bool:
    """Whether nothing has run yet in the transaction of ``connection``, a SQLAlchemy Connection
    on PostgreSQL: psycopg sends its BEGIN with the first statement."""
    from psycopg.pq import TransactionStatus

    status = connection.connection.dbapi_connection.info.transaction_status
    return status == TransactionStatus.IDLE


class _Compiled:
    """A statement as one dialect runs it: its SQL, and for each parameter its name, its
    bind processor and, for a constant of the statement, its value."""

    def __init__(self, statement, dialect):
        compiled = statement.compile(dialect=dialect)
        if compiled.escaped_bind_names:
            raise ValueError(f"parameter names need escaping: {compiled.escaped_bind_names}")
        self.dialect = dialect
        self.sql = compiled.string
        self.positional = compiled.positiontup is not None
        names = (
            compiled.positiontup
            if self.positional
            else [name for name in compiled.binds if f"%({name})s" in self.sql]
        )
        # A constant of the statement (SQLite's OFFSET of a LIMIT, say) is a parameter too.
        self.binds = tuple(
            (
                name,
                compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect),
                _REQUIRED if compiled.binds[name].required else compiled.binds[name].value,
            )
            for name in names
        )

    def parameters(self, values: dict):
        converted = []
        for name, process, constant in self.binds:
            value = values[name] if constant is _REQUIRED else values.get(name, constant)
            converted.append(value if process is None else process(value))
        if self.positional:
            return tuple(converted)
        return dict(zip((name for name, _p, _c in self.binds), converted, strict=True))


class DriverStatement:
    """A Core statement run on the driver's cursor (module docstring), compiled on first use for
    the dialect of the connection it runs on."""

    def __init__(self, statement):
        self.statement = statement
        self._compiled: _Compiled | None = None

    def _for(self, dialect) -> _Compiled:
        compiled = self._compiled
        if compiled is None or compiled.dialect is not dialect:
            compiled = self._compiled = _Compiled(self.statement, dialect)
        return compiled

    def _run(self, connection, parameters, fetch, many: bool = False):
        """Execute on ``connection`` (a SQLAlchemy Connection) and return ``fetch(cursor)``."""
        sql = self._for(connection.dialect).sql
        dbapi_connection = connection.connection.dbapi_connection
        cursor = dbapi_connection.cursor()
        dispatch = connection.dispatch
        try:
            for listener in dispatch.before_cursor_execute:
                sql, parameters = listener(connection, cursor, sql, parameters, None, many)
            if many:
                cursor.executemany(sql, parameters)
            else:
                cursor.execute(sql, parameters)
            if dispatch.after_cursor_execute:
                dispatch.after_cursor_execute(connection, cursor, sql, parameters, None, many)
            return fetch(cursor)
        except connection.dialect.loaded_dbapi.Error as error:
            lost = connection.dialect.is_disconnect(error, dbapi_connection, cursor)
            if lost:
                connection.invalidate(error)
            raise DBAPIError.instance(
                sql,
                parameters,
                error,
                connection.dialect.loaded_dbapi.Error,
                connection_invalidated=lost,
            ) from error
        finally:
            cursor.close()

    def first(self, connection, values: dict) -> tuple | None:
        """The first row the statement returns, or None; ``values`` by parameter name."""
        parameters = self._for(connection.dialect).parameters(values)
        return self._run(connection, parameters, lambda cursor: cursor.fetchone())

    def run(self, connection, values: dict) -> int:
        """Run a statement that returns no rows; the rows it changed."""
        parameters = self._for(connection.dialect).parameters(values)
        return self._run(connection, parameters, lambda cursor: cursor.rowcount)

    def many(self, connection, rows: list[dict]) -> None:
        """Run the statement once per row of values, in one call to the driver."""
        compiled = self._for(connection.dialect)
        parameters = [compiled.parameters(row) for row in rows]
        self._run(connection, parameters, lambda cursor: None, many=True)

    def own_transaction(self, connection, values: dict) -> tuple | None:
        """``first``, the statement run as a transaction of its own (PostgreSQL, nothing run yet
        in the unit of work: ``idle``): what it writes is committed, or nothing is, by the
        server as the statement ends.

        For a statement that is all its unit of work writes: the driver's BEGIN before it and
        the COMMIT after it were two more round trips to the server (an entry's, issue 19). The
        commit of the boundary that follows finds no transaction open and sends nothing; so does
        its ROLLBACK after an error, which keeps the connection's prepared statements (psycopg
        drops them all at a ROLLBACK). The driver's autocommit is set back at once."""
        driver = connection.connection.dbapi_connection
        driver.autocommit = True
        try:
            return self.first(connection, values)
        finally:
            if not driver.closed:
                driver.autocommit = False
