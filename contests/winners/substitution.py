"""Replacing a winner by the next alternate in published order; never a new roll of the dice."""

from __future__ import annotations

import json
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from .. import audit
from ..draw import protocol
from ..errors import ValidationFailed, WrongState
from ..extensions import db
from ..models import Draw, DrawState, User
from . import transparency
from .awards import close_award

#: Why a winner may be replaced by the next alternate (published with each substitution).
SUBSTITUTION_REASONS = protocol.SUBSTITUTION_REASONS


def substitute_winner(
    draw: Draw, entry_id: int, reason: str, actor: User | None, now: datetime
) -> dict:
    """Give a winner's prize to the next alternate in published order, and append it to the record.

    With no alternate left the prize is recorded vacant (``by_entry_id`` None), for a
    supplementary draw to fill.
    """
    if draw.state != DrawState.DRAWN or not draw.record:
        raise WrongState(_l("Substitutions apply to a drawn contest."))
    if reason not in SUBSTITUTION_REASONS:
        raise ValidationFailed({"reason": [_l("Choose a reason from the list.")]})
    old = draw.record
    record = json.loads(old)
    # Dated no earlier than the event it follows: a worker's ``now`` is taken when its batch
    # starts, and another worker may have appended meanwhile (the verifier checks the order).
    earlier = [record["drawn_at"]] + [s["at"] for s in record["substitutions"]]
    at = max([now, *(datetime.fromisoformat(moment) for moment in earlier)])
    try:
        protocol.substitute(record, entry_id, reason, at.isoformat())
    except ValueError:
        raise ValidationFailed(
            {"entry_id": [_l("Entry %(id)d is not a current winner.", id=entry_id)]}
        ) from None
    new = json.dumps(record, ensure_ascii=False)
    # Optimistic: if another substitution landed meanwhile, the record changed and this one is
    # refused.
    changed = db.session.execute(
        update(Draw).where(Draw.id == draw.id, Draw.record == old).values(record=new)
    ).rowcount
    if changed != 1:
        raise WrongState(_l("The draw record changed meanwhile; reload and try again."))
    db.session.refresh(draw)
    substitution = record["substitutions"][-1]
    close_award(draw, substitution, now)
    audit.record(
        "draw.substituted", actor=actor, contest=draw.contest, draw_id=draw.id, **substitution
    )
    # After the audit event: every writer takes the audit chain's lock before the log's.
    transparency.append(draw, draw.contest, now)
    return substitution
