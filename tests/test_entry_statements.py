"""What one entry costs the database (issue 19): on PostgreSQL one statement writing the entry,
its consents and its receipt, counting the address's burst and checking that the contest kept in
memory is still the one in the database, then the commit; that the fewer statements still write
every row and flag every burst; and that a contest changed meanwhile (on another server, say) is
read again before any entry is taken for it."""

import contextvars
import re
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, event, func, select, text, update

from contests.models import Consent, Contest, Entry, OutboxMessage
from contests.models.types import utcnow
from helpers import enter


@contextmanager
def _listening(db, **listeners):
    """The app's engine calls ``listeners`` (event name: function) meanwhile."""
    for name, listener in listeners.items():
        event.listen(db.engine, name, listener)
    try:
        yield
    finally:
        for name, listener in listeners.items():
            event.remove(db.engine, name, listener)


@contextmanager
def _statements(db):
    """Record the statements (first word) and the commits the app's engine sends meanwhile."""
    seen: list[str] = []

    def executed(conn, cursor, statement, params, context, executemany):
        seen.append(statement.split()[0].upper())

    with _listening(db, before_cursor_execute=executed, commit=lambda conn: seen.append("COMMIT")):
        yield seen


@contextmanager
def _entry_statement_runs(db):
    """The driver connections that ran the entry's statement (PostgreSQL) meanwhile."""
    used = set()

    def executed(conn, cursor, statement, params, context, executemany):
        if statement.startswith("WITH burst"):
            used.add(conn.connection.dbapi_connection)

    with _listening(db, before_cursor_execute=executed):
        yield used


def _prepared_entry_statement(dbapi_connection) -> list[tuple[int, int]]:
    """(generic plans, custom plans) of the entry's statement prepared on that connection."""
    plans = dbapi_connection.execute(
        "SELECT generic_plans, custom_plans FROM pg_prepared_statements"
        " WHERE statement LIKE 'WITH burst%%'"
    ).fetchall()
    # Not left in a transaction, as the pool hands out connections (a ROLLBACK would make psycopg
    # forget its prepared statements).
    dbapi_connection.commit()
    return plans


@contextmanager
def _transaction_ends(db):
    """COMMIT or ROLLBACK, for each transaction the app's engine ends meanwhile."""
    ended: list[str] = []
    with _listening(
        db,
        rollback=lambda conn: ended.append("ROLLBACK"),
        commit=lambda conn: ended.append("COMMIT"),
    ):
        yield ended


def _form_token(client, slug: str = "jeu") -> str:
    """The token of the form as a browser got it; valid for every entry until it expires."""
    page = client.get(f"/c/{slug}").get_data(as_text=True)
    return re.search(r'name="form_token" type="hidden" value="([^"]+)"', page).group(1)


def _send(client, token: str, email: str, slug: str = "jeu", **fields):
    """POST the form with ``token``, as a browser that kept the page open sends it."""
    data = {
        "form_token": token,
        "first_name": "Zoé",
        "last_name": "Durand",
        "email": email,
        "accept_rules": "y",
        **fields,
    }
    return client.post(f"/c/{slug}", data=data)


def test_a_steady_entry_is_one_statement_and_the_commit(app, client, db, factory, museum, backend):
    factory.contest(museum, publish=True, slug="jeu", min_age=0)
    # The first entries store the consent wordings (and remember them once seen committed), once
    # for all the entries after them.
    for n in range(2):
        response = enter(client, "jeu", email=f"first{n}@example.org", marketing_opt_in="y")
        assert response.status_code == 303
    token = _form_token(client)
    with _statements(db) as seen:
        response = _send(client, token, "zoe@example.org", marketing_opt_in="y")
    assert response.status_code == 303
    if backend == "postgresql":
        # The entry's INSERT carries its consents and its receipt as CTEs: one round trip (and
        # the BEGIN the driver sends before it); the contest was kept from the earlier entries.
        assert seen == ["WITH", "COMMIT"]
    else:
        # In the process, a statement costs no trip: the count and three INSERTs read plainly.
        assert seen == ["SELECT", "INSERT", "INSERT", "INSERT", "COMMIT"]
    entry = db.session.execute(select(Entry).where(Entry.email == "zoe@example.org")).scalar_one()
    kinds = db.session.execute(select(Consent.kind).where(Consent.entry_id == entry.id))
    assert sorted(kinds.scalars()) == ["marketing", "rules"]
    mail = db.session.execute(
        select(OutboxMessage).where(OutboxMessage.entry_id == entry.id)
    ).scalar_one()
    assert (mail.entry_id, mail.recipient, mail.template) == (
        entry.id,
        "zoe@example.org",
        "receipt",
    )
    assert entry.number == 3 and entry.flags == ""


