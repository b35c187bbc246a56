"""The mails of the winners' side, each in plain text and HTML, in the contest's language, sent in
the organization's name with its reply-to address and logo.

``render_*`` take plain values so the admin previews them with sample data, exactly as sent.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from ..entries.rights import mail_entrant, rights_url
from ..models import Award, Contest

#: Mail kinds, as the admin's preview lists them.
KINDS = ("won", "declined", "unclaimed", "shipped")


def _logo_url(contest: Contest) -> str | None:
    if not contest.logo_sha256:
        return None
    base = current_app.config["BASE_URL"].rstrip("/")
    return f"{base}/c/{contest.slug}/logo.png?v={contest.logo_sha256[:12]}"


def render(kind: str, contest: Contest, **values) -> tuple[str, str, str]:
    """(subject, text, html) of one mail kind for this contest."""
    subjects = {
        "won": _l("You won: %(title)s", title=contest.title),
        "declined": _l("Your prize has been passed on: %(title)s", title=contest.title),
        "unclaimed": _l("Your claim period has ended: %(title)s", title=contest.title),
        "shipped": _l("Your prize is on its way: %(title)s", title=contest.title),
    }
    context = {
        "contest": contest,
        "kind": kind,
        "organization": contest.sender_name,
        "logo_url": _logo_url(contest),
        **values,
    }
    with force_locale(contest.language):
        subject = str(subjects[kind])
        text = render_template(f"mail/{kind}.txt", **context)
        html = render_template(f"mail/{kind}.html", **context)
    return subject, text, html


def _queue(award: Award, kind: str, **values) -> None:
    contest = award.draw.contest
    subject, text, html = render(
        kind,
        contest,
        first_name=award.entry.first_name,
        prize=_prize_title(contest, award.prize_position),
        rights=rights_url(award.entry),
        **values,
    )
    mail_entrant(contest, award.entry, subject, text, html=html)


def _prize_title(contest: Contest, position: int) -> str:
    prizes = list(contest.prizes)
    return prizes[position - 1].title if 0 < position <= len(prizes) else ""


def queue_won(award: Award, url: str) -> None:
    _queue(award, "won", url=url, deadline=award.deadline_at)


def queue_passed_on(award: Award, reason: str) -> None:
    _queue(award, "declined" if reason == "declined" else "unclaimed", deadline=award.deadline_at)


def queue_shipped(award: Award) -> None:
    _queue(award, "shipped", carrier=award.carrier, tracking=award.tracking)


def sample(kind: str, contest: Contest, now: datetime) -> tuple[str, str, str]:
    """A preview of one kind with sample values: what a winner of this contest would read."""
    with force_locale(contest.language):
        name = str(_l("Camille"))
    return render(
        kind,
        contest,
        first_name=name,
        prize=_prize_title(contest, 1) or contest.title,
        url=current_app.config["BASE_URL"].rstrip("/") + "/claim/…",
        deadline=now + timedelta(days=contest.claim_days or 30),
        carrier="La Poste Colissimo",
        tracking="6A12345678901",
    )
