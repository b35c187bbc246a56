"""The audit log stays one unbroken chain, even with concurrent writers."""

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from contests import audit
from contests.models import AuditEvent
from helpers import guards_removed


def test_concurrent_appends_keep_one_chain(app, db, backend):
    """Four threads append and commit at once; every event lands and the chain verifies."""
    errors = []
    per_thread = 10
    barrier = threading.Barrier(4)

    def writer(n):
        with app.app_context():
            barrier.wait()
            try:
                for i in range(per_thread):
                    audit.record("test.event", thread=n, i=i)
                    db.session.commit()
            except Exception as error:  # noqa: BLE001 - collected and asserted below
                errors.append(repr(error))
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    db.session.expire_all()
    assert (
        db.session.execute(select(func.count()).select_from(AuditEvent)).scalar() == 4 * per_thread
    )
    assert audit.verify_chain() is None


def test_deleting_an_event_breaks_the_chain(app, db):
    for i in range(3):
        audit.record("test.event", i=i)
    db.session.commit()
    ids = db.session.execute(select(AuditEvent.id).order_by(AuditEvent.id)).scalars().all()
    db.session.delete(db.session.get(AuditEvent, ids[1]))
    with pytest.raises(IntegrityError, match="audit_events are append-only"):
        db.session.commit()  # the database refuses
    db.session.rollback()
    with guards_removed(db):  # its owner can take the triggers off: the chain still tells
        db.session.delete(db.session.get(AuditEvent, ids[1]))
    assert audit.verify_chain() == ids[2]


def _chain(db, factory):
    """Two clients' events, interleaved: the museum's, then the theatre's, then the museum's."""
    alice = factory.user("alice@example.org")
    museum = factory.organization("Musée", owner=alice)
    theatre = factory.organization("Théâtre", owner=factory.user("bob@example.org"))
    contest = factory.contest(museum, publish=True, slug="journal")
    return alice, museum, theatre, contest


def _page(client, contest) -> str:
    path = f"/admin/o/{contest.organization_id}/contests/{contest.id}/audit"
    return client.get(path).get_data(as_text=True)


def test_audit_page_names_only_its_own_broken_events(app, client, db, factory):
    from helpers import sign_in

    _, _, theatre, contest = _chain(db, factory)
    foreign = (
        db.session.execute(select(AuditEvent).where(AuditEvent.organization_id == theatre.id))
        .scalars()
        .first()
    )
    with guards_removed(db):
        foreign.data = '{"name":"Autre chose"}'
    sign_in(client, "alice@example.org")
    page = _page(client, contest)
    assert "altered elsewhere" in page and f"event {foreign.id}" not in page
    assert "The hash chain is intact." not in page


def test_audit_page_verifies_incrementally(app, client, db, factory):
    """The chain is walked once; later views start from the last intact event this process saw."""
    from helpers import sign_in

    _, _, _, contest = _chain(db, factory)
    sign_in(client, "alice@example.org")
    assert "The hash chain is intact." in _page(client, contest)
    last = db.session.execute(select(func.max(AuditEvent.id))).scalar()
    assert app.extensions["contests.audit_checkpoint"]["id"] == last
    own = (
        db.session.execute(select(AuditEvent).where(AuditEvent.contest_id == contest.id))
        .scalars()
        .first()
    )
    with guards_removed(db):
        own.action = "contest.forged"
    # Before the checkpoint, yet found: the organization's own events are always recomputed.
    assert f"The chain is broken at event {own.id}" in _page(client, contest)


def test_audit_verify_catches_a_deleted_event_and_a_forged_link(app, db, runner, factory):
    _chain(db, factory)
    assert runner.invoke(args=["audit-verify"]).exit_code == 0
    events = db.session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars().all()
    middle = events[len(events) // 2]
    following = events[len(events) // 2 + 1]
    with guards_removed(db):
        db.session.delete(middle)
    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 1 and f"broken at event {following.id}" in result.output
    # Re-link the next event to the one before the deleted one: its own hash no longer matches.
    with guards_removed(db):
        following.prev_hash = events[len(events) // 2 - 1].hash
    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 1 and f"broken at event {following.id}" in result.output


def test_the_audit_log_reads_as_who_did_what_and_when(app, client, db, factory):
    """Not raw JSON: the action as a sentence in the reader's language, the actor's address, the
    details as named values."""
    from helpers import sign_in

    alice, museum, _, contest = _chain(db, factory)
    from datetime import UTC, datetime

    from contests.entries.review import disqualify_entry

    entry = factory.entry(contest, email="doublon@example.org")
    disqualify_entry(entry, "Doublon", alice, datetime.now(UTC))
    db.session.commit()
    sign_in(client, "alice@example.org")
    page = _page(client, contest)
    assert "Contest published" in page and "Prize added" in page and "Entry disqualified" in page
    assert "alice@example.org" in page and "the application" in page
    assert '{"' not in page  # no JSON shown
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr"
    assert "Dotation ajoutée" in _page(client, contest)