def test_a_burst_through_the_form_is_flagged_with_the_count_read_with_the_contest(
    app, client, db, factory, museum, backend
):
    factory.contest(museum, publish=True, slug="jeu", min_age=0)
    seen_by_entry = []
    for n in range(7):
        with _statements(db) as seen:
            assert enter(client, "jeu", email=f"p{n}@example.org").status_code == 303
        seen_by_entry.append([word for word in seen if word in ("UPDATE", "WITH", "INSERT")])
    flags = db.session.execute(select(Entry.flags).order_by(Entry.number)).scalars().all()
    # The fifth entry from one address within ten minutes flags the five; the sixth, itself.
    assert flags == ["ip_burst"] * 7
    # The fifth flags the four before it (an UPDATE); after it each entry of the burst is
    # written flagged: its INSERT alone, no UPDATE, however long the burst.
    assert "UPDATE" in seen_by_entry[4]
    steady = ["WITH"] if backend == "postgresql" else ["INSERT", "INSERT", "INSERT"]
    assert seen_by_entry[5] == seen_by_entry[6] == steady
    assert db.session.execute(select(func.count()).select_from(OutboxMessage)).scalar() == 7


def test_a_contest_changed_elsewhere_is_read_again_before_an_entry_is_taken(
    app, client, db, factory, museum
):
    """Another server (here: another connection, past this app's session) closes the contest
    early; this server, which kept the open contest in memory, refuses the next entry as closed
    and stores nothing. A change that leaves it open (a new title) takes the entry."""
    contest = factory.contest(museum, publish=True, slug="jeu", min_age=0)
    assert enter(client, "jeu", email="first@example.org").status_code == 303
    other = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with other.begin() as connection:
        connection.execute(
            update(Contest.__table__)
            .where(Contest.id == contest.id)
            .values(title="Grand jeu (nouveau titre)", updated_at=utcnow())
        )
    assert enter(client, "jeu", email="second@example.org").status_code == 303
    # A third entrant opens the form before the close and sends it after.
    token = _form_token(client)
    with other.begin() as connection:
        connection.execute(
            update(Contest.__table__)
            .where(Contest.id == contest.id)
            .values(ends_at=utcnow() - timedelta(minutes=1), updated_at=utcnow())
        )
    other.dispose()
    late = _send(client, token, "late@example.org", first_name="Léa", last_name="Tardive")
    assert late.status_code == 409 and "Ce jeu a pris fin le" in late.get_data(as_text=True)
    emails = db.session.execute(select(Entry.email).order_by(Entry.number)).scalars().all()
    assert emails == ["first@example.org", "second@example.org"]


def test_the_entry_statement_stays_within_what_psycopg_parses_once():
    """psycopg parses a statement anew on every execution past 50 parameters or 4,096 bytes
    (a tenth of an entry's time on PostgreSQL): a column added to entries or to the outbox must
    not push the entry's statement over either."""
    from psycopg import _queries
    from sqlalchemy.dialects import postgresql

    from contests.entries.entry_statements import postgresql_statement

    # An entry gives each kind of consent at most once (four kinds: ``uq_consents_entry_id_kind``
    # and the kind's CHECK); a form asking for a phone and a postal code raises both twin signals.
    twins = ("phone", "household")
    for variant in (
        (False, 0, 0),
        (False, 5, 1),
        (True, 0, 2),
        (True, 5, 3),
        (True, 5, 4),
        (True, 5, 4, ("phone",)),
        (True, 5, 4, twins),
        (False, 0, 4, twins),
    ):
        statement = postgresql_statement(*variant).statement
        compiled = statement.compile(dialect=postgresql.psycopg.dialect())
        assert len(compiled.params) <= _queries.MAX_CACHED_STATEMENT_PARAMS, variant
        assert len(str(compiled).encode()) <= _queries.MAX_CACHED_STATEMENT_LENGTH, variant


