"""Keeping a draw's awards in step with its record: one open award per current winner.

Called wherever the record changes (the draw, a substitution), in the same transaction, so the
winners board never shows a prize holder the record does not name, nor misses one.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..draw import protocol
from ..entries.numbering import entries_numbered
from ..extensions import db
from ..models import HOLDING, Award, AwardStatus, Draw, Entry


def awards_of(draw_ids: list[int]) -> list[Award]:
    """Every award of these draws, oldest first (a prize's history reads top to bottom)."""
    if not draw_ids:
        return []
    return list(
        db.session.execute(
            select(Award)
            .where(Award.draw_id.in_(draw_ids))
            .order_by(Award.id)
            # The pages name each award's entry by its number.
            .options(selectinload(Award.entry))
        ).scalars()
    )


def open_awards(draw: Draw) -> list[Award]:
    """Create the missing awards of the record's current winners (to notify); return them."""
    record = json.loads(draw.record)
    known = {a.entry_id for a in awards_of([draw.id])}
    winners = [w for w in protocol.current_winners(record) if w["entry_id"] is not None]
    # The record names entries by their number in the contest; an award holds the entry's row.
    entries = entries_numbered(draw.contest_id, {w["entry_id"] for w in winners})
    created = []
    for winner in winners:
        entry = entries[winner["entry_id"]]
        if entry.id not in known:
            award = Award(
                draw_id=draw.id,
                entry_id=entry.id,
                prize_position=winner["prize_position"],
                rank=winner["rank"],
                status=AwardStatus.TO_NOTIFY,
            )
            db.session.add(award)
            created.append(award)
    db.session.flush()
    return created


def close_award(draw: Draw, substitution: dict, now: datetime) -> list[Award]:
    """The replaced winner's award ends (reason, successor); the alternate's opens."""
    award = db.session.execute(
        select(Award)
        .join(Entry, Entry.id == Award.entry_id)
        .where(
            Award.draw_id == draw.id,
            Entry.number == substitution["replaced_entry_id"],
            Award.status.in_([*HOLDING, AwardStatus.DECLINED, AwardStatus.EXPIRED]),
        )
    ).scalar_one_or_none()
    if award is not None:
        award.status = AwardStatus.SUBSTITUTED
        award.ended_reason = substitution["reason"]
        award.replaced_by_entry_id = substitution["by_entry_id"]
        award.updated_at = now
    return open_awards(draw)
