"""Extending a contest or closing it early: a dated amendment that commits the draw again.

The closing date is part of the published draw specification, with the drand round or the
lottery draw that follows it, so moving it needs a new commitment. The old one is superseded,
not edited (the database refuses any other change), and stays public; the new specification
names it (``supersedes``), so that receipts signed under it still verify. Nothing about the
draw's randomness is known at that point: the sources the old and the new commitment name are
both in the future. Refused once the entrant list is frozen, which happens at the close: from
then on the draw's inputs cannot move.
"""

from __future__ import annotations

import json
from datetime import datetime

from flask_babel import lazy_gettext as _l

from .. import audit
from ..errors import ValidationFailed, WrongState
from ..extensions import db
from ..models import Contest, DrawState, RulesVersion, State, User
from ..timezones import NonexistentLocalTime, local_to_utc
from ..winners.commitment import commit_draw
from ..winners.records import draw_of
from .amendment import lock, next_version

FROZEN = _l(
    "The entrant list is frozen at the close: the closing date can no longer change. A winner "
    "found ineligible is replaced by an alternate, with a reason."
)


def reschedule(
    contest: Contest,
    ends_at: datetime | None,
    draw_at: datetime | None,
    summary: str,
    actor: User | None,
    now: datetime,
    base_url: str | None = None,
    local: bool = True,
) -> RulesVersion:
    """Move the close (and, if given, the selection date) of a published contest that has not
    closed yet; the new rules version carries the organizer's summary. ``local``: the dates are
    wall-clock times in the contest's zone, as the form gives them; else UTC instants."""
    if contest.state != State.PUBLISHED:
        raise WrongState(_l("Only a published contest's dates can change this way."))
    summary = " ".join((summary or "").split())
    if not summary:
        raise ValidationFailed({"summary": [_l("Say in a sentence what the amendment changes.")]})
    lock(contest, now)
    draw = draw_of(contest)
    if (
        draw is None
        or draw.state != DrawState.COMMITTED
        or draw.frozen_at is not None
        or contest.ends_at <= now
    ):
        raise WrongState(FROZEN)
    new_end = _instant(ends_at, contest, "ends_at", local)
    new_draw = _instant(draw_at, contest, "draw_at", local) if draw_at else contest.draw_at
    errors: dict[str, list] = {}
    if new_end is None:
        errors["ends_at"] = [_l("This field is required.")]
    elif new_end < now:
        errors["ends_at"] = [_l("This date has passed: to close the contest now, use Close now.")]
    elif contest.starts_at and new_end <= contest.starts_at:
        errors["ends_at"] = [_l("The closing date must come after the opening date.")]
    elif new_end == contest.ends_at:
        errors["ends_at"] = [_l("This is already the closing date.")]
    if new_end and new_draw and new_draw < new_end:
        errors["draw_at"] = [_l("The winners cannot be selected before the closing date.")]
    if errors:
        raise ValidationFailed(errors)
    before = {"ends_at": contest.ends_at, "draw_at": contest.draw_at, "spec": draw.spec_hash}
    contest.ends_at, contest.draw_at = new_end, new_draw
    draw.superseded_at = now
    db.session.flush()  # the old commitment leaves the unique index before the new one enters
    earlier = json.loads(draw.spec).get("supersedes", [])
    new = commit_draw(contest, actor, now, supersedes=[*earlier, draw.spec_hash])
    row = next_version(contest, None, None, summary, actor, now, base_url)
    audit.record(
        "contest.rescheduled",
        actor=actor,
        contest=contest,
        version=row.number,
        summary=summary,
        ends_at=[_iso(before["ends_at"]), _iso(new_end)],
        draw_at=[_iso(before["draw_at"]), _iso(new_draw)],
        spec_hash=[before["spec"], new.spec_hash],
    )
    return row


def close_now(
    contest: Contest, summary: str, actor: User | None, now: datetime, base_url: str | None = None
) -> RulesVersion:
    """Close a running contest at once (the list is frozen by the next worker round or request).
    The selection date stays, unless it came before now."""
    draw_at = contest.draw_at if contest.draw_at and contest.draw_at >= now else now
    return reschedule(contest, now, draw_at, summary, actor, now, base_url, local=False)


def _instant(value: datetime | None, contest: Contest, name: str, local: bool):
    if value is None or not local:
        return value
    try:
        return local_to_utc(value, contest.timezone)
    except NonexistentLocalTime:
        raise ValidationFailed(
            {
                name: [
                    _l(
                        "This time does not exist in %(zone)s (the clocks go forward). Pick "
                        "another time.",
                        zone=contest.timezone,
                    )
                ]
            }
        ) from None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