def _row(db, email: str) -> dict:
    row = db.session.execute(select(Entry.__table__).where(Entry.email == email)).one()
    return dict(row._mapping)


def test_an_entry_sharing_a_phone_or_a_household_marks_both_within_its_own_statement(
    app, client, db, factory, museum, backend
):
    """The twin signals (same phone, same household as another entry of the contest) are raised
    by the entry's own statement: on PostgreSQL an entry from a form asking for a phone and a
    postal code is still one statement and the commit. The other entry gains the flag and
    nothing else of its row changes; one already flagged is not written again; an entry not
    taken marks no one."""
    factory.contest(
        museum,
        publish=True,
        slug="jeu",
        min_age=0,
        phone_field="optional",
        postal_code_field="optional",
    )
    # Four entries, under the burst's threshold of five from one address.
    first = {"phone": "0612345678", "postal_code": "75011"}
    assert enter(client, "jeu", email="zoe@example.org", **first).status_code == 303
    zoe = _row(db, "zoe@example.org")
    token = _form_token(client)
    paul = _send(client, token, "paul@example.org", first_name="Paul", phone="06 12 34 56 78")
    assert paul.status_code == 303
    household = {"first_name": "Zoe", "last_name": "DURAND", "postal_code": "75 011"}
    assert _send(client, token, "zoe.durand@example.org", **household).status_code == 303
    flags = dict(db.session.execute(select(Entry.email, Entry.flags)).all())
    assert flags == {
        "zoe@example.org": "phone,household",
        "paul@example.org": "phone",
        "zoe.durand@example.org": "household",
    }
    db.session.expire_all()
    after = _row(db, "zoe@example.org")
    assert {k: v for k, v in after.items() if k != "flags"} == {
        k: v for k, v in zoe.items() if k != "flags"
    }
    # A third entry with that phone: flagged itself; Zoé and Paul have the flag already.
    versions = "SELECT email, xmin::text FROM entries ORDER BY id"
    if backend == "postgresql":
        before = db.session.execute(text(versions)).all()
    updated = []

    def rowcount(conn, cursor, statement, params, context, executemany):
        if statement.startswith("UPDATE"):
            updated.append(cursor.rowcount)

    with _listening(db, after_cursor_execute=rowcount), _statements(db) as seen:
        lea = _send(client, token, "lea@example.org", first_name="Léa", phone="+33612345678")
    assert lea.status_code == 303
    assert _row(db, "lea@example.org")["flags"] == "phone"
    if backend == "postgresql":
        assert seen == ["WITH", "COMMIT"]  # the consent wordings were remembered by now
        assert db.session.execute(text(versions)).all()[:3] == before
    else:
        assert updated == [0]
    # The contest closes on another server; an entry sent on the form kept open is refused, and
    # its twins are not marked.
    other = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with other.begin() as connection:
        connection.execute(
            update(Contest.__table__)
            .where(Contest.slug == "jeu")
            .values(ends_at=utcnow() - timedelta(minutes=1), updated_at=utcnow())
        )
    other.dispose()
    late = _send(client, token, "late@example.org", **household)
    assert late.status_code == 409
    db.session.expire_all()
    assert dict(db.session.execute(select(Entry.email, Entry.flags)).all()) == {
        **flags,
        "lea@example.org": "phone",
    }


def test_a_double_opt_in_entry_mails_from_the_organization_as_it_is_now(
    app, client, db, factory, museum
):
    # The form keeps its contest between entries; a double opt-in entry's confirmation mail is
    # written with the entry, so it reads the contest (and its organization) afresh.
    factory.contest(museum, publish=True, slug="jeu", min_age=0, double_opt_in=True)
    assert enter(client, "jeu", email="avant@example.org").status_code == 303
    museum.name = "Musée renommé"
    db.session.commit()
    assert enter(client, "jeu", email="apres@example.org").status_code == 303
    mails = db.session.execute(
        select(OutboxMessage.recipient, OutboxMessage.sender_name).order_by(OutboxMessage.id)
    ).all()
    assert mails[-1] == ("apres@example.org", "Musée renommé")


