"""The statements that write an entry's rows (the entry, its consents, its receipt in the
outbox), built once with SQLAlchemy Core; ``writes`` runs them.

PostgreSQL: one statement, the entry's INSERT with its consents and its receipt as
data-modifying CTEs that take the new entry's id, returning as well how many entries the
address sent in the burst window (the fraud signal), which the INSERT reads too: an entry of a
burst is written flagged, with no UPDATE after it. The twin signals (the same phone or household
as another entry of the contest) are EXISTS in the INSERT, and one more CTE, an UPDATE joined to
the new entry, marks those other entries.

SQLite: the same rows by four statements (the burst's count first), one more per twin signal
asked and one per signal raised, in the process, where a statement costs no trip.

The entry's INSERT selects from the contest's row where ``updated_at`` is still the value the
request saw (``writes.ContestChanged`` when it is not).
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    bindparam,
    case,
    exists,
    insert,
    literal_column,
    not_,
    null,
    or_,
    select,
    true,
    union_all,
    update,
)

from ..driver_statements import DriverStatement
from ..mail import outbox_row
from ..models import Consent, Contest, Entry, OutboxMessage
from .numbering import next_number_postgresql, next_number_sqlite
from .signals import (
    TWIN_SIGNALS,
    flag_appended,
    flags_raised,
    has_flag,
    indexed,
    recent_entries,
    sql_text,
    twin_columns,
    twin_condition,
)

_ENTRIES = Entry.__table__
_CONTESTS = Contest.__table__
_CONSENTS = Consent.__table__
_OUTBOX = OutboxMessage.__table__

#: Columns no new entry has a value for (a review, a disqualification or an erasure sets them):
#: left out of the INSERT, so NULL. Each parameter counts: psycopg parses a statement of more
#: than 50 parameters anew on every execution (its ``MAX_CACHED_STATEMENT_PARAMS``), and the
#: entry's, at 56, spent a tenth of its time on PostgreSQL being parsed (issue 19).
_NULL_AT_FIRST = (
    "disqualified_at",
    "disqualified_by_id",
    "flag_cleared_at",
    "flag_cleared_by_id",
    "erased_at",
)
#: The columns a new entry's INSERT sets (its id and number are given by the database).
ENTRY_COLUMNS = tuple(
    c.key for c in _ENTRIES.columns if c.key not in ("id", "number", *_NULL_AT_FIRST)
)
#: The receipt's columns: those ``mail.outbox_row`` gives, the entry's id aside.
_OUTBOX_COLUMNS = tuple(key for key in outbox_row("", "", "") if key != "entry_id")
_CONSENT_COLUMNS = ("entry_id", "kind", "text_sha256", "given_at")


def receipt_row(email: str, template: str, now: datetime) -> dict:
    """The outbox row of an entry's receipt: a mail to the entry's address whose text the
    delivery writes from ``template`` (``mail.renderer``), due when the entry is made."""
    return outbox_row(email, "", "", template=template, now=now)


def _entry_insert(number, burst=None, limit=0, twins=(), alone=False):
    """INSERT INTO entries SELECT the values FROM the contest's row, if unchanged.

    With ``burst`` (the count's CTE, up to ``limit``; PostgreSQL), ``flags`` gains each of
    ``twins`` (``signals.TWIN_SIGNALS``) that another entry of the contest shares, then
    ``ip_burst`` when the count makes the threshold (``signals.in_burst``): the order
    ``with_flag`` gives them on SQLite, where they are added before the INSERT. ``alone``: not
    the entry that starts a burst (``signals.starts_burst``), which flags the earlier ones by
    another statement (``signals.flag_burst_start``) and so must share their transaction."""
    columns = (*ENTRY_COLUMNS, "number")
    values = [bindparam(key, type_=_ENTRIES.c[key].type) for key in ENTRY_COLUMNS]
    rows = _CONTESTS if burst is None else _CONTESTS.join(burst, true())
    if burst is not None and (twins or limit > 0):
        flags = columns.index("flags")
        twin = _ENTRIES.alias("t")
        raised = [
            case(
                (
                    exists().where(
                        twin_condition(twin, column, _CONTESTS.c.id, values[columns.index(column)])
                    ),
                    sql_text(flag),
                )
            )
            for flag, column in twin_columns(twins)
        ]
        if limit > 0:  # an address not counted is never flagged
            recent = burst.c.recent >= literal_column(str(int(limit) - 1), Integer)
            raised.append(case((recent, sql_text("ip_burst"))))
        values[flags] = flags_raised(values[flags], raised)
    conditions = [
        _CONTESTS.c.id == bindparam("contest_id"),
        _CONTESTS.c.updated_at == bindparam("version", type_=_CONTESTS.c.updated_at.type),
    ]
    if alone and limit > 0:
        conditions.append(burst.c.recent != literal_column(str(int(limit) - 1), Integer))
    source = select(*values, number).select_from(rows).where(*conditions)
    returning = [_ENTRIES.c.id, _ENTRIES.c.number, _ENTRIES.c.flags]
    if twins:  # what ``_twins_marked`` compares
        returning.append(_ENTRIES.c.contest_id)
        returning += [_ENTRIES.c[column] for _flag, column in twin_columns(twins)]
    return insert(_ENTRIES).from_select(columns, source).returning(*returning)


#: The entries an UPDATE in the entry's statement marks, as a table whose columns' keys are not
#: the names of the entry's parameters: SQLAlchemy makes each parameter named after a column of
#: an UPDATE's table a SET of that column, the twins' whole rows overwritten with the entry's.
_MARKED = Table(
    "entries",
    MetaData(),
    *(
        Column(name, _ENTRIES.c[name].type, key=f"marked_{name}")
        for name in ("id", "contest_id", "flags", *(column for _flag, column in TWIN_SIGNALS))
    ),
).alias("o")


def _twins_marked(entry, twins):
    """The UPDATE that marks the contest's other entries sharing one of ``twins`` with the new
    ``entry`` (the INSERT's CTE, which returns the columns compared): each gains the flags it
    lacks. It runs only if the entry was written (it joins the CTE), and sees the table as the
    statement found it, so not the new entry."""
    others = {name: _MARKED.c[f"marked_{name}"] for name in ("id", "contest_id", "flags")}
    marks = {
        flag: and_(
            _MARKED.c[f"marked_{column}"] == entry.c[column], not_(has_flag(others["flags"], flag))
        )
        for flag, column in twin_columns(twins)
    }
    # The WHERE's, not the SET's: what the partial indexes hold (``signals.indexed``).
    found = [
        and_(marks[flag], indexed(_MARKED.c[f"marked_{column}"]))
        for flag, column in twin_columns(twins)
    ]
    raised = [case((mark, sql_text(flag))) for flag, mark in marks.items()]
    return (
        update(_MARKED)
        .values(marked_flags=flags_raised(others["flags"], raised))
        .where(others["contest_id"] == entry.c.contest_id, others["id"] != entry.c.id, or_(*found))
    )


def _receipt_values():
    """The receipt's columns in the entry's statement (``receipt_row``'s values): the entry's
    address and time (parameters the INSERT already has), its template, and the constants of
    ``mail.outbox_row`` written in. The driver converts each parameter on every entry: with them
    and the consents' pairs, an entry with two consents sends 39 parameters where it sent 48
    (issue 19). The recipient is the entry's address as validated, so ``one_line`` has nothing
    to remove from it."""
    parameters = {
        "recipient": bindparam("email", type_=_ENTRIES.c.email.type),
        "created_at": bindparam("created_at", type_=_ENTRIES.c.created_at.type),
        "next_attempt_at": bindparam("created_at", type_=_ENTRIES.c.created_at.type),
        "template": bindparam("receipt_template", type_=String),
    }
    constants = receipt_row("", "", None)
    values = []
    for key in _OUTBOX_COLUMNS:
        value = constants[key]
        if key in parameters:
            values.append(parameters[key].label(key))
        elif value is None:
            values.append(null().label(key))
        elif value == "":
            values.append(sql_text("").label(key))
        elif type(value) is int:
            values.append(literal_column(str(value), Integer).label(key))
        else:  # a new constant of outbox_row: say how to write it here
            raise TypeError(f"outbox_row's {key} = {value!r} has no literal form here")
    return values


def _consent_rows(count: int):
    """``count`` consents as rows of (kind, text's hash), each a pair of parameters. Sent as two
    arrays, they cost the driver a tenth of what separates an entry from the bench's reference
    (py-spy: psycopg looked through each list's items to choose how to write it)."""
    rows = [
        select(
            bindparam(f"kind_{i}", type_=String).label("kind"),
            bindparam(f"hash_{i}", type_=String).label("text_sha256"),
        )
        for i in range(count)
    ]
    return (rows[0] if count == 1 else union_all(*rows)).subquery("given")


@lru_cache(maxsize=256)
def postgresql_statement(
    receipt: bool, limit: int, consents: int, twins: tuple[str, ...] = (), alone: bool = False
):
    """The entry, its ``consents`` (how many), maybe its receipt, the address's recent entries
    up to ``limit`` and the entry's ``twins`` signals (all as the statement's snapshot has them:
    before this one), the other entries they mark included.

    One statement per limit (the threshold, or 0 for an address not counted), the limit written
    in: see ``signals.recent_entries``, which PostgreSQL re-planned on every entry otherwise.
    ``alone``, for a statement that is its own transaction (``write_entry``): it writes nothing
    for the entry that starts a burst, and returns the count even then (its entry's columns
    NULL). With or without receipt, two limits, up to four consents, four sets of twins, alone
    or not: 160 statements at most, all kept."""
    burst = recent_entries(limit).cte("burst")
    entry = _entry_insert(next_number_postgresql, burst, limit, twins, alone).cte("entry")
    ctes = [_twins_marked(entry, twins).cte("twins")] if twins else []
    if consents:
        given = _consent_rows(consents)
        rows = insert(_CONSENTS).from_select(
            _CONSENT_COLUMNS,
            select(
                entry.c.id,
                given.c.kind,
                given.c.text_sha256,
                bindparam("given_at", type_=_CONSENTS.c.given_at.type),
            ).select_from(entry.join(given, true())),
        )
        ctes.append(rows.cte("consents"))
    if receipt:
        mail = insert(_OUTBOX).from_select(
            (*_OUTBOX_COLUMNS, "entry_id"), select(*_receipt_values(), entry.c.id)
        )
        ctes.append(mail.cte("receipt"))
    rows = burst.outerjoin(entry, true()) if alone else entry.join(burst, true())
    return DriverStatement(
        select(entry.c.id, entry.c.number, entry.c.flags, burst.c.recent)
        .select_from(rows)
        .add_cte(*ctes)
    )


def _insert_of(table, columns) -> DriverStatement:
    """INSERT of ``columns``, a parameter each, named after it. A driver statement is compiled
    without the values it will run with, so its columns are named here; a column left out is
    NULL (or the server's default), never the model's Python default."""
    return DriverStatement(
        insert(table).values({key: bindparam(key, type_=table.c[key].type) for key in columns})
    )


SQLITE_ENTRY = DriverStatement(_entry_insert(next_number_sqlite))
SQLITE_CONSENTS = _insert_of(_CONSENTS, _CONSENT_COLUMNS)
SQLITE_RECEIPT = _insert_of(_OUTBOX, (*_OUTBOX_COLUMNS, "entry_id"))


@lru_cache(maxsize=8)
def sqlite_recent(limit: int) -> DriverStatement:
    """``signals.recent_entries`` on the driver's cursor."""
    return DriverStatement(recent_entries(limit))


#: Per twin signal: whether another entry of the contest shares the value, and the UPDATE that
#: marks those that do once the entry is written (SQLite: each statement costs no trip).
_TWIN = bindparam("twin_contest", type_=Integer), bindparam("twin_value", type_=String)
SQLITE_TWIN_SEEN = {
    flag: DriverStatement(select(exists().where(twin_condition(_ENTRIES, column, *_TWIN))))
    for flag, column in TWIN_SIGNALS
}
SQLITE_TWIN_MARKED = {
    flag: DriverStatement(
        update(_ENTRIES)
        .values(flags=flag_appended(_ENTRIES.c.flags, flag))
        .where(
            twin_condition(_ENTRIES, column, *_TWIN),
            not_(has_flag(_ENTRIES.c.flags, flag)),
            _ENTRIES.c.id != bindparam("new_id", type_=Integer),
        )
    )
    for flag, column in TWIN_SIGNALS
}
