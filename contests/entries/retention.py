"""Personal data kept no longer than the rules say: the retention purge.

The rules print "data is kept N months after the end of the contest, then erased or anonymized".
Once that time has passed, the purge erases what identifies each entrant (names, email and its
keys, phone, postal code, birth date, answers, network address, browser, where the form was
embedded, the salt that tied the published commitment to the email) and deletes the mail written
to them. It keeps what a draw needs, so every draw still verifies: the entry's id, status, weight
and commitment (the frozen list's columns, which the database refuses to change anyway) and its
receipt code, with which its owner can still find their anonymous line. Consent records stay
(which wording, which version, when): the proof of consent outlives the data.

Winners' data is kept longer, for the period the organizer sets (delivery proof, disputes), then
erased the same way with what their claim collected. The purge waits while a draw is pending or a
prize may still pass to an alternate: their addresses are still needed to reach them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from dateutil.relativedelta import relativedelta
from sqlalchemy import String, cast, delete, exists, func, literal, select, update

from .. import audit
from ..extensions import db
from ..models import (
    Award,
    AwardStatus,
    Contest,
    Draw,
    DrawState,
    Entry,
    Juror,
    OutboxMessage,
    User,
    Work,
)

#: What an erased entry keeps of its personal columns. identity_key stays unique per entry (the
#: UNIQUE constraint on contest, identity and period) without saying anything of the person.
ERASED = {
    "first_name": "",
    "last_name": "",
    "email": "",
    "email_key": "",
    "phone": None,
    "postal_code": "",
    "birth_date": None,
    "answers": "{}",
    "household_key": "",
    "attribution": "",
    "ip_address": "",
    "user_agent": "",
    "disqualified_reason": "",
    "marketing_opt_in": False,
    "salt": b"",
}
#: What a winner's claim collected, erased with their entry.
ERASED_CLAIM = {
    "postal_address": "",
    "town": "",
    "phone": "",
    "birth_date": None,
    "carrier": "",
    "tracking": "",
}
#: Prizes that may still pass to an alternate: the purge waits for them.
OPEN_CLAIMS = (AwardStatus.TO_NOTIFY, AwardStatus.NOTIFIED)

ENTRANTS, WINNERS = "entrants", "winners"


@dataclass(frozen=True)
class Purge:
    """One purge, done or (dry run) to do."""

    contest_id: int
    slug: str
    phase: str  # ENTRANTS: everyone but the winners; WINNERS: the winners
    entries: int
    mails: int
    winners_kept: int = 0
    claims: int = 0


def retention_end(contest: Contest, winners: bool = False) -> datetime | None:
    """When the contest's entrants' (or winners') data must be gone: months after the end."""
    months = contest.data_retention_months
    if winners and contest.winners_retention_months is not None:
        months = contest.winners_retention_months
    if contest.ends_at is None or months is None:
        return None
    return contest.ends_at + relativedelta(months=months)


def summary(contest: Contest) -> dict:
    """What the organizer sees of the purge: when each phase is due or was done, and why it
    waits."""
    return {
        "entrants_until": retention_end(contest),
        "winners_until": retention_end(contest, winners=True),
        "purged_at": contest.purged_at,
        "winners_purged_at": contest.winners_purged_at,
        "erased": _count((Entry.contest_id == contest.id) & Entry.erased_at.is_not(None)),
        "waiting_for": None if contest.purged_at else waiting_for(contest),
    }


def waiting_for(contest: Contest) -> str | None:
    """Why the purge must wait although the time has come: a draw still to happen, or a prize
    that may still pass to an alternate (their addresses are needed to reach them)."""
    pending = db.session.execute(
        select(
            exists().where(
                Draw.contest_id == contest.id,
                Draw.state == DrawState.COMMITTED,
                Draw.superseded_at.is_(None),
            )
        )
    ).scalar()
    if pending:
        return "draw"
    # A jury on the product judges the entries (and their works) first; a skill contest without
    # one (judged elsewhere, or from before the jury existed) is purged on time.
    jury = exists().where(Juror.contest_id == contest.id)
    if (
        contest.mechanic == "skill"
        and contest.jury_closed_at is None
        and db.session.execute(select(jury)).scalar()
    ):
        return "jury"
    claims = db.session.execute(
        select(
            exists().where(
                Award.entry_id == Entry.id,
                Entry.contest_id == contest.id,
                Award.status.in_(OPEN_CLAIMS),
            )
        )
    ).scalar()
    return "claims" if claims else None


def due(now: datetime) -> list[tuple[int, str]]:
    """(contest id, phase) of each purge whose time has come, oldest end first."""
    candidates = db.session.execute(
        select(Contest)
        .where(
            Contest.ends_at.is_not(None),
            Contest.ends_at <= now,
            Contest.data_retention_months.is_not(None),
            Contest.winners_purged_at.is_(None),
        )
        .order_by(Contest.ends_at)
    ).scalars()
    found = []
    for contest in candidates:
        if contest.purged_at is None:
            end = retention_end(contest)
            if end is not None and end <= now and waiting_for(contest) is None:
                found.append((contest.id, ENTRANTS))
        else:
            end = retention_end(contest, winners=True)
            if end is not None and end <= now:
                found.append((contest.id, WINNERS))
    return found


def _winner_ids(contest: Contest):
    """Entries that were ever told they won (their award rows), as a subquery."""
    return (
        select(Award.entry_id)
        .join(Entry, Entry.id == Award.entry_id)
        .where(Entry.contest_id == contest.id)
    )


def _targets(contest: Contest, phase: str):
    """The entries a phase erases: not yet erased; everyone but the winners, or the winners."""
    condition = (Entry.contest_id == contest.id) & Entry.erased_at.is_(None)
    winners = Entry.id.in_(_winner_ids(contest))
    return condition & (~winners if phase == ENTRANTS else winners)


def erase(ids: list[int], now: datetime, claims: bool = False) -> tuple[int, int]:
    """Erase these entries' personal data and delete the mail written to them (and, with
    ``claims``, what their prize claims collected); return (mails deleted, claims erased)."""
    mails = erased_claims = 0
    for start in range(0, len(ids), 5000):  # bounded statements, whatever the contest's size
        batch = ids[start : start + 5000]
        mails += db.session.execute(
            delete(OutboxMessage).where(OutboxMessage.entry_id.in_(batch))
        ).rowcount
        db.session.execute(delete(Work).where(Work.entry_id.in_(batch)))  # a work is theirs too
        if claims:
            erased_claims += db.session.execute(
                update(Award).where(Award.entry_id.in_(batch)).values(**ERASED_CLAIM)
            ).rowcount
        db.session.execute(
            update(Entry)
            .where(Entry.id.in_(batch))
            .values(
                **ERASED,
                identity_key=literal("erased:") + cast(Entry.id, String),
                erased_at=now,
            )
            .execution_options(synchronize_session=False)
        )
    return mails, erased_claims


def _count(condition) -> int:
    return db.session.execute(select(func.count()).select_from(Entry).where(condition)).scalar()


def purge_contest(
    contest: Contest, phase: str, now: datetime, actor: User | None = None, dry_run: bool = False
) -> Purge | None:
    """Erase one phase of a contest's personal data; None if another worker did it first.

    The claim is a conditional UPDATE of the contest's purge date: of two workers, one purges and
    the other finds it done. A dry run counts what would go and writes nothing.
    """
    stamp = Contest.purged_at if phase == ENTRANTS else Contest.winners_purged_at
    condition = _targets(contest, phase)
    targets = select(Entry.id).where(condition)
    if dry_run:
        mails = db.session.execute(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.entry_id.in_(targets))
        ).scalar()
        kept = _count(Entry.id.in_(_winner_ids(contest))) if phase == ENTRANTS else 0
        return Purge(contest.id, contest.slug, phase, _count(condition), mails, kept)
    claimed = db.session.execute(
        update(Contest).where(Contest.id == contest.id, stamp.is_(None)).values({stamp: now})
    ).rowcount
    if claimed != 1:
        return None
    ids = list(db.session.execute(targets).scalars())
    mails, claims = erase(ids, now, claims=phase == WINNERS)
    kept = _count(Entry.id.in_(_winner_ids(contest))) if phase == ENTRANTS else 0
    result = Purge(contest.id, contest.slug, phase, len(ids), mails, kept, claims)
    audit.record(
        "contest.purged" if phase == ENTRANTS else "contest.winners_purged",
        actor=actor,
        contest=contest,
        entries=result.entries,
        mails=result.mails,
        winners_kept=result.winners_kept,
        claims=result.claims,
    )
    db.session.flush()
    return result
