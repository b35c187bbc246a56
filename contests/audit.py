"""Append-only, hash-chained audit events.

Each event's hash covers its content and the previous event's hash, and ``prev_hash`` is
UNIQUE: rewriting or deleting an event breaks the chain, and two concurrent writers cannot
both append after the same event (one gets an integrity error and its transaction rolls back).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import func, select, text

from .extensions import app_cache, db
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


def head() -> dict:
    """The chain's head as a draw record publishes it: its last event, how many events lead to
    it, and that event's hash. A chain recomputed after an edit no longer matches a head that
    was published before (``verify_anchors``)."""
    last = db.session.execute(
        select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    if last is None:
        return {"event_id": 0, "count": 0, "hash": GENESIS}
    count = db.session.execute(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.id <= last.id)
    ).scalar()
    return {"event_id": last.id, "count": count, "hash": last.hash}


def verify_anchors(heads) -> list[str]:
    """Check the chain against heads published earlier (in draw records): the event is there,
    with that hash and that many events up to it. Returns what does not hold."""
    problems = []
    for where, published in heads:
        if not published.get("event_id"):
            continue
        found = db.session.execute(
            select(AuditEvent.hash).where(AuditEvent.id == published["event_id"])
        ).scalar()
        count = db.session.execute(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.id <= published["event_id"])
        ).scalar()
        if found != published["hash"] or count != published["count"]:
            problems.append(
                f"{where}: the chain no longer matches the head published then "
                f"(event {published['event_id']}, {published['count']} events)"
            )
    return problems


def verify_chain() -> int | None:
    """Return the id of the first event whose hash or link is wrong, or None when intact."""
    return _verify_from(0, GENESIS)[0]


@dataclass(frozen=True)
class ChainState:
    """What an organization's audit page may say about the chain."""

    #: The first of the organization's own events that does not verify, if any.
    broken_event_id: int | None
    #: Some event of another organization, or a link between events, does not verify: said
    #: without naming it (another client's ids are not this organization's business).
    broken_elsewhere: bool

    @property
    def intact(self) -> bool:
        return self.broken_event_id is None and not self.broken_elsewhere


def _verify_from(after_id: int, prev: str) -> tuple[int | None, int, str]:
    """Verify the events after ``after_id``, the first linked to ``prev``.

    Returns the first broken event's id (or None), and the last intact event's id and hash.
    """
    last_id = after_id
    query = select(AuditEvent).where(AuditEvent.id > after_id).order_by(AuditEvent.id)
    result = db.session.execute(query.execution_options(yield_per=1000))
    try:
        for event in result.scalars():
            if event.prev_hash != prev or event.hash != _digest(prev, event):
                return event.id, last_id, prev
            last_id, prev = event.id, event.hash
    finally:
        result.close()  # a server-side cursor on PostgreSQL: closed even when we stop early
    return None, last_id, prev


def organization_chain_state(organization_id: int) -> ChainState:
    """Check an organization's events in full, and the rest of the chain incrementally.

    Every event of the organization is recomputed (its content against its hash) and must link
    to an event that exists; the whole chain is verified only from the last point this process
    found intact, so a page view costs the organization's events plus what was appended since.
    ``contests audit-verify`` checks everything from the first event.
    """
    own = db.session.execute(
        select(AuditEvent)
        .where(AuditEvent.organization_id == organization_id)
        .order_by(AuditEvent.id)
    ).scalars()
    links: set[str] = set()
    for event in own:
        if event.hash != _digest(event.prev_hash, event):
            return ChainState(broken_event_id=event.id, broken_elsewhere=False)
        links.add(event.prev_hash)
    links.discard(GENESIS)
    found = (
        set(db.session.execute(select(AuditEvent.hash).where(AuditEvent.hash.in_(links))).scalars())
        if links
        else set()
    )
    checkpoint = app_cache("contests.audit_checkpoint", lambda: {"id": 0, "hash": GENESIS})
    broken, last_id, last_hash = _verify_from(checkpoint["id"], checkpoint["hash"])
    if broken is None:
        checkpoint.update(id=last_id, hash=last_hash)
    return ChainState(broken_event_id=None, broken_elsewhere=found != links or broken is not None)
