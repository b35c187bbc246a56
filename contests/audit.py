"""Append-only, hash-chained audit events.

Each event's hash covers its content and the previous event's hash, and ``prev_hash`` is
UNIQUE: rewriting or deleting an event breaks the chain, and two concurrent writers cannot
both append after the same event (one gets an integrity error and its transaction rolls back).
"""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import select, text

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


#: Key of the PostgreSQL advisory lock that serializes appends (any constant shared by all writers).
_APPEND_LOCK = 0x636F6E74  # "cont"


def record(action: str, *, actor=None, organization_id=None, contest=None, **data) -> AuditEvent:
    """Append an event for a state change, in the caller's transaction.

    Writers queue (PostgreSQL: a transaction-scoped advisory lock; SQLite: its write lock), so
    each one reads the chain's head only after the previous append committed.
    """
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _APPEND_LOCK})
    elif dialect == "sqlite":
        # A write statement (touching no row) takes SQLite's write lock now, waiting for the
        # busy timeout, so the head we read next cannot change before we insert.
        db.session.execute(text("UPDATE audit_events SET id = id WHERE 0"))
    last = db.session.execute(
        select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).scalar()
    prev = last or GENESIS
    event = AuditEvent(
        created_at=utcnow(),
        action=action,
        actor_id=actor.id if actor is not None else None,
        organization_id=organization_id
        if organization_id is not None
        else getattr(contest, "organization_id", None),
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
