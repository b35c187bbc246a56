"""A contest's audit log as the organizer reads it, with the state of the hash chain."""

from __future__ import annotations

from flask import render_template
from sqlalchemy import select

from ..audit import organization_chain_state
from ..extensions import db
from ..models import AuditEvent
from ..web.audit_labels import readable
from . import bp, load_contest


@bp.route("/o/<int:org_id>/contests/<int:contest_id>/audit")
def audit_log(contest_id: int):
    """Every recorded change of this contest, oldest first, with the chain's state."""
    contest = load_contest(contest_id)
    events = (
        db.session.execute(
            select(AuditEvent).where(AuditEvent.contest_id == contest.id).order_by(AuditEvent.id)
        )
        .scalars()
        .all()
    )
    return render_template(
        "admin/audit.html",
        contest=contest,
        events=readable(events),
        chain=organization_chain_state(contest.organization_id),
    )
