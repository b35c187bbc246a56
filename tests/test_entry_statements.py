"""What one entry costs the database (issue 19): on PostgreSQL the contest's read with the
address's burst count, one statement writing the entry, its consents and its receipt, and the
commit; and that the fewer statements still write every row and flag every burst."""

import re

from sqlalchemy import event, func, select

from contests.models import Consent, Entry, OutboxMessage
from helpers import enter


def _statements(db):
    """Record the statements (first word) and the transaction ends the app's engine sends."""
    seen: list[str] = []

    def executed(conn, cursor, statement, params, context, executemany):
        seen.append(statement.split()[0].upper())

    def committed(conn):
        seen.append("COMMIT")

    event.listen(db.engine, "before_cursor_execute", executed)
    event.listen(db.engine, "commit", committed)
    return seen, lambda: (
        event.remove(db.engine, "before_cursor_execute", executed),
        event.remove(db.engine, "commit", committed),
    )


def test_an_entry_is_one_read_one_write_and_the_commit(app, client, db, factory, museum, backend):
    factory.contest(museum, publish=True, slug="jeu", min_age=0)
    # The first entries store the consent wordings (and remember them once seen committed), once
    # for all the entries after them.
    for n in range(2):
        response = enter(client, "jeu", email=f"first{n}@example.org", marketing_opt_in="y")
        assert response.status_code == 303
    page = client.get("/c/jeu").get_data(as_text=True)
    token = re.search(r'name="form_token" type="hidden" value="([^"]+)"', page).group(1)
    seen, stop = _statements(db)
    try:
        response = client.post(
            "/c/jeu",
            data={
                "form_token": token,
                "first_name": "Zoé",
                "last_name": "Durand",
                "email": "zoe@example.org",
                "accept_rules": "y",
                "marketing_opt_in": "y",
            },
        )
    finally:
        stop()
    assert response.status_code == 303
    if backend == "postgresql":
        # The entry's INSERT carries its consents and its receipt as CTEs: one round trip.
        assert seen == ["SELECT", "WITH", "COMMIT"]
    else:
        # In the process, a statement costs no trip: three INSERTs read more plainly.
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
    app, client, db, factory, museum
):
    factory.contest(museum, publish=True, slug="jeu", min_age=0)
    for n in range(6):
        assert enter(client, "jeu", email=f"p{n}@example.org").status_code == 303
    flags = db.session.execute(select(Entry.flags).order_by(Entry.number)).scalars().all()
    # The fifth entry from one address within ten minutes flags the five; the sixth, itself.
    assert flags == ["ip_burst"] * 6
    assert db.session.execute(select(func.count()).select_from(OutboxMessage)).scalar() == 6
