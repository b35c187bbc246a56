"""Creating and editing contests and their prizes while they are drafts."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from slugify import slugify
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import audit
from ..entries.numbering import ensure_numbering
from ..errors import ContestLocked, ValidationFailed
from ..extensions import db
from ..models import Contest, Organization, Prize, Question, State, User
from ..timezones import local_to_utc
from . import brand_kit

#: Contest columns a form or an import may set (the rest is state the app manages).
EDITABLE_FIELDS = (
    "title",
    "slug",
    "description",
    "language",
    "jurisdiction",
    "mechanic",
    "timezone",
    "min_age",
    "territory",
    "exclusions",
    "entry_policy",
    "alternates_per_prize",
    "phone_field",
    "postal_code_field",
    "ask_birth_date",
    "double_opt_in",
    "draw_algorithm",
    "entropy_sources",
    "entropy_format",
    "tie_breaker_question",
    "jury_description",
    "jury_criteria",
    "work_kind",
    "work_prompt",
    "legal_name",
    "legal_form",
    "registration_number",
    "legal_address",
    "contact_email",
    "dpo_contact",
    "data_retention_months",
    "winners_retention_months",
    "share_capital",
    "agency",
    "bailiff",
    "consumer_mediator",
    "claim_days",
    "governing_law",
    "free_entry_route",
    "promoted_on_meta",
    "ny_fl_registered",
    "skill_testing_question",
    "data_recipients",
    "data_transfers",
)
NULLABLE_FIELDS = ("min_age", "data_retention_months", "winners_retention_months", "claim_days")
#: Fields that hold wall-clock times in the contest's zone and are stored as UTC.
LOCAL_TIME_FIELDS = ("starts_at", "ends_at", "draw_at")
PRIZE_FIELDS = ("title", "description", "quantity", "currency", "delivery")


def slug_taken(slug: str, exclude_id: int | None = None) -> bool:
    query = select(func.count()).select_from(Contest).where(Contest.slug == slug)
    if exclude_id is not None:
        query = query.where(Contest.id != exclude_id)
    return db.session.execute(query).scalar() > 0


def free_slug(title: str) -> str:
    """Make a URL-safe slug from a title ("Gagnez un séjour à Noël" ->
    "gagnez-un-sejour-a-noel")."""
    base = slugify(title, max_length=70, word_boundary=True) or "contest"
    if len(base) < 3:
        base = f"{base}-contest"
    candidate, n = base, 2
    while slug_taken(candidate):
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def apply_values(contest: Contest, values: dict) -> None:
    """Set the given terms (wall-clock times read in the contest's zone); no state check, no
    audit."""
    for name in EDITABLE_FIELDS:
        if name in values:
            value = values[name]
            if isinstance(value, str):
                value = value.strip()
            elif value is None and name not in NULLABLE_FIELDS:
                value = ""
            setattr(contest, name, value)
    for name in LOCAL_TIME_FIELDS:
        if name in values:
            wall = values[name]
            setattr(contest, name, local_to_utc(wall, contest.timezone) if wall else None)


def _check_slug(values: dict, contest_id: int | None) -> None:
    slug = values.get("slug")
    if slug and slug_taken(slug, exclude_id=contest_id):
        raise ValidationFailed(
            {"slug": [_l("The address “%(slug)s” is already used by another contest.", slug=slug)]}
        )


def _flush_guarding_slug(slug: str) -> None:
    """Turn the UNIQUE constraint's refusal (a concurrent claim of the slug) into a field error.

    The failed flush leaves the transaction to be rolled back by the caller, as for any error.
    """
    try:
        db.session.flush()
    except IntegrityError:
        raise ValidationFailed(
            {"slug": [_l("The address “%(slug)s” is already used by another contest.", slug=slug)]}
        ) from None


def create_contest(organization: Organization, values: dict, actor: User | None) -> Contest:
    """Create a draft contest from validated field values (wall-clock dates in its zone)."""
    _check_slug(values, None)
    contest = Contest(organization_id=organization.id, state=State.DRAFT)
    brand_kit.inherit(contest, organization)
    apply_values(contest, values)
    if not contest.slug:
        contest.slug = free_slug(contest.title)
    db.session.add(contest)
    _flush_guarding_slug(contest.slug)
    ensure_numbering(contest.id)
    audit.record("contest.created", actor=actor, contest=contest, slug=contest.slug)
    return contest


def require_draft(contest: Contest) -> None:
    if contest.state != State.DRAFT:
        raise ContestLocked(_l("Only draft contests can be edited."))


def update_contest(contest: Contest, values: dict, actor: User | None) -> Contest:
    """Change a draft's terms; once published, changes go through rules amendments instead."""
    require_draft(contest)
    _check_slug(values, contest.id)
    apply_values(contest, values)
    if not contest.slug:
        contest.slug = free_slug(contest.title)
    _flush_guarding_slug(contest.slug)
    audit.record("contest.updated", actor=actor, contest=contest)
    return contest


def _apply_prize(prize: Prize, values: dict) -> None:
    for name in PRIZE_FIELDS:
        if name in values:
            value = values[name]
            setattr(prize, name, value.strip() if isinstance(value, str) else value)
    if "unit_value" in values:
        prize.unit_value_minor = values["unit_value"]
    if values.get("position") is not None:
        prize.position = values["position"]


def add_prize(contest: Contest, values: dict, actor: User | None) -> Prize:
    require_draft(contest)
    position = values.get("position")
    if position is None:
        position = max((p.position for p in contest.prizes), default=0) + 1
    prize = Prize(description="", position=position)
    _apply_prize(prize, values)
    contest.prizes.append(prize)
    db.session.flush()
    audit.record(
        "prize.created", actor=actor, contest=contest, prize_id=prize.id, title=prize.title
    )
    return prize


def update_prize(prize: Prize, values: dict, actor: User | None) -> Prize:
    require_draft(prize.contest)
    _apply_prize(prize, values)
    db.session.flush()
    audit.record("prize.updated", actor=actor, contest=prize.contest, prize_id=prize.id)
    return prize


def delete_prize(prize: Prize, actor: User | None) -> None:
    contest = prize.contest
    require_draft(contest)
    audit.record(
        "prize.deleted", actor=actor, contest=contest, prize_id=prize.id, title=prize.title
    )
    contest.prizes.remove(prize)
    db.session.flush()


def add_question(contest: Contest, values: dict, actor: User | None) -> Question:
    """Add a custom question to a draft's entry form."""
    require_draft(contest)
    question = Question(
        label=values["label"].strip(),
        kind=values["kind"],
        choices="\n".join(
            line.strip() for line in (values.get("choices") or "").splitlines() if line.strip()
        ),
        required=bool(values.get("required")),
        position=max((q.position for q in contest.questions), default=0) + 1,
    )
    contest.questions.append(question)
    db.session.flush()
    audit.record(
        "question.created",
        actor=actor,
        contest=contest,
        question_id=question.id,
        label=question.label,
    )
    return question


def delete_question(question: Question, actor: User | None) -> None:
    contest = question.contest
    require_draft(contest)
    audit.record("question.deleted", actor=actor, contest=contest, question_id=question.id)
    contest.questions.remove(question)
    db.session.flush()
