"""The jury: its members, their personal links, their scores and their signatures.

Jurors have no account: each gets a personal link (only its SHA-256 is stored, like a password)
that opens their scoring page. They judge blind (a work is shown by its entry number, never by
its author's name), after the close, each work on each published criterion. Signing the
procès-verbal makes their scores final; the deliberation closes when every juror has signed.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, insert, select, update

from .. import audit
from ..errors import ValidationFailed, WrongState
from ..extensions import db
from ..mail import queue_mail
from ..models import Contest, Entry, EntryStatus, Juror, JuryScore, Phase, User, Work
from .criteria import Criterion, criteria_or_empty


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _open_jury(contest: Contest) -> None:
    if contest.mechanic != "skill":
        raise WrongState(_l("Only a skill contest has a jury."))
    if contest.jury_closed_at is not None:
        raise WrongState(_l("The deliberation is closed: the jury can no longer change."))


def add_juror(
    contest: Contest, name: str, email: str, actor: User | None, base_url: str
) -> tuple[Juror, str]:
    """A new juror and their personal link, mailed to them (and shown once to the organizer)."""
    _open_jury(contest)
    name = " ".join((name or "").split())
    problems: dict[str, list] = {}
    if not 2 <= len(name) <= 120:
        problems["name"] = [_l("Give the juror's name (2 to 120 characters).")]
    try:
        email = validate_email(email or "", check_deliverability=False).normalized
    except EmailNotValidError:
        problems["email"] = [_l("Give the juror's email address.")]
    if problems:
        raise ValidationFailed(problems)
    token = secrets.token_urlsafe(24)
    juror = Juror(contest_id=contest.id, name=name, email=email, token_sha256=_digest(token))
    db.session.add(juror)
    db.session.flush()
    url = jury_url(base_url, token)
    with force_locale(contest.language):
        queue_mail(
            email,
            str(_l("You are on the jury of “%(title)s”", title=contest.title)),
            str(
                _l(
                    "Hello %(name)s,\n\n%(organizer)s has named you a member of the jury of "
                    "“%(title)s”. Once the contest has closed, your personal page shows each work "
                    "(by its number, without its author's name) and the criteria to score it "
                    "on:\n\n%(url)s\n\nThis link is yours alone: do not pass it on. When every "
                    "work is scored, sign the jury's report (procès-verbal) on the same page.\n",
                    name=name,
                    organizer=contest.legal_name or contest.organization.name,
                    title=contest.title,
                    url=url,
                )
            ),
            sender_name=contest.sender_name,
            reply_to=contest.reply_address,
        )
    audit.record("jury.juror_added", actor=actor, contest=contest, juror=juror.id, name=name)
    return juror, url


def jury_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/jury/{token}"


def juror_for_token(token: str) -> Juror | None:
    if not token or len(token) > 100:
        return None
    return db.session.execute(
        select(Juror).where(Juror.token_sha256 == _digest(token))
    ).scalar_one_or_none()


def jurors_of(contest: Contest) -> list[Juror]:
    return list(
        db.session.execute(
            select(Juror).where(Juror.contest_id == contest.id).order_by(Juror.id)
        ).scalars()
    )


def remove_juror(contest: Contest, juror: Juror, actor: User | None) -> None:
    """A juror who has not signed leaves the jury with their scores."""
    _open_jury(contest)
    if juror.contest_id != contest.id:
        raise WrongState(_l("This juror is not on this contest's jury."))
    if juror.signed_at is not None:
        raise WrongState(_l("A juror who signed the procès-verbal stays on the jury."))
    db.session.delete(juror)
    audit.record("jury.juror_removed", actor=actor, contest=contest, juror=juror.id)


def _judged(contest: Contest) -> tuple:
    """The entries the jury judges: confirmed, not disqualified, not erased."""
    return (
        Entry.contest_id == contest.id,
        Entry.status == EntryStatus.CONFIRMED,
        Entry.disqualified_at.is_(None),
        Entry.erased_at.is_(None),
    )


def works_to_judge(contest: Contest) -> list[tuple[Entry, Work | None]]:
    """The entries the jury judges, by number, with their works (pictures not loaded)."""
    rows = db.session.execute(
        select(Entry, Work)
        .outerjoin(Work, Work.entry_id == Entry.id)
        .where(*_judged(contest))
        .order_by(Entry.number)
    ).all()
    return [(entry, work) for entry, work in rows]


def scores_of(juror: Juror) -> dict[tuple[int, int], int]:
    """(entry id, criterion) -> points, as this juror gave them."""
    rows = db.session.execute(
        select(JuryScore.entry_id, JuryScore.criterion, JuryScore.points).where(
            JuryScore.juror_id == juror.id
        )
    ).all()
    return {(entry_id, criterion): points for entry_id, criterion, points in rows}


def _judging(contest: Contest, juror: Juror, now: datetime) -> list[Criterion]:
    _open_jury(contest)
    if juror.signed_at is not None:
        raise WrongState(_l("You have signed the procès-verbal: your scores are final."))
    if contest.phase(now) != Phase.CLOSED:
        raise WrongState(_l("The jury scores the works once the contest has closed."))
    return criteria_or_empty(contest.jury_criteria)


def record_scores(
    contest: Contest, juror: Juror, raw: dict[tuple[int, int], str], now: datetime
) -> int:
    """Save the points a juror typed (entry number, criterion) -> text; blanks are left unscored.
    Every value is checked before anything is written."""
    criteria = _judging(contest, juror, now)
    entries = {entry.number: entry.id for entry, _ in works_to_judge(contest)}
    problems: dict[str, list] = {}
    rows = []
    for (number, criterion), text in sorted(raw.items()):
        if not (text or "").strip():
            continue
        limit = criteria[criterion - 1].points if 1 <= criterion <= len(criteria) else None
        value = text.strip()
        if number not in entries or limit is None:
            raise WrongState(_l("This work or criterion is not in this contest."))
        if not value.isdigit() or not 0 <= int(value) <= limit:
            problems[f"s_{number}_{criterion}"] = [
                _l("A whole number from 0 to %(max)d.", max=limit)
            ]
            continue
        rows.append(
            {
                "juror_id": juror.id,
                "entry_id": entries[number],
                "criterion": criterion,
                "points": int(value),
                "scored_at": now,
            }
        )
    if problems:
        raise ValidationFailed(problems)
    if rows:
        db.session.execute(
            delete(JuryScore).where(
                JuryScore.juror_id == juror.id,
                JuryScore.entry_id.in_({row["entry_id"] for row in rows}),
            )
        )
        db.session.execute(insert(JuryScore.__table__), rows)
    return len(rows)


def missing_scores(contest: Contest, juror: Juror) -> int:
    """How many (work, criterion) this juror has still to score."""
    judged = db.session.execute(
        select(func.count()).select_from(Entry).where(*_judged(contest))
    ).scalar()
    given = db.session.execute(
        select(func.count())
        .select_from(JuryScore)
        .join(Entry, Entry.id == JuryScore.entry_id)
        .where(JuryScore.juror_id == juror.id, *_judged(contest))
    ).scalar()
    needed = judged * len(criteria_or_empty(contest.jury_criteria))
    return max(needed - given, 0)


def sign(contest: Contest, juror: Juror, now: datetime) -> None:
    """The juror signs the procès-verbal: every work scored, and no change after."""
    _judging(contest, juror, now)
    if missing_scores(contest, juror):
        raise WrongState(_l("Score every work on every criterion before signing."))
    signed = db.session.execute(
        update(Juror)
        .where(Juror.id == juror.id, Juror.signed_at.is_(None))
        .values(signed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if signed != 1:
        raise WrongState(_l("You have signed the procès-verbal: your scores are final."))
    juror.signed_at = now
    audit.record("jury.signed", contest=contest, juror=juror.id, name=juror.name)
