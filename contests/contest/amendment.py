"""Amendments (avenants): changing a published contest's terms produces the next version of its
rules.

Only terms outside the published draw commitment may change; the new text is frozen with its
hash like the first, and the change is audited with the organizer's summary.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from .. import audit
from ..errors import ValidationFailed, WrongState
from ..extensions import db
from ..models import Contest, RulesVersion, State, User
from ..rules.templates import content_hash, missing_fields
from ..rules.versions import add_version, contest_template, current_version, render_current_terms
from ..timezones import NonexistentLocalTime
from .editing import apply_values

#: What an amendment may change. Dates, prizes, eligibility of the draw and its sources are in the
#: published draw commitment, so changing them would break the promise made to entrants.
AMENDABLE_FIELDS = (
    "description",
    "exclusions",
    "legal_name",
    "legal_form",
    "share_capital",
    "registration_number",
    "legal_address",
    "contact_email",
    "agency",
    "dpo_contact",
    "data_retention_months",
    "winners_retention_months",
    "data_recipients",
    "data_transfers",
    "bailiff",
    "consumer_mediator",
    "claim_days",
    "draw_at",
    "governing_law",
    "free_entry_route",
    "promoted_on_meta",
    "ny_fl_registered",
    "skill_testing_question",
)


def amend_rules(
    contest: Contest,
    values: dict,
    summary: str,
    actor: User | None,
    now: datetime,
    base_url: str | None = None,
) -> RulesVersion:
    """Change amendable terms of a published contest and freeze the new text as the next version."""
    if contest.state != State.PUBLISHED:
        raise WrongState(_l("Only the rules of a published contest can be amended."))
    summary = (summary or "").strip()
    if not summary:
        raise ValidationFailed({"summary": [_l("Say in a sentence what the amendment changes.")]})
    unknown = set(values) - set(AMENDABLE_FIELDS)
    if unknown:
        raise ValidationFailed(
            {
                name: [
                    _l("This term is part of the published draw commitment and cannot be amended.")
                ]
                for name in sorted(unknown)
            }
        )
    if (
        "ny_fl_registered" in values
        and bool(values["ny_fl_registered"]) != bool(contest.ny_fl_registered)
        and contest.starts_at is not None
        and contest.starts_at <= now
    ):
        # Florida freezes the rules filed with it, and New York and Florida residents would
        # become eligible (or be excluded) in the middle of the contest.
        raise ValidationFailed(
            {
                "ny_fl_registered": [
                    _l(
                        "Registration in New York and Florida cannot change once the contest "
                        "has started: eligibility would change during the contest, and Florida "
                        "does not allow the rules filed with it to change."
                    )
                ]
            }
        )
    lock(contest, now)
    template, previous = _published_rules(contest)
    try:
        apply_values(contest, values)
    except NonexistentLocalTime:
        raise ValidationFailed(
            {
                "draw_at": [
                    _l(
                        "This time does not exist in %(zone)s (the clocks go forward). Pick "
                        "another time.",
                        zone=contest.timezone,
                    )
                ]
            }
        ) from None
    missing = missing_fields(contest, template)
    if missing:
        raise ValidationFailed({f.name: [_l("This field is required.")] for f in missing})
    if contest.selects_before_close:
        raise ValidationFailed(
            {"draw_at": [_l("The winners cannot be selected before the closing date.")]}
        )
    row = next_version(contest, template, previous, summary, actor, now, base_url)
    audit.record(
        "rules.amended",
        actor=actor,
        contest=contest,
        version=row.number,
        sha256=row.sha256,
        summary=summary,
        fields=sorted(values),
    )
    return row


def lock(contest: Contest, now: datetime) -> None:
    """Lock the contest row first (SQLite: the write lock) so that amendments saved at the same
    moment run one after the other, each numbered after the one before."""
    db.session.execute(
        update(Contest)
        .where(Contest.id == contest.id)
        .values(updated_at=now)
        .execution_options(synchronize_session=False)
    )


def _published_rules(contest: Contest):
    template = contest_template(contest)
    previous = current_version(contest)
    if template is None or previous is None:
        raise WrongState(_l("This contest has no published rules to amend."))
    return template, previous


def next_version(
    contest: Contest,
    template,
    previous: RulesVersion | None,
    summary: str,
    actor: User | None,
    now: datetime,
    base_url: str | None,
) -> RulesVersion:
    """Freeze the rules as the terms now stand as the next version; refused if the text is the
    same as the last one (an amendment that changes nothing)."""
    if template is None or previous is None:
        template, previous = _published_rules(contest)
    html = render_current_terms(contest, template, base_url)
    if content_hash(html) == previous.sha256:
        raise ValidationFailed(
            {
                "summary": [
                    _l("These changes leave the rules text as it is; there is nothing to amend.")
                ]
            }
        )
    return add_version(contest, template, html, summary, actor, now)
