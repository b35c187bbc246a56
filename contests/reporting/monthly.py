"""A client's month: its contests' figures for one calendar month (the client's time zone, from
its brand kit) beside the month before, as a page, a PDF and a CSV, and a read-only link to
share with the client that expires.

Figures are SQL aggregates over the month's entries (grouped by contest and status) and the
flushed view counts; the month's bounds are local midnights turned into UTC instants, so a
month that starts or ends on a daylight-saving change keeps its exact hours.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, select

from ..errors import ValidationFailed
from ..extensions import db
from ..models import Contest, Entry, EntryStatus, Organization, PageView
from .statistics import local_days_and_hours

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
#: How long a shared report link works.
LINK_DAYS = 30
_SALT = "contests.monthly-report"


@dataclass
class ContestMonth:
    contest: Contest
    entries: int = 0
    confirmed: int = 0
    opt_in: int = 0
    views: int = 0


@dataclass
class MonthFigures:
    entries: int = 0
    confirmed: int = 0
    opt_in: int = 0
    views: int = 0
    by_contest: list[ContestMonth] = field(default_factory=list)
    by_day: list[tuple[date, int]] = field(default_factory=list)

    @property
    def conversion(self) -> float | None:
        return self.entries / self.views if self.views else None


@dataclass
class MonthlyReport:
    organization: Organization
    month: date  # the first day
    current: MonthFigures
    previous: MonthFigures

    @property
    def previous_month(self) -> date:
        return (self.month - timedelta(days=1)).replace(day=1)

    def change(self, name: str) -> float | None:
        """Relative change of a figure from the previous month (None when it was zero)."""
        before, now = getattr(self.previous, name), getattr(self.current, name)
        return (now - before) / before if before else None


def parse_month(text: str | None, today: date) -> date:
    """``2026-11`` as its first day; the month before ``today`` when empty; else raise."""
    if not text:
        first = today.replace(day=1)
        return (first - timedelta(days=1)).replace(day=1)
    found = MONTH.match(text.strip())
    if not found:
        raise ValidationFailed({"month": ["YYYY-MM"]})
    return date(int(found[1]), int(found[2]), 1)


def _next(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def _bounds(month: date, zone: str) -> tuple[datetime, datetime]:
    tz = ZoneInfo(zone)
    start = datetime.combine(month, datetime.min.time(), tz).astimezone(UTC)
    end = datetime.combine(_next(month), datetime.min.time(), tz).astimezone(UTC)
    return start, end


def monthly_report(organization: Organization, month: date) -> MonthlyReport:
    previous = (month - timedelta(days=1)).replace(day=1)
    return MonthlyReport(
        organization,
        month,
        _figures(organization, month, with_days=True),
        _figures(organization, previous, with_days=False),
    )


def _figures(organization: Organization, month: date, with_days: bool) -> MonthFigures:
    start, end = _bounds(month, organization.timezone)
    contests = {
        c.id: ContestMonth(c)
        for c in db.session.execute(
            select(Contest)
            .where(Contest.organization_id == organization.id)
            .order_by(Contest.starts_at, Contest.id)
        ).scalars()
    }
    in_month = (Entry.created_at >= start) & (Entry.created_at < end)
    for contest_id, status, opted, count in db.session.execute(
        select(Entry.contest_id, Entry.status, Entry.marketing_opt_in, func.count())
        .where(Entry.contest_id.in_(list(contests)), in_month)
        .group_by(Entry.contest_id, Entry.status, Entry.marketing_opt_in)
    ):
        row = contests[contest_id]
        row.entries += count
        row.confirmed += count if status == EntryStatus.CONFIRMED else 0
        row.opt_in += count if opted else 0
    for contest_id, count in db.session.execute(
        select(PageView.contest_id, func.sum(PageView.count))
        .where(
            PageView.contest_id.in_(list(contests)),
            PageView.kind.in_(("page", "embed")),
            PageView.hour >= start,
            PageView.hour < end,
        )
        .group_by(PageView.contest_id)
    ):
        contests[contest_id].views += int(count)
    figures = MonthFigures(by_contest=[r for r in contests.values() if r.entries or r.views])
    for row in figures.by_contest:
        figures.entries += row.entries
        figures.confirmed += row.confirmed
        figures.opt_in += row.opt_in
        figures.views += row.views
    if with_days:
        figures.by_day = _days(list(contests), month, organization.timezone, start, end)
    return figures


def _days(contest_ids, month, zone, start, end) -> list[tuple[date, int]]:
    """Entries per local day of the month (every day listed, zeros included)."""
    counted, _hours = local_days_and_hours(Entry.contest_id.in_(contest_ids), zone, start, end)
    days = [month + timedelta(days=n) for n in range((_next(month) - month).days)]
    return [(day, counted.get(day, 0)) for day in days]


def report_csv(report: MonthlyReport, labels: dict[str, str]) -> str:
    """The month's figures per contest and in total, with the previous month's totals; the
    headers in the reader's language (``labels``). Contest titles are defused as every CSV of the
    app is (formula injection)."""
    from ..entries.export import neutralize

    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    keys = ("entries", "confirmed", "opt_in", "views")
    writer.writerow([labels["contest"], *(labels[k] for k in keys)])
    for row in report.current.by_contest:
        writer.writerow([neutralize(row.contest.title), *(getattr(row, k) for k in keys)])
    writer.writerow([labels["total"], *(getattr(report.current, k) for k in keys)])
    writer.writerow([labels["previous"], *(getattr(report.previous, k) for k in keys)])
    return "\ufeff" + out.getvalue()


def share_token(secret: str, organization_id: int, month: date) -> str:
    return URLSafeTimedSerializer(secret, salt=_SALT).dumps([organization_id, month.isoformat()])


class ExpiredLink(Exception):
    """A report link that was genuine but is older than LINK_DAYS."""


def read_share_token(
    secret: str, token: str, now: datetime | None = None
) -> tuple[int, date] | None:
    """(organization id, month) of a genuine link; None if forged; ExpiredLink if too old."""
    serializer = URLSafeTimedSerializer(secret, salt=_SALT)
    try:
        value, signed_at = serializer.loads(token, return_timestamp=True)
        organization_id, month = value
        result = int(organization_id), date.fromisoformat(month)
    except (BadSignature, ValueError, TypeError):
        return None
    if (now or datetime.now(UTC)) - signed_at > timedelta(days=LINK_DAYS):
        raise ExpiredLink()
    return result
