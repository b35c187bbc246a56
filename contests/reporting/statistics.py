"""A contest's figures for its organizer and the client's report, computed by the database.

Every count is an aggregate in SQL (a handful of GROUP BY queries over the contest's entries, and
range counts per hour), so a million entries cost what the database needs to scan them once or
twice, and nothing is written on the entry path for statistics. Days and hours are the
contest's: entries are counted per UTC hour in SQL, then each hour is placed in the contest's
time zone, which is exact on daylight-saving days for every zone whose offset is whole hours
(half-hour zones, such as India's, would put the half hour in the hour it starts in).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy import and_, column, func, literal_column, select, values
from sqlalchemy.orm import aliased

from ..entries.review import source_counts
from ..extensions import db
from ..models import Award, Contest, Draw, Entry, EntryStatus
from .places import place_of
from .views import views_by_hour


@dataclass
class ContestStatistics:
    total: int = 0
    confirmed: int = 0
    pending: int = 0
    disqualified: int = 0
    #: Entries a signal flagged for review (same phone, household, burst), whatever was decided.
    flagged: int = 0
    marketing_opt_in: int = 0
    #: Confirmed entries whose person (identity key) had entered an earlier contest of the client.
    returning: int = 0
    by_day: list[tuple[date, int]] = field(default_factory=list)
    by_hour: list[tuple[int, int]] = field(default_factory=list)
    channels: list[tuple[str, int]] = field(default_factory=list)
    host_pages: list[tuple[str, int]] = field(default_factory=list)
    campaigns: list[tuple[str, int]] = field(default_factory=list)
    places: list[tuple[str, int]] = field(default_factory=list)
    awards: dict[str, int] = field(default_factory=dict)
    #: Views of the contest's page and of its embedded form (``reporting.views``).
    page_views: int = 0
    embed_views: int = 0
    #: Entries refused because the person had entered already (counted like the views).
    repeats_refused: int = 0
    views_by_day: list[tuple[date, int]] = field(default_factory=list)

    @property
    def views(self) -> int:
        return self.page_views + self.embed_views

    @property
    def conversion(self) -> float | None:
        """Entries per view of the form, page and embedded together."""
        return self.total / self.views if self.views else None

    @property
    def confirmation_rate(self) -> float | None:
        """Confirmed among confirmed and pending (double opt-in: who clicked the link)."""
        done = self.confirmed + self.pending
        return self.confirmed / done if done else None

    @property
    def opt_in_rate(self) -> float | None:
        return self.marketing_opt_in / self.total if self.total else None

    @property
    def new(self) -> int:
        return self.confirmed - self.returning


def contest_statistics(contest: Contest) -> ContestStatistics:
    stats = ContestStatistics()
    mine = Entry.contest_id == contest.id
    # Grouped by the flags themselves (a few values), in ``ix_entries_contest_status``'s order.
    for status, opted_in, flags, count in db.session.execute(
        select(Entry.status, Entry.marketing_opt_in, Entry.flags, func.count())
        .where(mine)
        .group_by(Entry.status, Entry.marketing_opt_in, Entry.flags)
    ):
        stats.total += count
        stats.confirmed += count if status == EntryStatus.CONFIRMED else 0
        stats.pending += count if status == EntryStatus.PENDING else 0
        stats.disqualified += count if status == EntryStatus.DISQUALIFIED else 0
        stats.flagged += count if flags else 0
        stats.marketing_opt_in += count if opted_in else 0
    _when(stats, contest)
    stats.channels = source_counts(contest)
    _attribution(stats, contest)
    places = Counter()
    # Grouped by the postal code itself, in ``ix_entries_contest_postal``'s order (a country has
    # a few thousand), then placed in its area here. The empty code is written in, not sent: the
    # index holds only entries with a code, and PostgreSQL uses it only for a query it can see
    # asks no more than that.
    for code, count in db.session.execute(
        select(Entry.postal_code, func.count())
        .where(mine, Entry.postal_code != literal_column("''"))
        .group_by(Entry.postal_code)
    ):
        places[place_of(code[:3], contest.jurisdiction)] += count
    stats.places = sorted(places.items(), key=lambda item: (-item[1], item[0]))
    stats.returning = _returning(contest)
    _views(stats, contest)
    stats.awards = dict(
        db.session.execute(
            select(Award.status, func.count())
            .join(Draw, Draw.id == Award.draw_id)
            .where(Draw.contest_id == contest.id)
            .group_by(Award.status)
        ).all()
    )
    return stats


def _when(stats: ContestStatistics, contest: Contest) -> None:
    """Entries per local day and per local hour of the day."""
    days, hours = local_days_and_hours(Entry.contest_id == contest.id, contest.timezone)
    stats.by_day = sorted(days.items())
    stats.by_hour = [(h, hours.get(h, 0)) for h in range(24)]


def local_days_and_hours(
    condition, zone: str, since: datetime | None = None, until: datetime | None = None
) -> tuple[Counter, Counter]:
    """Entries matching ``condition`` (and made from ``since`` to before ``until``) per local day
    and per local hour of ``zone``: counted per UTC hour by the database, each hour then placed
    in the zone (exact on daylight-saving days)."""
    tz = ZoneInfo(zone)
    days, hours = Counter(), Counter()
    for hour, count in hourly_counts(condition, since, until):
        if count:
            local = hour.astimezone(tz)
            days[local.date()] += count
            hours[local.hour] += count
    return days, hours


#: Hours counted per statement: two parameters each, well below SQLite's 32,766.
HOURS_PER_STATEMENT = 1000


def hourly_counts(
    condition, since: datetime | None = None, until: datetime | None = None
) -> list[tuple[datetime, int]]:
    """Entries matching ``condition`` in each UTC hour from the first to the last, empty hours
    included; only those made from ``since`` to before ``until``, which cut the first and the
    last hour (a month that starts at a half hour: India's midnight).

    Each hour is a range count on ``ix_entries_contest_created``, its bounds given as a table of
    values: the database walks the index once and groups nothing. Grouping the rows by their
    hour sorted (SQLite) or hashed (PostgreSQL) all of them: at a million entries 0.37 s against
    0.09 s on SQLite, 0.20 s against 0.13 s on PostgreSQL (bench/stats_bench.py's database).
    ``since`` and ``until`` are not written into each hour's count: with two ranges on the
    column SQLite walked the whole span for every hour.
    """
    span = [condition]
    if since is not None:
        span.append(Entry.created_at >= since)
    if until is not None:
        span.append(Entry.created_at < until)
    first, last = db.session.execute(
        select(
            select(func.min(Entry.created_at)).where(*span).scalar_subquery(),
            select(func.max(Entry.created_at)).where(*span).scalar_subquery(),
        )
    ).one()
    if first is None:
        return []
    hour = first.replace(minute=0, second=0, microsecond=0)
    bounds = []
    while hour <= last:
        stop = hour + timedelta(hours=1)
        bounds.append((max(hour, since or hour), min(stop, until or stop)))
        hour = stop
    counts = []
    for offset in range(0, len(bounds), HOURS_PER_STATEMENT):
        hours = (
            values(
                column("start", Entry.created_at.type),
                column("stop", Entry.created_at.type),
                name="hours",
            )
            .data(bounds[offset : offset + HOURS_PER_STATEMENT])
            .cte()
        )
        within = (
            select(func.count())
            .where(condition, Entry.created_at >= hours.c.start, Entry.created_at < hours.c.stop)
            .scalar_subquery()
        )
        counts += db.session.execute(select(hours.c.start, within)).all()
    return [(start, count) for start, count in counts]


def _views(stats: ContestStatistics, contest: Contest) -> None:
    zone = ZoneInfo(contest.timezone)
    days = Counter()
    for hour, kind, count in views_by_hour(contest.id):
        count = int(count)  # PostgreSQL sums a BIGINT as NUMERIC
        if kind == "again":
            stats.repeats_refused += count
            continue
        if kind == "embed":
            stats.embed_views += count
        else:
            stats.page_views += count
        days[hour.astimezone(zone).date()] += count
    stats.views_by_day = sorted(days.items())


def _attribution(stats: ContestStatistics, contest: Contest) -> None:
    """Host pages and utm campaigns of embedded entries: few distinct values, parsed once each."""
    hosts, campaigns = Counter(), Counter()
    for stored, count in db.session.execute(
        select(Entry.attribution, func.count())
        .where(Entry.contest_id == contest.id, Entry.attribution != "")
        .group_by(Entry.attribution)
    ):
        try:
            data = json.loads(stored)
        except ValueError:
            continue
        parts = urlsplit(str(data.get("host", "")))
        if parts.netloc:
            hosts[parts.netloc + parts.path] += count
        utm = " / ".join(
            str(data[key]) for key in ("utm_source", "utm_medium", "utm_campaign") if data.get(key)
        )
        if utm:
            campaigns[utm] += count
    stats.host_pages = hosts.most_common()
    stats.campaigns = campaigns.most_common()


def _returning(contest: Contest) -> int:
    """Confirmed entrants who entered another contest of the same client first (same identity
    key as the deduplication's, email aliases folded; "first" by entry id, which the database
    gives in the order entries are written).

    Each database gets the form its planner runs well, over the same indexes; an index of
    identity and status would serve both, but it cost every entry a page written at a random
    place (issue 19). PostgreSQL turns the EXISTS into a parallel hash semi-join. On SQLite it
    would probe once per entry (five times slower at a million), hence a join on each person's
    first entry elsewhere, in ``_returning_on_sqlite``.
    """
    others = select(Contest.id).where(
        Contest.organization_id == contest.organization_id, Contest.id != contest.id
    )
    if db.session.get_bind().dialect.name == "sqlite":
        return _returning_on_sqlite(contest, others)
    earlier = aliased(Entry)
    return db.session.execute(
        select(func.count()).where(
            Entry.contest_id == contest.id,
            Entry.status == EntryStatus.CONFIRMED,
            select(earlier.id)
            .where(
                earlier.contest_id.in_(others),
                earlier.identity_key == Entry.identity_key,
                earlier.id < Entry.id,
            )
            .exists(),
        )
    ).scalar_one()


def _returning_on_sqlite(contest: Contest, others) -> int:
    """Each person's first entry in the other contests, matched with this contest's entries
    through the identity's UNIQUE index, which holds each row's id: no row is read. Status is not
    in that index, so the entries not confirmed are left out by their ids, which
    ix_entries_contest_status holds. (On PostgreSQL, NOT IN over more ids than work_mem holds
    would be planned row by row.)"""
    first_seen = (
        select(Entry.identity_key, func.min(Entry.id).label("first"))
        .where(Entry.contest_id.in_(others))
        .group_by(Entry.identity_key)
        .subquery()
    )
    unconfirmed = [status for status in EntryStatus if status != EntryStatus.CONFIRMED]
    return db.session.execute(
        select(func.count())
        .select_from(first_seen)
        .join(
            Entry,
            and_(
                Entry.contest_id == contest.id,
                Entry.identity_key == first_seen.c.identity_key,
                first_seen.c.first < Entry.id,
            ),
        )
        .where(
            Entry.id.not_in(
                select(Entry.id).where(
                    Entry.contest_id == contest.id, Entry.status.in_(unconfirmed)
                )
            )
        )
    ).scalar_one()
