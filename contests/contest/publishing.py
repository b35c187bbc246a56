"""Moving a contest through its life: draft -> published -> (drawn) -> archived."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from .. import audit
from ..entries.numbering import ensure_numbering
from ..errors import PublishRefused, WrongState
from ..extensions import db
from ..models import Contest, Phase, State, User
from ..rules.registration import us_registration_warnings
from ..rules.templates import missing_fields
from ..rules.versions import contest_template, no_template_label, publish_rules, templates_root
from ..winners.commitment import commit_draw


class Missing(NamedTuple):
    """One thing to fill before publishing: what the reader is told, and the contest field that
    holds it (None for a prize), which the admin links to. Reads as its label."""

    label: Any
    field: str | None = None

    def __str__(self) -> str:
        return str(self.label)


def missing_for_publish(contest: Contest, now: datetime) -> list[Missing]:
    """List, in the rules manifest's order and the reader's language, what must be filled first.

    The rules template of the contest's jurisdiction and mechanic decides what is required
    (rules_templates/*/fields.yaml): the rules cannot be printed without it.
    """
    template = contest_template(contest)
    if template is None:
        return [Missing(no_template_label(contest), "jurisdiction")]
    language = str(get_locale() or "en")
    missing = [
        Missing(field.label_in(language), field.name) for field in missing_fields(contest, template)
    ]
    if not contest.prizes:
        missing.append(Missing(_l("At least one prize")))
    if contest.jurisdiction == "US" and any(p.currency != "USD" for p in contest.prizes):
        # New York's and Florida's $5,000 registration test is in dollars: a euro value would
        # slip under it unconverted.
        missing.append(Missing(_l("Prize values in US dollars (the $5,000 registration test)")))
    if contest.ends_at is not None and contest.ends_at <= now:
        missing.append(Missing(_l("A closing date in the future"), "ends_at"))
    if contest.selects_before_close:
        missing.append(Missing(_l("A date of selection of the winners after the close"), "draw_at"))
    return missing


def legal_warnings(contest: Contest, now: datetime) -> list:
    """What the law of the contest's country asks of the organizer that the product cannot check
    (US state registration and bonding), in the reader's language; shown, never blocking."""
    return us_registration_warnings(contest, templates_root(), now, str(get_locale() or "en"))


def publish_contest(
    contest: Contest, actor: User | None, now: datetime, base_url: str | None = None
) -> Contest:
    """Publish a complete draft: its terms and rules are frozen from here on (amendments excepted).

    ``base_url`` is the public address printed in the rules (the request's host; by default the
    configured BASE_URL).
    """
    if contest.state != State.DRAFT:
        raise WrongState(_l("Only a draft can be published."))
    missing = missing_for_publish(contest, now)
    if missing:
        raise PublishRefused(missing)
    # A conditional UPDATE, not the state read above: of two organizers pressing Publish at once,
    # the second waits for the first and then finds no draft left to publish.
    claimed = db.session.execute(
        update(Contest)
        .where(Contest.id == contest.id, Contest.state == State.DRAFT)
        .values(state=State.PUBLISHED, published_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise WrongState(_l("Only a draft can be published."))
    contest.state = State.PUBLISHED
    contest.published_at = now
    ensure_numbering(contest.id)  # before any entry, even for a row not made by create_contest
    audit.record("contest.published", actor=actor, contest=contest, slug=contest.slug)
    if contest.mechanic == "random_draw":
        commit_draw(contest, actor, now)  # the specification is fixed before any entry
    publish_rules(contest, actor, now, base_url)  # after the commitment: the rules print its hash
    return contest


def archive_contest(contest: Contest, actor: User | None, now: datetime) -> Contest:
    """Hide a finished or abandoned contest from the dashboard's working lists."""
    phase = contest.phase(now)
    if phase not in (Phase.DRAFT, Phase.CLOSED, Phase.DRAWN):
        raise WrongState(
            _l("An open or upcoming contest cannot be archived; wait until it closes.")
        )
    contest.state = State.ARCHIVED
    contest.archived_at = now
    audit.record("contest.archived", actor=actor, contest=contest, previous_phase=str(phase))
    return contest
