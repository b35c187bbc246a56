"""The jury's ranking: scores averaged over the jurors, the tie-breaker applied, frozen once.

Each work's score is the sum, over the criteria, of the jurors' mean points (exact fractions,
printed to two decimals). Equal scores are separated by the tie-breaker question: the answer
closest to the exact value the organizer noted at the close wins; then the entry recorded first
(its lower number). The first ranks take the prizes in the rules' order, the next ones are the
alternates (suppléants), in order. Closing the deliberation freezes this ranking on the contest
with its SHA-256 and mails the winners; nothing changes it after.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from fractions import Fraction

from flask import render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from .. import audit
from ..entries.rights import mail_entrant
from ..errors import ValidationFailed, WrongState
from ..extensions import db
from ..models import Contest, Entry, JuryScore, Phase, User
from .criteria import criteria_or_empty
from .panel import jurors_of, works_to_judge


def _two_decimals(value: Fraction) -> str:
    return f"{float(value):.2f}"


def compute_ranking(contest: Contest) -> dict:
    """The ranking as the scores stand (JSON-ready; what closing the deliberation freezes)."""
    criteria = criteria_or_empty(contest.jury_criteria)
    jurors = jurors_of(contest)
    works = works_to_judge(contest)
    points: dict[tuple[int, int], list[int]] = {}
    for entry_id, criterion, value in db.session.execute(
        select(JuryScore.entry_id, JuryScore.criterion, JuryScore.points).where(
            JuryScore.juror_id.in_([j.id for j in jurors] or [0])
        )
    ):
        points.setdefault((entry_id, criterion), []).append(value)
    exact = contest.tie_breaker_value
    rows = []
    for entry, work in works:
        means = [
            Fraction(sum(points.get((entry.id, n), [])), len(jurors) or 1)
            for n in range(1, len(criteria) + 1)
        ]
        distance = (
            abs(entry.tie_breaker - exact)
            if exact is not None and entry.tie_breaker is not None
            else None
        )
        rows.append((sum(means, Fraction(0)), distance, entry, work, means))
    rows.sort(key=lambda r: (-r[0], r[1] is None, r[1] or 0, r[2].number))
    totals = [r[0] for r in rows]
    ranking = [
        {
            "rank": rank,
            "entry": entry.number,
            "score": _two_decimals(total),
            "criteria": [_two_decimals(m) for m in means],
            "work_sha256": work.sha256 if work is not None else "",
            "tie_breaker_answer": entry.tie_breaker,
            "distance": distance,
            # Separated from a work of the same score by the tie-breaker (or the entry order).
            "tied": totals.count(total) > 1,
        }
        for rank, (total, distance, entry, work, means) in enumerate(rows, start=1)
    ]
    positions = [
        n for n, prize in enumerate(contest.prizes, start=1) for _ in range(prize.quantity)
    ]
    winners = [
        {"rank": row["rank"], "entry": row["entry"], "prize_position": position}
        for row, position in zip(ranking, positions, strict=False)
    ]
    alternates = [
        {"rank": row["rank"], "entry": row["entry"]}
        for row in ranking[
            len(winners) : len(winners) + contest.alternates_per_prize * len(winners)
        ]
    ]
    return {
        "version": 1,
        "contest": contest.slug,
        "criteria": [{"name": c.name, "points": c.points} for c in criteria],
        "jurors": [
            {"name": j.name, "signed_at": j.signed_at.isoformat() if j.signed_at else None}
            for j in jurors
        ],
        "tie_breaker": {"question": contest.tie_breaker_question, "exact_value": exact},
        "ranking": ranking,
        "winners": winners,
        "alternates": alternates,
    }


def note_tie_breaker_value(contest: Contest, value, actor: User | None, now: datetime) -> None:
    """The exact answer to the tie-breaker question, noted after the close, before the ranking."""
    if contest.jury_closed_at is not None:
        raise WrongState(_l("The deliberation is closed: the ranking can no longer change."))
    if contest.phase(now) != Phase.CLOSED:
        raise WrongState(_l("The exact value is noted once the contest has closed."))
    if not isinstance(value, int) or not 0 <= value <= 10**12:
        raise ValidationFailed({"tie_breaker_value": [_l("A whole number, 0 or more.")]})
    contest.tie_breaker_value = value
    audit.record("jury.tie_breaker_value", actor=actor, contest=contest, value=value)


def close_deliberation(contest: Contest, actor: User | None, now: datetime) -> dict:
    """Freeze the ranking (set once, by a conditional UPDATE) and mail each winner."""
    if contest.mechanic != "skill":
        raise WrongState(_l("Only a skill contest has a jury."))
    if contest.phase(now) != Phase.CLOSED:
        raise WrongState(_l("The deliberation closes after the contest has closed."))
    jurors = jurors_of(contest)
    if not jurors or any(j.signed_at is None for j in jurors):
        raise WrongState(_l("Every juror must sign the procès-verbal first."))
    if contest.tie_breaker_question and contest.tie_breaker_value is None:
        raise WrongState(_l("Note the exact answer to the tie-breaker question first."))
    record = compute_ranking(contest)
    if not record["ranking"]:
        raise WrongState(_l("There is no eligible entry to rank."))
    record["closed_at"] = now.isoformat()
    body = json.dumps(record, ensure_ascii=False, sort_keys=True)
    digest = hashlib.sha256(body.encode()).hexdigest()
    closed = db.session.execute(
        update(Contest)
        .where(Contest.id == contest.id, Contest.jury_closed_at.is_(None))
        .values(jury_closed_at=now, jury_ranking=body, jury_ranking_sha256=digest)
        .execution_options(synchronize_session=False)
    ).rowcount
    if closed != 1:
        raise WrongState(_l("The deliberation is closed: the ranking can no longer change."))
    contest.jury_closed_at, contest.jury_ranking, contest.jury_ranking_sha256 = now, body, digest
    _mail_winners(contest, record, now)
    audit.record(
        "jury.closed",
        actor=actor,
        contest=contest,
        sha256=digest,
        winners=[w["entry"] for w in record["winners"]],
    )
    return record


def _mail_winners(contest: Contest, record: dict, now: datetime) -> None:
    prizes = list(contest.prizes)
    numbers = {w["entry"]: w for w in record["winners"]}
    entries = db.session.execute(
        select(Entry).where(Entry.contest_id == contest.id, Entry.number.in_(numbers))
    ).scalars()
    deadline = now + timedelta(days=contest.claim_days or 30)
    for entry in entries:
        prize = prizes[numbers[entry.number]["prize_position"] - 1]
        with force_locale(contest.language):
            subject = str(_l("You won: %(title)s", title=contest.title))
            body = render_template(
                "mail/jury_won.txt", contest=contest, entry=entry, prize=prize, deadline=deadline
            )
        mail_entrant(contest, entry, subject, body)


def frozen_ranking(contest: Contest) -> dict | None:
    return json.loads(contest.jury_ranking) if contest.jury_ranking else None
