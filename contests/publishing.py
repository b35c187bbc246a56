"""Moving a contest through its life: draft -> published -> (drawn) -> archived."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from . import audit
from .errors import PublishRefused, WrongState
from .models import Contest, State, User

#: What the rules will print, by field, with the label shown when it is missing.
REQUIRED_TO_PUBLISH = {
    "title": _l("Title"),
    "starts_at": _l("Opens at"),
    "ends_at": _l("Closes at"),
    "territory": _l("Territory"),
    "min_age": _l("Minimum age"),
    "legal_name": _l("Organizer's legal name"),
    "legal_form": _l("Legal form"),
    "registration_number": _l("Registration number"),
    "legal_address": _l("Postal address"),
    "contact_email": _l("Contact email"),
    "dpo_contact": _l("Data protection contact"),
    "data_retention_months": _l("Data retention (months)"),
}
DRAW_REQUIRED = {
    "entropy_sources": _l("Public sources of randomness for the draw"),
}
SKILL_REQUIRED = {
    "tie_breaker_question": _l("Tie-breaker question (numeric answer)"),
    "jury_description": _l("Jury and judging criteria"),
}


def missing_for_publish(contest: Contest, now: datetime) -> list:
    """List, in form order, what must be filled before the contest can go public."""
    required = dict(REQUIRED_TO_PUBLISH)
    required.update(SKILL_REQUIRED if contest.mechanic == "skill" else DRAW_REQUIRED)
    missing = [label for field, label in required.items() if getattr(contest, field) in (None, "")]
    if not contest.prizes:
        missing.append(_l("At least one prize"))
    if contest.ends_at is not None and contest.ends_at <= now:
        missing.append(_l("A closing date in the future"))
    return missing


def publish_contest(contest: Contest, actor: User | None, now: datetime) -> Contest:
    """Publish a complete draft; its terms are frozen from here on."""
    if contest.state != State.DRAFT:
        raise WrongState(_l("Only a draft can be published."))
    missing = missing_for_publish(contest, now)
    if missing:
        raise PublishRefused(missing)
    contest.state = State.PUBLISHED
    contest.published_at = now
    audit.record("contest.published", actor=actor, contest=contest, slug=contest.slug)
    if contest.mechanic == "random_draw":
        from .winners import commit_draw

        commit_draw(contest, actor, now)  # the specification is fixed before any entry
    return contest


def archive_contest(contest: Contest, actor: User | None, now: datetime) -> Contest:
    """Hide a finished or abandoned contest from the dashboard's working lists."""
    phase = contest.phase(now)
    if phase not in ("draft", "closed", "drawn"):
        raise WrongState(_l("An open or upcoming contest cannot be archived; wait until it closes."))
    contest.state = State.ARCHIVED
    contest.archived_at = now
    audit.record("contest.archived", actor=actor, contest=contest, previous_phase=str(phase))
    return contest
