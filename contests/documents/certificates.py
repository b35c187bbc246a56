"""The draw certificate (procès-verbal de tirage) and the winner certificate, as PDFs.

Both carry a QR code to the public draw page, where anyone can check the printed figures against
the published record. The public copy of the draw certificate shows winners as "First L.";
the organizer's copy and the winner certificate show full names.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime

from flask import render_template
from flask_babel import force_locale
from sqlalchemy import and_, func, or_, select

from ..draw.protocol import current_winners
from ..entries.numbering import entries_numbered, entry_numbered
from ..extensions import app_cache, db
from ..models import HOLDING, Award, Contest, Draw, Entry, RulesVersion
from .pdf import html_to_pdf
from .qr import qr_data_uri

PAPER = {"US": "Letter", "CA": "Letter"}


@dataclass
class DrawCounts:
    """How many entries there were at the draw, and why the others were not in the frozen list."""

    total: int
    eligible: int
    not_confirmed: int
    disqualified: list[tuple[str, int]] = field(default_factory=list)


def draw_counts(contest: Contest, draw: Draw, record: dict) -> DrawCounts:
    """Counts as they stood at the draw: later confirmations or disqualifications are not
    counted."""
    drawn_at = draw.drawn_at
    before = Entry.created_at <= drawn_at
    same = Entry.contest_id == contest.id
    total = db.session.execute(select(func.count()).select_from(Entry).where(same, before)).scalar()
    disqualified_then = and_(Entry.disqualified_at.is_not(None), Entry.disqualified_at <= drawn_at)
    reasons = db.session.execute(
        select(Entry.disqualified_reason, func.count())
        .where(same, before, disqualified_then)
        .group_by(Entry.disqualified_reason)
        .order_by(func.count().desc())
    ).all()
    not_confirmed = db.session.execute(
        select(func.count())
        .select_from(Entry)
        .where(
            same,
            before,
            ~disqualified_then,
            or_(Entry.confirmed_at.is_(None), Entry.confirmed_at > drawn_at),
        )
    ).scalar()
    return DrawCounts(
        total=total,
        eligible=record["entrants"]["count"],
        not_confirmed=not_confirmed,
        disqualified=[(reason or "—", n) for reason, n in reasons],
    )


def _display_name(entry: Entry | None, full: bool) -> str:
    if entry is None:
        return "—"
    if full:
        return f"{entry.first_name} {entry.last_name}".strip()
    initial = entry.last_name.strip()[:1]
    return f"{entry.first_name.strip()} {initial}." if initial else entry.first_name.strip()


def ranked_people(
    contest: Contest, record: dict, full_names: bool
) -> tuple[list[dict], list[dict]]:
    """Current winners (substitutions applied) and alternates, with their prize and a name."""
    winners = current_winners(record)
    ids = ({w["entry_id"] for w in winners} | {a["entry_id"] for a in record["alternates"]}) - {
        None
    }
    entries = entries_numbered(contest.id, ids) if ids else {}
    prizes = list(contest.prizes)
    used = {s["by_entry_id"] for s in record["substitutions"]}
    rows = []
    for w in winners:
        prize = prizes[w["prize_position"] - 1] if w["prize_position"] <= len(prizes) else None
        rows.append(
            {
                "rank": w["rank"],
                "entry_id": w["entry_id"],
                "name": _display_name(entries.get(w["entry_id"]), full_names),
                "prize": prize,
                "substitutes": w.get("substitutes"),
                "vacated": w.get("vacated"),
            }
        )
    alternates = [
        {
            "rank": a["rank"],
            "entry_id": a["entry_id"],
            "name": _display_name(entries.get(a["entry_id"]), full_names),
            "used": a["entry_id"] in used,
        }
        for a in record["alternates"]
    ]
    return rows, alternates


def rules_version_at(contest: Contest, instant: datetime) -> RulesVersion | None:
    """The rules in force at an instant: the latest version published before it."""
    return db.session.execute(
        select(RulesVersion)
        .where(RulesVersion.contest_id == contest.id, RulesVersion.created_at <= instant)
        .order_by(RulesVersion.number.desc())
        .limit(1)
    ).scalar_one_or_none()


#: Public copies kept per process: the page is public and a rendering costs about 200 ms.
PUBLIC_COPIES_MAX = 32


def public_draw_certificate_pdf(contest: Contest, draw: Draw, draw_url: str) -> bytes:
    """The public copy of the procès-verbal (first names and initials), rendered once per record."""
    # Keyed by the record's digest: a substitution changes the record, hence the certificate.
    key = (draw.id, hashlib.sha256(draw.record.encode()).hexdigest())
    copies: OrderedDict[tuple[int, str], bytes] = app_cache(
        "contests.public_certificates", OrderedDict
    )
    pdf = copies.get(key)
    if pdf is None:
        pdf = copies[key] = draw_certificate_pdf(contest, draw, draw_url, full_names=False)
        while len(copies) > PUBLIC_COPIES_MAX:
            copies.popitem(last=False)
    return pdf


def draw_certificate_pdf(contest: Contest, draw: Draw, draw_url: str, full_names: bool) -> bytes:
    """The procès-verbal of the draw, in the contest's language."""
    record = json.loads(draw.record)
    winners, alternates = ranked_people(contest, record, full_names)
    return contest_pdf(
        "documents/draw_certificate.html",
        contest,
        draw=draw,
        record=record,
        counts=draw_counts(contest, draw, record),
        winners=winners,
        alternates=alternates,
        rules=rules_version_at(contest, draw.drawn_at),
        draw_url=draw_url,
        qr=qr_data_uri(draw_url),
        full_names=full_names,
    )


def contest_pdf(template: str, contest: Contest, **values) -> bytes:
    """A contest's document as PDF: in the contest's language, on its country's paper."""
    with force_locale(contest.language):
        html = render_template(
            template,
            contest=contest,
            doc_language=contest.language,
            paper=PAPER.get(contest.jurisdiction, "A4"),
            **values,
        )
    return html_to_pdf(html)


class NotAWinner(LookupError):
    """The entry is not a current winner of this draw (or not of this contest)."""


def winner_certificate_pdf(
    contest: Contest, draw: Draw, entry_id: int, city: str, draw_url: str
) -> bytes:
    """A certificate for one current winner: what they won, how it was drawn, and where to check it.

    The city is the organizer's word (the form does not ask it); the claim deadline is the one the
    winner's notification started (not yet notified: the period the rules give, from the mail).
    """
    record = json.loads(draw.record)
    winner = next((w for w in current_winners(record) if w["entry_id"] == entry_id), None)
    entry = entry_numbered(contest.id, entry_id)
    prizes = list(contest.prizes)
    if winner is None or entry is None or winner["prize_position"] > len(prizes):
        raise NotAWinner(entry_id)
    # The rules count the claim period from the notification mail, not from the draw.
    award = db.session.execute(
        select(Award).where(
            Award.draw_id == draw.id, Award.entry_id == entry.id, Award.status.in_(HOLDING)
        )
    ).scalar_one_or_none()
    deadline = award.deadline_at if award is not None else None
    return contest_pdf(
        "documents/winner_certificate.html",
        contest,
        draw=draw,
        record=record,
        entry=entry,
        prize=prizes[winner["prize_position"] - 1],
        city=" ".join(city.split())[:100],
        draw_url=draw_url,
        qr=qr_data_uri(draw_url),
        claim_deadline=deadline,
        claim_days=contest.claim_days,
    )
