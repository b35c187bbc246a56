"""What an entry sends to PostgreSQL, read off libpq's own trace of the connection (psycopg's
``PGconn.trace``): each round trip is a request the client sends, then waits for the server's
ReadyForQuery. A steady entry is one (its statement, its own transaction), where the driver's
BEGIN and the COMMIT made it three; an entry that writes more after its row (a burst's first
entry, a double opt-in's confirmation mail) keeps them in one transaction (issue 19)."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, func, select

from contests.models import Consent, Contest, Entry, OutboxMessage
from helpers import enter

_TOKEN = re.compile(r'name="form_token" type="hidden" value="([^"]+)"')


@pytest.fixture
def postgresql(backend):
    if backend != "postgresql":
        pytest.skip("the PostgreSQL protocol's round trips")


@contextmanager
def _protocol(db, tmp_path):
    """The messages of every connection the app's engine hands out meanwhile, one line each
    (``F`` from the client, ``B`` from the server), and those connections."""
    from psycopg import pq

    path = tmp_path / "libpq-trace.txt"
    lines: list[str] = []
    connections = []
    with path.open("w") as trace:

        def checkout(dbapi_connection, record, proxy):
            connections.append(dbapi_connection)
            dbapi_connection.pgconn.trace(trace.fileno())
            dbapi_connection.pgconn.set_trace_flags(
                pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE
            )

        def checkin(dbapi_connection, record):
            if dbapi_connection is not None and not dbapi_connection.closed:
                dbapi_connection.pgconn.untrace()

        event.listen(db.engine, "checkout", checkout)
        event.listen(db.engine, "checkin", checkin)
        try:
            yield lines, connections
        finally:
            event.remove(db.engine, "checkout", checkout)
            event.remove(db.engine, "checkin", checkin)
            # One still checked out must not write to the file once closed (or to whatever file
            # gets its descriptor next).
            for connection in connections:
                if not connection.closed:
                    connection.pgconn.untrace()
    lines += path.read_text().splitlines()


def _round_trips(lines: list[str]) -> int:
    return sum(1 for line in lines if line.startswith("B\t") and "\tReadyForQuery" in line)


def _transaction(lines: list[str]) -> list[str]:
    """BEGIN, COMMIT, ROLLBACK and each run of the entry's statement ("entry": the statement that
    sends the consent's kind), in the order the client sent them."""
    events = []
    for line in lines:
        if line.startswith("F\t") and "\tQuery\t" in line:
            events.append(line.split('"')[1])
        elif line.startswith("F\t") and "\tBind\t" in line and "'rules'" in line:
            events.append("entry")
    return events


def _token(client, slug: str) -> str:
    """The form's token, as a browser that kept the page open sends it with each entry."""
    return _TOKEN.search(client.get(f"/c/{slug}").get_data(as_text=True)).group(1)


def _send(client, slug: str, email: str, token: str):
    data = {"form_token": token, "first_name": "Zoé", "last_name": "Durand", "email": email}
    return client.post(f"/c/{slug}", data={**data, "accept_rules": "y"})


def test_a_steady_entry_is_one_round_trip(app, client, db, factory, museum, postgresql, tmp_path):
    factory.contest(museum, publish=True, slug="jeu", min_age=0)
    # The first entries store the consent wording, then remember it once seen committed: they
    # run more statements.
    for n in range(2):
        assert enter(client, "jeu", email=f"first{n}@example.org").status_code == 303
    token = _token(client, "jeu")
    with _protocol(db, tmp_path) as (lines, connections):
        response = _send(client, "jeu", "zoe@example.org", token)
    assert response.status_code == 303
    assert _round_trips(lines) == 1, lines
    assert _transaction(lines) == ["entry"]
    # The connection is back to transactions: what a later unit of work writes waits for its
    # commit (a connection left in autocommit would have kept every statement at once).
    assert connections and all(not connection.autocommit for connection in connections)
    entry = db.session.execute(select(Entry).where(Entry.email == "zoe@example.org")).scalar_one()
    consents = select(func.count()).where(Consent.entry_id == entry.id)
    assert db.session.execute(consents).scalar() == 1
    receipts = select(func.count()).where(OutboxMessage.entry_id == entry.id)
    assert db.session.execute(receipts).scalar() == 1


