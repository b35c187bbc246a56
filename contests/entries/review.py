"""The organizer's side of entries: lists and counts, review clusters, disqualify or keep."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, literal_column, null, or_, select, union_all

from .. import audit
from ..errors import ValidationFailed, WrongState
from ..extensions import db
from ..models import Contest, Entry, EntryStatus, User
from ..winners.freezing import list_is_frozen

#: Not a status: an entry with a signal nobody has cleared yet (and not disqualified).
FLAGGED = "flagged"
#: The filters of the entries list, in the order it shows them.
STATUS_FILTERS = (EntryStatus.PENDING, EntryStatus.CONFIRMED, FLAGGED, EntryStatus.DISQUALIFIED)


def entries_query(contest: Contest, status: str | None = None, search: str = ""):
    """The admin list: optional status filter ("flagged" = has an uncleared signal) and search."""
    query = select(Entry).where(Entry.contest_id == contest.id)
    if status == FLAGGED:
        query = query.where(Entry.flags != "", Entry.status != EntryStatus.DISQUALIFIED)
    elif status in tuple(EntryStatus):
        query = query.where(Entry.status == status)
    search = search.strip()
    if search:
        pattern = f"%{search.lower()}%"
        query = query.where(
            or_(
                func.lower(Entry.email).like(pattern),
                func.lower(Entry.first_name).like(pattern),
                func.lower(Entry.last_name).like(pattern),
                Entry.receipt_code == search.upper(),
                Entry.phone.like(f"%{search.replace(' ', '')}%"),
            )
        )
    return query.order_by(Entry.id)


def status_counts(contest: Contest) -> dict[str, int]:
    rows = db.session.execute(
        select(Entry.status, func.count())
        .where(Entry.contest_id == contest.id)
        .group_by(Entry.status)
    ).all()
    counts = dict.fromkeys(STATUS_FILTERS, 0)
    counts.update(dict(rows))
    counts[FLAGGED] = db.session.execute(
        select(func.count())
        .select_from(Entry)
        .where(
            Entry.contest_id == contest.id,
            Entry.flags != "",
            Entry.status != EntryStatus.DISQUALIFIED,
        )
    ).scalar()
    counts["all"] = sum(n for status, n in rows)
    return counts


def source_counts(contest: Contest) -> list[tuple[str, int]]:
    """Entries per channel (poster, flyer... from the QR codes; "" for the plain address), largest
    first.

    Only entries with a channel are in ``ix_entries_contest_source``: an entry from the plain
    address writes no page of it (issue 19). The plain address's are what remains of the
    contest's count, read in the same statement so that both come from one snapshot. The empty
    channel is written in, not sent, for PostgreSQL to see the query fits the partial index.
    """
    mine = Entry.contest_id == contest.id
    rows = db.session.execute(
        union_all(
            select(Entry.source, func.count())
            .where(mine, Entry.source != literal_column("''"))
            .group_by(Entry.source),
            select(null(), func.count()).where(mine),
        )
    ).all()
    channels = [(source, count) for source, count in rows if source is not None]
    plain = sum(count for source, count in rows if source is None) - sum(n for _, n in channels)
    if plain:
        channels.append(("", plain))
    return sorted(channels, key=lambda channel: (-channel[1], channel[0]))


@dataclass
class Cluster:
    reason: str
    value: str
    entries: list[Entry]


def review_clusters(contest: Contest) -> list[Cluster]:
    """Group flagged entries by what links them: a phone, a household, an IP address."""
    flagged = (
        db.session.execute(
            select(Entry)
            .where(Entry.contest_id == contest.id, Entry.flags != "")
            .order_by(Entry.id)
        )
        .scalars()
        .all()
    )
    groups: dict[tuple[str, str], list[Entry]] = {}
    for entry in flagged:
        for flag in entry.flag_list:
            value = {
                "phone": entry.phone,
                "household": entry.household_key,
                "ip_burst": entry.ip_address,
            }.get(flag)
            if value:
                groups.setdefault((flag, value), []).append(entry)
    return [Cluster(reason, value, entries) for (reason, value), entries in groups.items()]


def disqualify_entry(entry: Entry, reason: str, actor: User, now: datetime) -> None:
    """Exclude an entry from the draw, saying why; recorded with who and when."""
    reason = reason.strip()
    if not reason:
        raise ValidationFailed({"reason": [_l("Say why this entry is disqualified.")]})
    if entry.status == EntryStatus.DISQUALIFIED:
        raise WrongState(_l("This entry is already disqualified."))
    if list_is_frozen(entry.contest_id):
        raise WrongState(
            _l(
                "The list of entries was frozen at the close: no entry can leave it. If a "
                "winner turns out not to be eligible, replace them on the draw page, with the "
                "reason."
            )
        )
    previous = entry.status
    entry.status = EntryStatus.DISQUALIFIED
    entry.disqualified_at = now
    entry.disqualified_by_id = actor.id
    entry.disqualified_reason = reason[:2000]
    db.session.flush()
    audit.record(
        "entry.disqualified",
        actor=actor,
        contest=_contest_of(entry),
        entry_id=entry.id,
        reason=entry.disqualified_reason,
        previous_status=previous,
    )


def clear_flags(entry: Entry, actor: User, now: datetime) -> None:
    """Keep a flagged entry: the signals are dismissed, the decision recorded."""
    if not entry.flags:
        raise WrongState(_l("This entry has no signal to clear."))
    cleared = entry.flags
    entry.flags = ""
    entry.flag_cleared_at = now
    entry.flag_cleared_by_id = actor.id
    db.session.flush()
    audit.record(
        "entry.flags_cleared",
        actor=actor,
        contest=_contest_of(entry),
        entry_id=entry.id,
        flags=cleared,
    )


def _contest_of(entry: Entry) -> Contest:
    return db.session.get(Contest, entry.contest_id)


def decide_cluster(
    contest: Contest,
    entry_ids: list[int],
    keep: bool,
    reason: str,
    actor: User,
    now: datetime,
) -> int:
    """Keep (clear the signals of) or disqualify, with one reason, the flagged entries of a cluster
    at once; return how many changed. Entries of another contest, already decided, or without a
    signal are left alone; each decision is audited as if made one by one."""
    if not keep and not reason.strip():
        raise ValidationFailed({"reason": [_l("Say why these entries are disqualified.")]})
    entries = (
        db.session.execute(
            select(Entry)
            .where(
                Entry.contest_id == contest.id,
                Entry.id.in_(entry_ids[:1000]),
                Entry.flags != "",
                Entry.status != EntryStatus.DISQUALIFIED,
            )
            .order_by(Entry.id)
        )
        .scalars()
        .all()
    )
    for entry in entries:
        if keep:
            clear_flags(entry, actor, now)
        else:
            disqualify_entry(entry, reason, actor, now)
    return len(entries)


def unreviewed_count(contest: Contest) -> int:
    """Entries that will take part in the draw with a fraud signal nobody looked at."""
    return db.session.execute(
        select(func.count())
        .select_from(Entry)
        .where(
            Entry.contest_id == contest.id,
            Entry.flags != "",
            Entry.status == EntryStatus.CONFIRMED,
        )
    ).scalar()
