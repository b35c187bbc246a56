"""A pooled connection is checked before use only after sitting idle (``contests.pool_ping``):
one the server closed meanwhile (a restart, a failover, an idle timeout) is replaced before any
request uses it, without the round trip per request that ``pool_pre_ping`` cost."""

import time

import psycopg
import pytest
from sqlalchemy import exc, text

from helpers import POSTGRES_URL


def _pooled_backend_closed_by_the_server(db) -> int:
    """Leave one connection in the app's pool, have the server close it; its backend's pid."""
    db.engine.dispose()
    with db.engine.connect() as connection:
        pid = connection.execute(text("SELECT pg_backend_pid()")).scalar()
    with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()[0]
    return pid


@pytest.mark.parametrize("app", [{"DATABASE_PING_IDLE_SECONDS": 0.2}], indirect=True)
def test_an_idle_connection_the_server_closed_is_replaced_before_a_request_uses_it(
    app, client, db, factory, museum, backend
):
    if backend != "postgresql":
        pytest.skip("a SQLite file has no server to close a connection")
    factory.contest(museum, publish=True, slug="jeu")
    dead = _pooled_backend_closed_by_the_server(db)
    time.sleep(0.3)
    assert client.get("/c/jeu").status_code == 200
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT pg_backend_pid()")).scalar() != dead


@pytest.mark.parametrize("app", [{"DATABASE_PING_IDLE_SECONDS": 3600}], indirect=True)
def test_a_connection_used_a_moment_ago_is_not_pinged(app, db, backend):
    if backend != "postgresql":
        pytest.skip("a SQLite file has no server to close a connection")
    # The price of no round trip per request, stated in pool_ping's docstring: a server gone
    # within the idle window fails the first use of the connection; the pool then reconnects.
    _pooled_backend_closed_by_the_server(db)
    with pytest.raises(exc.OperationalError), db.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT 1")).scalar() == 1
