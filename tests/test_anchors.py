"""Anchors (issue 14, item 5 in part): each draw record publishes the audit chain's head at the
freeze and at the draw, and the draw's number among its organization's draws; a chain
recomputed after an edit passes its own check but no longer matches the published heads."""

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from contests import audit
from contests.models import AuditEvent, Draw
from contests.winners.drawing import perform_draw
from helpers import guards_removed

VALUES = ["3 14 25 36 47"]


def _drawn(factory, organization, slug):
    contest = factory.contest(organization, publish=True, closed=True, slug=slug, min_age=0)
    for n in range(3):
        factory.entry(contest, email=f"{slug}{n}@example.org")
    return perform_draw(contest, VALUES, None, datetime.now(UTC))  # the caller commits


def test_records_publish_the_chain_head_and_a_number_per_organization(app, db, factory, museum):
    first = _drawn(factory, museum, "un")
    db.session.commit()
    record = json.loads(first.record)
    frozen, drawn = record["audit"]["frozen"], record["audit"]["drawn"]
    events = db.session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars().all()
    by_id = {e.id: e for e in events}
    assert by_id[frozen["event_id"]].action == "draw.list_frozen"
    assert by_id[frozen["event_id"]].hash == frozen["hash"]
    assert frozen["count"] == [e.id for e in events].index(frozen["event_id"]) + 1
    assert drawn["hash"] == by_id[drawn["event_id"]].hash and drawn["count"] >= frozen["count"]
    assert record["organization_sequence"] == first.organization_sequence == 1
    second = _drawn(factory, museum, "deux")
    db.session.commit()
    theatre = factory.organization("Théâtre", owner=factory.user("bob@example.org"))
    other = _drawn(factory, theatre, "trois")
    db.session.commit()
    assert (second.organization_sequence, other.organization_sequence) == (2, 1)
    # The database keeps the numbers unique and set once.
    with pytest.raises(IntegrityError):
        db.session.get(Draw, second.id).organization_sequence = 3
        db.session.flush()
    db.session.rollback()


def test_a_recomputed_chain_no_longer_matches_the_published_heads(app, db, runner, factory, museum):
    draw = _drawn(factory, museum, "ancre")
    db.session.commit()
    assert runner.invoke(args=["audit-verify"]).exit_code == 0
    anchored = json.loads(draw.record)["audit"]["frozen"]["event_id"]
    # The database's owner takes the triggers off, edits an early event and recomputes every
    # hash after it: the chain verifies on its own...
    with guards_removed(db):
        events = db.session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars().all()
        events[0].data = json.dumps({"forged": True})
        previous = events[0].prev_hash
        for event in events:
            event.prev_hash = previous
            event.hash = audit._digest(previous, event)
            previous = event.hash
    assert audit.verify_chain() is None
    # ...but not against the heads the draw record published.
    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 1
    assert f"draw {draw.id} (frozen): the chain no longer matches" in result.output
    assert f"event {anchored}" in result.output