def test_a_repeat_entry_sends_no_rollback_and_keeps_the_prepared_statement(
    app, client, db, factory, museum, postgresql, tmp_path
):
    """psycopg forgets every prepared statement of a connection at a ROLLBACK: a refused repeat
    entry, which rolled back, made the next entry parse and plan its statement afresh."""
    factory.contest(museum, publish=True, slug="jeu", min_age=0)
    token = _token(client, "jeu")
    for n in range(10):  # psycopg prepares a statement at its sixth run on a connection
        assert _send(client, "jeu", f"p{n}@example.org", token).status_code == 303
    with _protocol(db, tmp_path) as (lines, _connections):
        assert _send(client, "jeu", "p0@example.org", token).status_code == 409
        assert _send(client, "jeu", "p10@example.org", token).status_code == 303
    assert "ROLLBACK" not in _transaction(lines)
    parsed = [line for line in lines if line.startswith("F\t") and "WITH burst" in line]
    assert parsed == [], "the entry's statement was parsed again"
    # The entry's statement is the one that sends the consent's kind: run by name, prepared.
    executed = [line for line in lines if "\tBind\t" in line and "'rules'" in line]
    assert len(executed) == 2 and all('"_pg3_' in line for line in executed), executed


def test_an_entry_that_writes_after_its_row_keeps_one_transaction(
    app, client, db, factory, museum, postgresql, tmp_path
):
    """A burst's first entry flags the earlier ones by a second statement; a double opt-in
    entry queues its confirmation mail: each stays one transaction with its row."""
    factory.contest(museum, publish=True, slug="jeu", min_age=0)
    factory.contest(museum, publish=True, slug="double", min_age=0, double_opt_in=True)
    token, double = _token(client, "jeu"), _token(client, "double")
    for n in range(app.config["IP_BURST_THRESHOLD"] - 1):
        assert _send(client, "jeu", f"early{n}@example.org", token).status_code == 303
    with _protocol(db, tmp_path) as (lines, _connections):
        assert _send(client, "jeu", "start@example.org", token).status_code == 303
    # Refused as a transaction of its own, then written in one with the flags of the others.
    assert _transaction(lines) == ["entry", "BEGIN", "entry", "COMMIT"]
    jeu = select(Contest.id).where(Contest.slug == "jeu").scalar_subquery()
    flags = db.session.execute(select(Entry.flags).where(Entry.contest_id == jeu))
    assert set(flags.scalars()) == {"ip_burst"}
    assert _send(client, "double", "first@example.org", double).status_code == 303
    with _protocol(db, tmp_path) as (lines, _connections):
        assert _send(client, "double", "confirm@example.org", double).status_code == 303
    assert _transaction(lines) == ["BEGIN", "entry", "COMMIT"], lines
    mail = select(OutboxMessage.recipient).where(OutboxMessage.recipient == "confirm@example.org")
    assert db.session.execute(mail).scalar_one() == "confirm@example.org"


def test_submit_entry_keeps_an_entry_and_its_confirmation_mail_in_one_transaction(
    app, db, factory, museum, postgresql, tmp_path
):
    """The entry form reads a double opt-in contest afresh, so its entry never comes first in
    its unit of work; ``submit_entry`` does not count on it: with nothing run before it, the
    entry and its confirmation mail are still one transaction."""
    from contests.entries.submission import EntryInput, submit_entry

    contest = factory.contest(museum, publish=True, slug="double", min_age=0, double_opt_in=True)
    wording = {"rules": "J'accepte le règlement."}

    def take(email: str) -> None:
        data = EntryInput(first_name="Zoé", last_name="Durand", email=email, consent_texts=wording)
        submit_entry(contest, data, datetime.now(UTC), "https://jeux.example.org")
        db.session.commit()

    # The wording stored, then remembered once seen committed.
    take("first@example.org")
    take("again@example.org")
    # Loaded, as the entry form keeps its contests.
    assert contest.organization is not None and contest.questions == []
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
        with _protocol(db, tmp_path) as (lines, _connections):
            take("second@example.org")
    finally:
        session.expire_on_commit = True
    assert _transaction(lines) == ["BEGIN", "entry", "COMMIT"], lines
    mail = select(OutboxMessage.recipient).where(OutboxMessage.recipient == "second@example.org")
    assert db.session.execute(mail).scalar_one() == "second@example.org"
