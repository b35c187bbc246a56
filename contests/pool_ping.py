"""A pooled database connection is checked before use only when it has sat idle.

SQLAlchemy's ``pool_pre_ping`` checks every connection the pool hands out: on PostgreSQL that is
one more round trip for every request, and an entry cost 10% more throughput for it
(bench/entry_load.py, issue 19). A connection the previous request handed back a moment ago is
alive unless the server went away in that moment; one that sat idle may have been closed by a
restart, a failover or an idle timeout (a pooler's, a firewall's). So a connection idle for more
than ``DATABASE_PING_IDLE_SECONDS`` is pinged when it is checked out, and a dead one is replaced
before the request uses it: SQLAlchemy's pool connects again when a ``checkout`` listener raises
``DisconnectionError`` ("Disconnect Handling - Pessimistic", custom form).

What it gives up: a server that dies between two requests seconds apart fails the first request
to reach it on each connection; SQLAlchemy then invalidates the whole pool, and the following
requests connect afresh.
"""

from __future__ import annotations

import time

from sqlalchemy import event, exc
from sqlalchemy.engine import Engine

_RETURNED_AT = "contests.returned_at"


def install(engine: Engine, idle_seconds: float) -> None:
    """Ping the engine's connections that sat idle in its pool for over ``idle_seconds``."""

    @event.listens_for(engine, "checkin")
    def returned(dbapi_connection, connection_record) -> None:
        connection_record.info[_RETURNED_AT] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def check_if_idle(dbapi_connection, connection_record, connection_proxy) -> None:
        returned_at = connection_record.info.get(_RETURNED_AT)
        if returned_at is None or time.monotonic() - returned_at <= idle_seconds:
            return  # new (just connected), or in use a moment ago
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SELECT 1")
        except Exception as error:  # noqa: BLE001 - any failure means: not usable
            raise exc.DisconnectionError(f"idle connection is gone: {error}") from error
        finally:
            try:
                cursor.close()
            except Exception:  # noqa: BLE001, S110 - the connection is being replaced anyway
                pass
