"""The monthly report mailed to each client that named recipients, once per month.

On the first day of a month (the client's time zone) the worker queues, for every organization
with report recipients, a mail with the read-only link to the month just ended. The month is
claimed by inserting its ``report_mailings`` row (primary key: organization and month) in the
same transaction as the mail: of two workers, one inserts and queues, the other's insert fails
and it moves on. A worker that was down on the first sends it when it comes back.
"""

from __future__ import annotations

from datetime import date, datetime

from flask import render_template
from flask_babel import force_locale, format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..mail import queue_mail
from ..models import Organization, ReportMailing
from ..timezones import utc_to_local
from .monthly import LINK_DAYS, parse_month, share_token

#: A month already claimed by another worker.
RACED = IntegrityError


def recipients_of(organization: Organization) -> list[str]:
    return [line.strip() for line in organization.report_recipients.splitlines() if line.strip()]


def report_month(organization: Organization, now: datetime) -> date:
    """The month whose report is due: the one before the client's current month."""
    return parse_month(None, utc_to_local(now, organization.timezone).date())


def due_reports(now: datetime, limit: int) -> list[int]:
    """Organizations with recipients whose last month's report is not mailed yet."""
    due = []
    for organization in db.session.execute(
        select(Organization).where(Organization.report_recipients != "").order_by(Organization.id)
    ).scalars():
        month = report_month(organization, now)
        if db.session.get(ReportMailing, (organization.id, month)) is None:
            due.append(organization.id)
        if len(due) >= limit:
            break
    return due


def mail_report(organization: Organization, now: datetime, base_url: str, secret: str) -> int:
    """Claim this month's mailing and queue one mail per recipient; return how many. Raises
    RACED (when flushed) if another worker claimed the month first."""
    month = report_month(organization, now)
    recipients = recipients_of(organization)
    db.session.add(
        ReportMailing(
            organization_id=organization.id, month=month, queued_at=now, recipients=len(recipients)
        )
    )
    db.session.flush()
    url = f"{base_url.rstrip('/')}/r/{share_token(secret, organization.id, month)}"
    with force_locale(organization.language):
        label = format_date(month, "MMMM y")
        subject = str(
            _l("Monthly report, %(month)s: %(name)s", month=label, name=organization.name)
        )
        body = render_template(
            "mail/monthly_report.txt",
            organization=organization,
            month=label,
            url=url,
            days=LINK_DAYS,
        )
    for recipient in recipients:
        queue_mail(
            recipient,
            subject,
            body,
            sender_name=organization.agency or organization.name,
        )
    return len(recipients)
