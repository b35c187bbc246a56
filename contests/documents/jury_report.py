"""The jury's procès-verbal (skill contests) as a PDF, in the contest's language.

It prints what the deliberation froze (the criteria, each work's mean scores, the tie-breaker
where it separated equal scores, the ranking, winners and alternates) with the SHA-256 of the
frozen ranking, and each juror's signature (their name and when they signed on their page).
Winners' names come from the live entries: after the retention purge, the numbers remain.
"""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..jury.ranking import frozen_ranking
from ..models import Contest, Entry
from .certificates import contest_pdf


def jury_report_pdf(contest: Contest) -> bytes:
    record = frozen_ranking(contest)
    if record is None:
        raise LookupError("the deliberation is not closed")
    wanted = {w["entry"] for w in record["winners"]} | {a["entry"] for a in record["alternates"]}
    entries = {
        e.number: e
        for e in db.session.execute(
            select(Entry).where(Entry.contest_id == contest.id, Entry.number.in_(wanted or {0}))
        ).scalars()
    }
    prizes = list(contest.prizes)

    def name(number: int) -> str:
        entry = entries.get(number)
        if entry is None or entry.erased_at is not None:
            return "—"
        return f"{entry.first_name} {entry.last_name}".strip()

    return contest_pdf(
        "documents/jury_report.html", contest, record=record, name=name, prizes=prizes
    )
