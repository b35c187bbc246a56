"""A winner's claim: notified with a signed link and a deadline, answered (claim or decline),
passed on to the next alternate when declined or left to expire, then shipped or handed over.

Every change is an audit event. The deadline is the rules' promise ("N days from the mail"):
it is counted from the first notification, and the worker (``jobs.pass_on_prizes``) enforces it.
Passing a prize on is claimed by one conditional UPDATE, so two workers never substitute twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import or_, select, update

from .. import audit
from ..entries.submission import birth_date_problem, default_region, phone_invalid
from ..errors import DomainError, ValidationFailed, WrongState
from ..extensions import db
from ..identity import InvalidPhone, normalize_phone
from ..models import Award, AwardStatus, Draw, DrawState, Entry, User
from .awards import open_awards
from .notices import queue_passed_on, queue_shipped, queue_won
from .substitution import substitute_winner

CLAIM_SALT = "prize-claim"
#: A claim link outlives any claim period; the deadline stored on the award is what decides.
LINK_MAX_AGE = timedelta(days=400)


class InvalidClaimLink(DomainError):
    """The link was altered, or names no award."""


@dataclass(frozen=True)
class Requirements:
    """What the claim page asks, from the contest's rules: a birth date to confirm when the
    contest has an age limit, the affidavit and publicity release where the rules (US) require
    them, and how publication of the winner's name is agreed: consent (France and most), an
    objection (UK, CAP 8.28.5), or the release (US). A postal address only for a prize that is
    shipped (not for one collected on site or sent by email)."""

    address: bool
    birth_date: bool
    release: bool
    publication: str  # "consent", "objection" or ""


def requirements(contest, prize=None) -> Requirements:
    us = contest.jurisdiction == "US"
    return Requirements(
        address=prize is None or prize.delivery == "shipped",
        birth_date=bool(contest.min_age or contest.ask_birth_date),
        release=us,
        publication="" if us else ("objection" if contest.jurisdiction == "GB" else "consent"),
    )


@dataclass(frozen=True)
class ClaimInput:
    postal_address: str
    phone: str
    town: str = ""
    birth_date: date | None = None
    release_accepted: bool = False
    publication_ok: bool = False


def prize_of(award: Award):
    """The contest's prize this award holds (prizes are numbered by position from 1)."""
    prizes = list(award.draw.contest.prizes)
    return prizes[award.prize_position - 1] if 0 < award.prize_position <= len(prizes) else None


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=CLAIM_SALT)


def claim_token(award: Award) -> str:
    return _serializer().dumps({"a": award.id, "e": award.entry_id})


def award_for_token(token: str) -> Award:
    try:
        payload = _serializer().loads(token, max_age=int(LINK_MAX_AGE.total_seconds()))
    except BadSignature:
        raise InvalidClaimLink("invalid claim link") from None
    award = db.session.get(Award, payload.get("a")) if isinstance(payload, dict) else None
    if award is None or award.entry_id != payload.get("e"):
        raise InvalidClaimLink("invalid claim link")
    return award


def claim_url(base_url: str, award: Award) -> str:
    return f"{base_url.rstrip('/')}/claim/{claim_token(award)}"


def _event(action: str, award: Award, actor: User | None, **data) -> None:
    audit.record(
        action,
        actor=actor,
        contest=award.draw.contest,
        draw_id=award.draw_id,
        award_id=award.id,
        entry_id=award.entry_id,
        prize_position=award.prize_position,
        **data,
    )


def notify(award: Award, base_url: str, now: datetime, actor: User | None) -> None:
    """Mail the winner their claim link. The first mail starts the claim period; sending it again
    (a lost mail) keeps the deadline."""
    if award.status not in (AwardStatus.TO_NOTIFY, AwardStatus.NOTIFIED):
        raise WrongState(_l("This winner has already answered."))
    contest = award.draw.contest
    if award.status == AwardStatus.TO_NOTIFY:
        award.status = AwardStatus.NOTIFIED
        award.notified_at = now
        award.deadline_at = now + timedelta(days=contest.claim_days or 30)
    elif award.deadline_at <= now:
        raise WrongState(_l("The claim period has ended."))
    award.updated_at = now
    db.session.flush()
    queue_won(award, claim_url(base_url, award))
    _event("award.notified", award, actor, deadline=award.deadline_at.isoformat())


#: UK rules promise prizes within this many days of the claim (CAP Code 8.28.1: 30 unless stated).
UK_DELIVERY_DAYS = 30


def send_by(contest, awards: list[Award]) -> dict[int, datetime]:
    """When each claimed prize must be sent by, for rules that print a delivery time (UK)."""
    if contest.jurisdiction != "GB":
        return {}
    return {
        a.id: a.answered_at + timedelta(days=UK_DELIVERY_DAYS)
        for a in awards
        if a.status == AwardStatus.CLAIMED and a.answered_at
    }


