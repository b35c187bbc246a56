"""Across all the clients an organizer works for: what needs them today.

A freelance community manager with a museum and a theatre opens the workspace and sees, per
client, the entries waiting for review, the contests closing this week, the draws to make, the
prizes whose claim is not settled and the entrants' data requests to answer, each linked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select

from ..extensions import db
from ..models import (
    Award,
    AwardStatus,
    Contest,
    DataRequest,
    Draw,
    DrawState,
    Entry,
    EntryStatus,
    State,
)

#: "Closing soon" means within this.
SOON = timedelta(days=7)
#: Prizes whose winner has not answered or not received them yet.
UNSETTLED = (AwardStatus.TO_NOTIFY, AwardStatus.NOTIFIED, AwardStatus.CLAIMED)


@dataclass
class Attention:
    to_review: int = 0
    closing_soon: list = field(default_factory=list)
    to_draw: list = field(default_factory=list)
    claims_pending: int = 0
    data_requests: int = 0

    @property
    def anything(self) -> bool:
        return bool(
            self.to_review
            or self.closing_soon
            or self.to_draw
            or self.claims_pending
            or self.data_requests
        )


def attention(organization_ids: list[int], now: datetime) -> dict[int, Attention]:
    """Per organization, what needs attention (five queries, whatever the number of clients)."""
    found = {organization_id: Attention() for organization_id in organization_ids}
    if not organization_ids:
        return found
    mine = Contest.organization_id.in_(organization_ids)
    for organization_id, count in db.session.execute(
        select(Contest.organization_id, func.count(Entry.id))
        .join(Entry, Entry.contest_id == Contest.id)
        .where(
            mine,
            Contest.state == State.PUBLISHED,
            Entry.flags != "",
            Entry.status == EntryStatus.CONFIRMED,
        )
        .group_by(Contest.organization_id)
    ):
        found[organization_id].to_review = count
    for contest in db.session.execute(
        select(Contest)
        .where(
            mine,
            Contest.state == State.PUBLISHED,
            Contest.ends_at > now,
            Contest.ends_at <= now + SOON,
        )
        .order_by(Contest.ends_at)
    ).scalars():
        found[contest.organization_id].closing_soon.append(contest)
    for contest in db.session.execute(
        select(Contest)
        .join(Draw, Draw.contest_id == Contest.id)
        .where(mine, Contest.state == State.PUBLISHED, Contest.ends_at <= now)
        .where(Draw.state == DrawState.COMMITTED, Draw.superseded_at.is_(None))
        .order_by(Contest.ends_at)
    ).scalars():
        found[contest.organization_id].to_draw.append(contest)
    for organization_id, count in db.session.execute(
        select(Draw.organization_id, func.count(Award.id))
        .join(Award, Award.draw_id == Draw.id)
        .where(Draw.organization_id.in_(organization_ids), Award.status.in_(UNSETTLED))
        .group_by(Draw.organization_id)
    ):
        found[organization_id].claims_pending = count
    for organization_id, count in db.session.execute(
        select(DataRequest.organization_id, func.count(DataRequest.id))
        .where(DataRequest.organization_id.in_(organization_ids), DataRequest.status == "open")
        .group_by(DataRequest.organization_id)
    ):
        found[organization_id].data_requests = count
    return found
