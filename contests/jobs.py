"""Timed work, run by ``contests worker``: each job is a domain function that claims its own work.

A job returns how much it did, so the worker can run it again at once while there is work and
sleep when there is none. Every job must be safe when several workers (on several machines) run
it at the same moment: it claims what it works on (the outbox's leases, a conditional UPDATE, a
row lock) and commits each item, so a worker killed midway leaves nothing half done and nothing
done twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app

from .entries import retention
from .errors import DomainError
from .extensions import db
from .mail import deliver_pending
from .models import Contest, Organization
from .models.types import utcnow
from .reporting import mailing
from .transaction import unit_of_work
from .winners.claims import due_to_notify, due_to_pass_on, notify_late, pass_on
from .winners.freezing import RACED, due_to_freeze, freeze_entrants

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    #: Runs one batch; returns the number of items handled (0: nothing was due).
    run: Callable[[int], int]


def deliver_mail(batch: int) -> int:
    """Send due mail through CONTESTS_SMTP_URL (nothing to do without one)."""
    config = current_app.config
    if not config["SMTP_URL"]:
        return 0
    sent, failed = deliver_pending(config["SMTP_URL"], config["MAIL_FROM"], limit=batch)
    return sent + failed


def freeze_lists(batch: int) -> int:
    """Freeze the entrant list of each contest that has closed (one transaction each)."""
    now = utcnow()
    done = 0
    for contest_id in due_to_freeze(now, batch):
        try:
            with unit_of_work():
                freeze_entrants(db.session.get(Contest, contest_id), now)
            done += 1
        except RACED:
            log.info("contest %s: list frozen by another worker", contest_id)
    return done


def _award_by_award(batch: int, due, step, refused: str) -> int:
    """Run ``step(award_id, base_url, now)`` on each award ``due`` finds, one transaction each; a
    refusal is logged and the award left as it is (the organizer sees it on the board), to be
    tried again next round."""
    now = utcnow()
    base_url = current_app.config["BASE_URL"]
    done = 0
    for award_id in due(now, batch):
        try:
            with unit_of_work():
                done += step(award_id, base_url, now)
        except DomainError as error:
            log.warning(refused, award_id, "; ".join(error.messages()))
    return done


def notify_winners(batch: int) -> int:
    """Winners the organizer has not notified within the days the rules promise get their claim
    mail from the worker (``claims.NOTIFY_WITHIN_DAYS``)."""
    return _award_by_award(batch, due_to_notify, notify_late, "winner %s not notified: %s")


def pass_on_prizes(batch: int) -> int:
    """Prizes declined or left unclaimed past their deadline go to the next alternate, who is
    notified with a fresh deadline; the original winner is told."""
    return _award_by_award(batch, due_to_pass_on, pass_on, "prize %s not passed on: %s")


def purge_personal_data(batch: int) -> int:
    """Erase the personal data of contests past their retention period (``entries.retention``),
    one contest and phase per transaction; each purge is audited with its counts."""
    now = utcnow()
    done = 0
    for contest_id, phase in retention.due(now)[:batch]:
        try:
            with unit_of_work():
                purged = retention.purge_contest(db.session.get(Contest, contest_id), phase, now)
            done += purged is not None
        except RACED:
            log.info("contest %s: purged by another worker", contest_id)
    return done


def mail_monthly_reports(batch: int) -> int:
    """Queue the monthly report's mail of each client with recipients (``reporting.mailing``),
    one transaction per client; a month another worker claimed is skipped."""
    now = utcnow()
    config = current_app.config
    done = 0
    for organization_id in mailing.due_reports(now, batch):
        try:
            with unit_of_work():
                organization = db.session.get(Organization, organization_id)
                done += (
                    mailing.mail_report(organization, now, config["BASE_URL"], config["SECRET_KEY"])
                    or 1
                )
        except mailing.RACED:
            log.info("organization %s: monthly report mailed by another worker", organization_id)
    return done


#: Lists are frozen at the close before anything else; late winners notified and claims passed on
#: before mail, so that the mail they queue goes out in the same round; the purge after the
#: claims that may still need an address.
JOBS = (
    Job("freeze", freeze_lists),
    Job("notify", notify_winners),
    Job("claims", pass_on_prizes),
    Job("purge", purge_personal_data),
    Job("reports", mail_monthly_reports),
    Job("mail", deliver_mail),
)


def run_once(batch: int = 100) -> dict[str, int]:
    """Run every job until none has anything due; return what each handled."""
    done = {job.name: 0 for job in JOBS}
    busy = True
    while busy:
        busy = False
        for job in JOBS:
            handled = job.run(batch)
            done[job.name] += handled
            busy = busy or handled > 0
    return done
