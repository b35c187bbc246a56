"""What the organizer's dashboard shows: an organization's contests by phase, with entry counts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from ..extensions import db
from ..models import Contest, Entry, Organization, Phase

#: The order of the dashboard's sections: what needs attention first.
PHASE_ORDER = (Phase.OPEN, Phase.UPCOMING, Phase.DRAFT, Phase.CLOSED, Phase.DRAWN, Phase.ARCHIVED)


def contests_by_phase(
    organization: Organization, now: datetime
) -> dict[Phase, list[tuple[Contest, int]]]:
    """Group the organization's contests by phase, each with its number of entries, in one query."""
    rows = db.session.execute(
        select(Contest, func.count(Entry.id))
        .outerjoin(Entry, Entry.contest_id == Contest.id)
        .where(Contest.organization_id == organization.id)
        .group_by(Contest.id)
        .order_by(Contest.starts_at.desc(), Contest.id.desc())
    ).all()
    groups: dict[Phase, list[tuple[Contest, int]]] = {phase: [] for phase in PHASE_ORDER}
    for contest, count in rows:
        groups[contest.phase(now)].append((contest, count))
    return groups
