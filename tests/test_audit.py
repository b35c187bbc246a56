"""The audit log stays one unbroken chain, even with concurrent writers."""

import threading

from sqlalchemy import func, select

from contests import audit
from contests.models import AuditEvent


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
    db.session.commit()
    assert audit.verify_chain() == ids[2]