def _generic_plan(db, statement, parameters: dict) -> dict:
    """The plan PostgreSQL would keep for ``statement`` once prepared, whatever the values."""
    from sqlalchemy.dialects import postgresql

    sql = str(statement.compile(dialect=postgresql.psycopg.dialect()))
    names = re.findall(r"%\((\w+)\)s", sql)
    for number, name in enumerate(names, 1):
        sql = sql.replace(f"%({name})s", f"${number}")
    with db.engine.connect() as connection:
        connection.exec_driver_sql(f"PREPARE counted AS {sql}")
        connection.exec_driver_sql("SET plan_cache_mode = force_generic_plan")
        # Quoted literals: of unknown type, each takes its parameter's.
        values = ", ".join(f"'{parameters[name]}'" for name in names)
        return connection.exec_driver_sql(
            f"EXPLAIN (FORMAT JSON) EXECUTE counted({values})"
        ).scalar()[0]["Plan"]


def _many_entries(db, contest_id: int, number="n", household="''", created_at="now()") -> None:
    """30,000 entries of ``contest_id`` in one INSERT (PostgreSQL), with no address, as an import
    or a kiosk leaves them; ``number``, ``household`` and ``created_at`` are SQL of ``n``."""
    db.session.execute(
        text(
            "INSERT INTO entries (contest_id, number, status, first_name, last_name, email,"
            " email_key, identity_key, period, postal_code, answers, marketing_opt_in,"
            " household_key, source, attribution, ip_address, user_agent, salt, weight,"
            " entrant_commit, receipt_code, flags, disqualified_reason, created_at)"
            f" SELECT :contest, {number}, 'confirmed', 'B', n::text, 'b' || n || '@example.org',"
            f" 'b' || n || '@example.org', md5(n::text), 'all', '', '{{}}', false, {household},"
            " '', '', '', '', '\\x00', 1, '', 'B' || n, '', '',"
            f" {created_at} FROM generate_series(1, 30000) AS n"
        ),
        {"contest": contest_id},
    )


def test_the_entry_statement_keeps_one_plan_in_a_contest_of_many_entries(
    app, client, db, factory, museum, backend
):
    """PostgreSQL keeps a prepared statement's generic plan only while it looks no dearer than
    one planned for the values at hand. The burst's count, its LIMIT sent as a parameter, was
    expected to read a tenth of the address's entries in the window however many the threshold:
    at a million entries, the entry's whole statement was planned anew for every entry, 0.24 ms
    of the server's time per entry (issue 19)."""
    if backend != "postgresql":
        pytest.skip("SQLite plans each statement as it prepares it")
    from contests.entries.signals import recent_entries

    contest = factory.contest(museum, publish=True, slug="jeu", min_age=0)
    # Entries from a day ago, with no address, as an import or a kiosk leaves them, the
    # statistics gathered on them (autovacuum would).
    _many_entries(db, contest.id, number="1000000 + n", created_at="now() - interval '1 day'")
    db.session.execute(text("ANALYZE entries"))
    db.session.commit()
    window = {"contest": contest.id, "ip": "203.0.113.9", "since": utcnow().isoformat()}
    limit = app.config["IP_BURST_THRESHOLD"]
    counted = _generic_plan(db, recent_entries(limit), window)["Plans"][0]
    assert counted["Node Type"] == "Limit" and counted["Plan Rows"] <= limit, counted

    # Through the form, entry after entry, the statement is prepared and its generic plan kept.
    token = _form_token(client)

    def plans_after(entries: range) -> list[int]:
        with _entry_statement_runs(db) as used:
            for n in entries:
                assert _send(client, token, f"e{n}@example.org").status_code == 303
        assert len(used) == 1
        plans = [0, 0]
        for generic, custom in _prepared_entry_statement(used.pop()):
            plans[0] += generic
            plans[1] += custom
        return plans

    before = plans_after(range(20))
    # psycopg prepares a statement at its sixth execution; PostgreSQL plans it five times for
    # the values at hand before it weighs the generic plan, and keeps that one from then on.
    assert before[0] >= 5 and before[1] == 5, before
    assert plans_after(range(20, 25)) == [before[0] + 5, 5]


