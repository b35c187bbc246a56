"""The audit log as an organizer reads it: who did what, when, in their language.

The events keep their stable codes and JSON details (what the hash chain covers); this is only
how they are shown: a sentence per action, the details as named values, the actor's address.
"""

from __future__ import annotations

import json

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..models import AuditEvent, User

ACTIONS = {
    "organization.created": _l("Organization created"),
    "organization.invited": _l("Invitation sent"),
    "organization.invitation_revoked": _l("Invitation withdrawn"),
    "organization.member_added": _l("Member added"),
    "organization.member_joined": _l("Member joined"),
    "organization.member_removed": _l("Member removed"),
    "organization.role_changed": _l("Role changed"),
    "contest.created": _l("Contest created"),
    "contest.updated": _l("Contest edited"),
    "contest.published": _l("Contest published"),
    "contest.archived": _l("Contest archived"),
    "contest.embed_updated": _l("Embedding and look changed"),
    "contest.trusted_networks": _l("Trusted networks changed"),
    "contest.purged": _l("Entrants' personal data erased (retention period over)"),
    "contest.winners_purged": _l("Winners' personal data erased (retention period over)"),
    "prize.created": _l("Prize added"),
    "prize.updated": _l("Prize edited"),
    "prize.deleted": _l("Prize deleted"),
    "question.created": _l("Question added"),
    "question.deleted": _l("Question deleted"),
    "rules.published": _l("Rules published"),
    "rules.amended": _l("Rules amended"),
    "entry.disqualified": _l("Entry disqualified"),
    "entry.flags_cleared": _l("Entry kept (signals cleared)"),
    "entry.erased": _l("Entrant's data erased at their request"),
    "entry.erasure_requested": _l("Entrant asked for erasure"),
    "entry.marketing_withdrawn": _l("Entrant withdrew consent to offers"),
    "data_request.closed": _l("Data request answered"),
    "draw.committed": _l("Draw specification committed"),
    "draw.list_frozen": _l("List of entries frozen"),
    "draw.performed": _l("Winners drawn"),
    "draw.substituted": _l("Winner replaced by the next alternate"),
    "award.notified": _l("Winner notified"),
    "award.claimed": _l("Prize claimed"),
    "award.declined": _l("Prize declined"),
    "award.expired": _l("Claim period ended"),
    "award.shipped": _l("Prize shipped"),
    "award.delivered": _l("Prize delivered"),
    "award.handed_over": _l("Prize handed over"),
    "award.name_withheld": _l("Winner's name withheld"),
    "user.created": _l("Account created"),
}


def readable(events: list[AuditEvent]) -> list[dict]:
    """Each event with its sentence, its actor's address and its details as (name, value)."""
    actor_ids = {event.actor_id for event in events if event.actor_id}
    emails = dict(
        db.session.execute(select(User.id, User.email).where(User.id.in_(actor_ids))).all()
        if actor_ids
        else []
    )
    rows = []
    for event in events:
        details = json.loads(event.data or "{}")
        rows.append(
            {
                "event": event,
                "what": ACTIONS.get(event.action, event.action),
                "who": emails.get(event.actor_id),
                "details": [(name, _value(value)) for name, value in details.items()],
            }
        )
    return rows


def _value(value) -> str:
    if isinstance(value, list):
        return ", ".join(_value(item) for item in value) or "—"
    if isinstance(value, bool):
        return "✓" if value else "✗"
    text = "—" if value is None or value == "" else str(value)
    return (
        text[:16] + "…" if len(text) == 64 and all(c in "0123456789abcdef" for c in text) else text
    )
