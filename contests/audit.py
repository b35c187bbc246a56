"""Append-only, hash-chained audit events.

Each event's hash covers its content and the previous event's hash, and ``prev_hash`` is
UNIQUE: rewriting or deleting an event breaks the chain, and two concurrent writers cannot
both append after the same event (one gets an integrity error and its transaction rolls back).
"""
from __future__ import annotations

import hashlib
import json

from sqlalchemy import select

from .extensions import db
from .models import AuditEvent
from .models.types import utcnow

GENESIS = "0" * 64


def _digest(prev_hash: str, event: AuditEvent) -> str:
    payload = json.dumps(
        {
            "prev": prev_hash,
            "at": event.created_at.isoformat(),
            "action": event.action,
            "actor": event.actor_id,
            "organization": event.organization_id,
            "contest": event.contest_id,
            "data": event.data,
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def record(action: str, *, actor=None, organization_id=None, contest=None, **data) -> AuditEvent:
    """Append an event for a state change, in the caller's transaction."""
    last = db.session.execute(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).scalar()
    prev = last or GENESIS
    event = AuditEvent(
        created_at=utcnow(),
        action=action,
        actor_id=actor.id if actor is not None else None,
        organization_id=organization_id if organization_id is not None else getattr(contest, "organization_id", None),
        contest_id=contest.id if contest is not None else None,
        data=json.dumps(data, sort_keys=True, separators=(",", ":"), default=str),
        prev_hash=prev,
    )
    event.hash = _digest(prev, event)
    db.session.add(event)
    db.session.flush()
    return event


def verify_chain() -> int | None:
    """Return the id of the first event whose hash or link is wrong, or None when intact."""
    prev = GENESIS
    for event in db.session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars():
        if event.prev_hash != prev or event.hash != _digest(prev, event):
            return event.id
        prev = event.hash
    return None