def test_a_household_is_looked_up_in_the_household_index(app, db, factory, museum, backend):
    """The household index holds only the entries that have a household (the others wrote the
    key '' into it, issue 19): the twin lookup says so in its SQL, or neither SQLite nor a
    PostgreSQL generic plan would read that index, and each entry with a postal code would read
    the whole contest."""
    import json

    from contests.entries.entry_statements import SQLITE_TWIN_SEEN

    contest = factory.contest(museum, publish=True, slug="jeu", min_age=0)
    statement = SQLITE_TWIN_SEEN["household"].statement
    values = {"twin_contest": contest.id, "twin_value": "durand zoe 75011"}
    if backend == "postgresql":
        # Enough entries, half of them with a household, that reading them all costs more.
        _many_entries(db, contest.id, household="CASE WHEN n % 2 = 0 THEN 'h' || n ELSE '' END")
        db.session.execute(text("ANALYZE entries"))
        db.session.commit()
        plan = json.dumps(_generic_plan(db, statement, values))
    else:
        compiled = statement.compile(dialect=db.engine.dialect)
        with db.engine.connect() as connection:
            rows = connection.exec_driver_sql(
                f"EXPLAIN QUERY PLAN {compiled}",
                tuple(values[name] for name in compiled.positiontup),
            ).all()
        plan = " ".join(str(row) for row in rows)
    assert "ix_entries_contest_household" in plan, plan


def test_a_visitors_pages_between_entries_keep_the_entry_statement_prepared(
    app, client, db, factory, museum, backend
):
    """A browser GETs the form, POSTs it, GETs the thanks page. Each page read in a transaction
    that Flask-SQLAlchemy rolled back, and psycopg forgets its prepared statements at every
    ROLLBACK: the entry's statement, prepared at its sixth run on a connection, never was, and
    each entry was parsed and planned afresh. A transaction that only read now ends in COMMIT."""
    if backend != "postgresql":
        pytest.skip("psycopg's prepared statements: PostgreSQL only")
    factory.contest(museum, publish=True, slug="jeu", min_age=0)
    with _transaction_ends(db) as ended, _entry_statement_runs(db) as used:
        for n in range(8):
            token = _form_token(client)
            answer = _send(client, token, f"visitor{n}@example.org")
            assert answer.status_code == 303
            assert client.get(answer.headers["Location"]).status_code == 200
    assert "ROLLBACK" not in ended and ended.count("COMMIT") == 24, ended
    (dbapi_connection,) = used
    # Prepared at its sixth run on the connection (before, the pages' ROLLBACKs undid it first).
    prepared = len(_prepared_entry_statement(dbapi_connection))
    assert prepared == 1


def test_a_transaction_that_wrote_is_never_committed_by_the_end_of_its_request(
    app, db, factory, museum, backend
):
    """The COMMIT at the end of a request is for transactions that only read: one that wrote
    without reaching its boundary's commit still ends in ROLLBACK, its rows gone."""
    if backend != "postgresql":
        pytest.skip("only PostgreSQL ends read-only transactions with COMMIT")
    contest = factory.contest(museum, publish=True, slug="jeu", min_age=0)
    db.session.commit()
    with _transaction_ends(db) as ended:

        def request(work):
            """``work`` in a request's own app context and session, as the server runs one."""

            def run():
                with app.test_request_context("/"):
                    work(db.session)

            contextvars.Context().run(run)

        title = select(Contest.title).where(Contest.id == contest.id)
        request(lambda session: session.execute(title))
        assert ended == ["COMMIT"]
        request(
            lambda session: session.execute(
                update(Contest).where(Contest.id == contest.id).values(title="Jamais enregistré")
            )
        )
        # A SELECT that locks (or holds a DML CTE, or draws from a sequence) counts as a write.
        request(
            lambda session: session.execute(
                text("SELECT id FROM contests WHERE id = :id FOR UPDATE"), {"id": contest.id}
            )
        )

        def unsaved_change(session):
            session.execute(title)
            session.get(Contest, contest.id).title = "Pas enregistré non plus"

        request(unsaved_change)
        assert ended == ["COMMIT", "ROLLBACK", "ROLLBACK", "ROLLBACK"], ended
        # A shared row lock too (the foreign keys' kind).
        request(
            lambda session: session.execute(
                text("SELECT id FROM contests WHERE id = :id FOR KEY SHARE"), {"id": contest.id}
            )
        )
        assert ended[-1] == "ROLLBACK", ended
    db.session.expire_all()
    assert db.session.get(Contest, contest.id).title == contest.title
