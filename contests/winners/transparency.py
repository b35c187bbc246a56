"""The public append-only log of draw records: an RFC 6962 Merkle tree whose heads the server
signs (``contests.signing``), as Certificate Transparency does for certificates.

Each published state of a record (at the draw, after each substitution) is appended as an entry
naming the draw, its number among its organization's draws and the SHA-256 of the record's
bytes. Anyone who kept a signed head can later ask for a consistency proof to a newer one: a log
whose past was edited (a draw deleted and redone, a record rewritten) cannot produce it. And a
record's inclusion proof in a signed head shows it was published as it stands.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from sqlalchemy import func, select, text

from ..draw import merkle
from ..draw.canonical import canonical_json
from ..extensions import db, on_postgresql
from ..models import Contest, Draw, LogEntry
from ..signing import sign

HEAD_TYPE = "contests-log-head"
ENTRY_TYPE = "contests-log-entry"
#: Key of the PostgreSQL advisory lock that serializes appends ("tlog").
_APPEND_LOCK = 0x746C6F67


def append(draw: Draw, contest: Contest, now: datetime) -> LogEntry:
    """Append the draw's record as it now stands, at the next position, in the caller's
    transaction. Callers record their audit event first: writers take the audit chain's lock,
    then the log's, always in that order (two orders would deadlock on PostgreSQL)."""
    if on_postgresql():
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _APPEND_LOCK})
    else:
        db.session.execute(text("UPDATE transparency_log SET position = position WHERE 0"))
    position = size()
    digest = hashlib.sha256(draw.record.encode("utf-8")).hexdigest()
    entry = {
        "type": ENTRY_TYPE,
        "position": position,
        "draw_id": draw.id,
        "contest": contest.slug,
        "organization_id": draw.organization_id,
        "organization_sequence": draw.organization_sequence,
        "record_sha256": digest,
    }
    row = LogEntry(
        position=position,
        draw_id=draw.id,
        entry=canonical_json(entry).decode(),
        record_sha256=digest,
        created_at=now,
    )
    db.session.add(row)
    db.session.flush()
    return row


def size() -> int:
    return db.session.execute(select(func.count()).select_from(LogEntry)).scalar()


def _leaves(count: int) -> list[bytes]:
    entries = db.session.execute(
        select(LogEntry.entry).where(LogEntry.position < count).order_by(LogEntry.position)
    ).scalars()
    return [merkle.leaf_hash(entry.encode("ascii")) for entry in entries]


def signed_head(seed_hex: str, count: int | None = None) -> dict:
    """The tree head of the first ``count`` entries (all by default), signed. Deterministic: the
    same size always gives the same signed bytes, so heads are not stored."""
    count = size() if count is None else count
    root = merkle.root_from_leaf_hashes(_leaves(count))
    return sign(seed_hex, {"type": HEAD_TYPE, "version": 1, "size": count, "root": root.hex()})


def inclusion(position: int, count: int) -> dict:
    """An entry with its inclusion proof in the tree of ``count`` entries."""
    leaves = _leaves(count)
    entry = db.session.get(LogEntry, position)
    return {
        "entry": json.loads(entry.entry),
        "position": position,
        "size": count,
        "proof": [node.hex() for node in merkle.inclusion_proof(leaves, position)],
    }


def consistency(first: int, second: int) -> dict:
    """The consistency proof between the heads of sizes ``first`` and ``second``."""
    leaves = _leaves(second)
    return {
        "first": first,
        "second": second,
        "proof": [node.hex() for node in merkle.consistency_proof(leaves, first)],
    }


def entries(start: int, stop: int) -> list[LogEntry]:
    return list(
        db.session.execute(
            select(LogEntry)
            .where(LogEntry.position >= start, LogEntry.position < stop)
            .order_by(LogEntry.position)
        ).scalars()
    )