#: The rules promise that each winner is told within this many days of the draw: winners the
#: organizer has not notified by then are notified by the worker (``notify_late``).
NOTIFY_WITHIN_DAYS = 7


#: Draws older than this are left to their organizer: made before the worker kept the promise
#: (their rules did not print it), their winners may have been told some other way.
NOTIFY_LOOKBACK_DAYS = 30


def due_to_notify(now: datetime, limit: int) -> list[int]:
    """Awards still waiting for their first mail from draws made ``NOTIFY_WITHIN_DAYS`` ago or
    more (a day before the promise runs out, so the mail is out in time), and not more than
    ``NOTIFY_LOOKBACK_DAYS`` ago."""
    since = now - timedelta(days=NOTIFY_WITHIN_DAYS - 1)
    return list(
        db.session.execute(
            select(Award.id)
            .join(Draw, Draw.id == Award.draw_id)
            .where(
                Award.status == AwardStatus.TO_NOTIFY,
                Draw.drawn_at <= since,
                Draw.drawn_at >= now - timedelta(days=NOTIFY_LOOKBACK_DAYS),
            )
            .order_by(Award.id)
            .limit(limit)
        ).scalars()
    )


def notify_late(award_id: int, base_url: str, now: datetime) -> bool:
    """Notify a winner the organizer has not notified in time; False when another worker (or
    the organizer's button) got there first. The conditional UPDATE is the claim."""
    award = _claim(award_id, Award.status == AwardStatus.TO_NOTIFY, now)
    if award is None:
        return False
    notify(award, base_url, now, None)
    return True


def _claim(award_id: int, condition, now: datetime) -> Award | None:
    """Take an award for this worker with a conditional UPDATE (on PostgreSQL a second worker
    waits on the row, then finds the condition no longer holds; on SQLite writers take turns);
    the award as it now is, or None when it was no longer due."""
    taken = db.session.execute(
        update(Award)
        .where(Award.id == award_id, condition)
        .values(updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if taken != 1:
        return None
    award = db.session.get(Award, award_id)
    db.session.refresh(award)
    return award


def notify_all(draw: Draw, base_url: str, now: datetime, actor: User | None) -> int:
    """Notify every winner of the draw not yet notified; return how many."""
    if draw.state != DrawState.DRAWN:
        raise WrongState(_l("Winners are notified once the draw has taken place."))
    open_awards(draw)
    due = db.session.execute(
        select(Award).where(Award.draw_id == draw.id, Award.status == AwardStatus.TO_NOTIFY)
    ).scalars()
    count = 0
    for award in due:
        notify(award, base_url, now, actor)
        count += 1
    return count


def _open_for_answer(award: Award, now: datetime) -> None:
    if award.status != AwardStatus.NOTIFIED:
        raise WrongState(_l("This prize has already been answered for."))
    if award.deadline_at <= now:
        raise WrongState(_l("The claim period has ended."))


def claim_problems(award: Award, data: ClaimInput, now: datetime) -> dict[str, list]:
    contest, entry = award.draw.contest, award.entry
    needs = requirements(contest, prize_of(award))
    errors: dict[str, list] = {}
    address = data.postal_address.strip()
    if not needs.address:
        pass
    elif not address:
        errors["postal_address"] = [_l("Enter the address where the prize should be sent.")]
    elif len(address) > 500 or any(ord(c) < 32 and c not in "\r\n" for c in address):
        errors["postal_address"] = [_l("Enter a postal address of at most 500 characters.")]
    town = " ".join(data.town.split())
    if not town or len(town) > 100:
        errors["town"] = [
            _l("Enter your county (at most 100 characters).")
            if contest.jurisdiction == "GB"
            else _l("Enter your town (at most 100 characters).")
        ]
    try:
        normalize_phone(data.phone, default_region(contest))
    except InvalidPhone:
        errors["phone"] = [phone_invalid(default_region(contest))]
    if needs.birth_date:
        if data.birth_date is None:
            errors["birth_date"] = [_l("Confirm your date of birth.")]
        elif entry.birth_date and data.birth_date != entry.birth_date:
            errors["birth_date"] = [_l("This is not the date of birth given when entering.")]
        elif problem := birth_date_problem(data.birth_date, contest.min_age, contest.timezone, now):
            errors["birth_date"] = [problem]
    if needs.release and not data.release_accepted:
        errors["release_accepted"] = [
            _l("The rules require the affidavit of eligibility and the release to be accepted.")
        ]
    return errors


def claim_prize(award: Award, data: ClaimInput, now: datetime) -> None:
    """The winner accepts the prize and gives what delivery and the rules need."""
    _open_for_answer(award, now)
    errors = claim_problems(award, data, now)
    if errors:
        raise ValidationFailed(errors)
    contest = award.draw.contest
    needs = requirements(contest, prize_of(award))
    lines = data.postal_address.strip().splitlines() if needs.address else []
    award.postal_address = "\n".join(line.strip() for line in lines if line.strip())
    award.phone = normalize_phone(data.phone, default_region(contest))
    award.town = " ".join(data.town.split())
    award.birth_date = data.birth_date
    award.release_accepted = data.release_accepted
    if needs.publication == "consent":
        award.publication = "agreed" if data.publication_ok else "refused"
    elif needs.publication == "objection":
        award.publication = "refused" if data.publication_ok else "agreed"
    else:
        award.publication = "agreed" if data.release_accepted else ""
    award.status = AwardStatus.CLAIMED
    award.answered_at = award.updated_at = now
    db.session.flush()
    _event("award.claimed", award, None, publication=award.publication)


def decline_prize(award: Award, now: datetime) -> None:
    """The winner gives the prize up; the worker passes it to the next alternate."""
    _open_for_answer(award, now)
    award.status = AwardStatus.DECLINED
    award.answered_at = award.updated_at = now
    db.session.flush()
    _event("award.declined", award, None)


def _due(now: datetime):
    return or_(
        Award.status == AwardStatus.DECLINED,
        (Award.status == AwardStatus.NOTIFIED) & (Award.deadline_at <= now),
    )


def due_to_pass_on(now: datetime, limit: int) -> list[int]:
    """Awards declined or past their deadline, oldest first."""
    return list(
        db.session.execute(
            select(Award.id).where(_due(now)).order_by(Award.id).limit(limit)
        ).scalars()
    )


def pass_on(award_id: int, base_url: str, now: datetime) -> bool:
    """Give a declined or expired prize to the next alternate, notify them with a fresh deadline
    and tell the original winner. Returns False when another worker got there first.

    The conditional UPDATE is the claim (``_claim``). The substitution's own optimistic check on
    the record is a second guard.
    """
    award = _claim(award_id, _due(now), now)
    if award is None:
        return False
    reason = "declined" if award.status == AwardStatus.DECLINED else "unclaimed"
    if reason == "unclaimed":
        award.status = AwardStatus.EXPIRED
        _event("award.expired", award, None, deadline=award.deadline_at.isoformat())
    substitution = substitute_winner(award.draw, award.entry.number, reason, None, now)
    queue_passed_on(award, reason)
    successor = substitution["by_entry_id"]
    if successor is not None:
        new = db.session.execute(
            select(Award)
            .join(Entry, Entry.id == Award.entry_id)
            .where(Award.draw_id == award.draw_id, Entry.number == successor)
        ).scalar_one()
        notify(new, base_url, now, None)
    return True


def mark_shipped(award: Award, carrier: str, tracking: str, now: datetime, actor: User) -> None:
    if award.status != AwardStatus.CLAIMED:
        raise WrongState(_l("Only a claimed prize can be shipped."))
    carrier, tracking = " ".join(carrier.split()), " ".join(tracking.split())
    errors = {}
    if not carrier or len(carrier) > 100:
        errors["carrier"] = [_l("Name the carrier (at most 100 characters).")]
    if len(tracking) > 100:
        errors["tracking"] = [_l("A tracking number has at most 100 characters.")]
    if errors:
        raise ValidationFailed(errors)
    award.carrier, award.tracking = carrier, tracking
    award.status, award.shipped_at, award.updated_at = AwardStatus.SHIPPED, now, now
    db.session.flush()
    queue_shipped(award)
    _event("award.shipped", award, actor, carrier=carrier, tracking=tracking)


def _hand(award: Award, required: str, status: str, now: datetime, actor, refusal) -> None:
    if award.status != required:
        raise WrongState(refusal)
    award.status, award.delivered_at, award.updated_at = status, now, now
    db.session.flush()
    _event(f"award.{status}", award, actor)


def mark_delivered(award: Award, now: datetime, actor: User) -> None:
    refusal = _l("Only a shipped prize can be marked delivered.")
    _hand(award, AwardStatus.SHIPPED, AwardStatus.DELIVERED, now, actor, refusal)


def mark_handed_over(award: Award, now: datetime, actor: User) -> None:
    """Collected on site, or a digital prize sent: the winner has it."""
    refusal = _l("Only a claimed prize can be handed over.")
    _hand(award, AwardStatus.CLAIMED, AwardStatus.HANDED_OVER, now, actor, refusal)


def withhold_name(award: Award, now: datetime, actor: User) -> None:
    """Record a winner's objection or withdrawn consent received outside the claim page (a mail
    to the contact address): the name is no longer published nor given on request."""
    if award.publication == "refused":
        raise WrongState(_l("This winner's name is already withheld."))
    award.publication, award.updated_at = "refused", now
    db.session.flush()
    _event("award.name_withheld", award, actor)
