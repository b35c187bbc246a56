"""An entry's rows (the entry, its consents, its receipt in the outbox) in as few statements as the
backend allows, written only if the contest is still the one the request read.

PostgreSQL: one statement, the entry's INSERT with its consents and its receipt as
data-modifying CTEs that take the new entry's id, returning as well how many entries the
address sent in the burst window (the fraud signal), which the INSERT reads too: an entry of a
burst is written flagged, with no UPDATE after it. With the commit, and the BEGIN the driver
sends, an entry is three round trips, where it was seven: each statement is a round trip, and the
server's own time per statement was smaller than the driver's and the network's
(bench/entry_load.py, issue 19).

SQLite: the same rows by four statements (the burst's count first), in the process, where a
statement costs no trip.

The entry's INSERT selects from the contest's row where ``updated_at`` is still the value the
request saw: the entry form keeps contests in memory between requests (``public.entry_contest``)
and a contest changed since, on this server or another, inserts nothing (``ContestChanged``).
Either way the UNIQUE index on (contest, identity, period) refuses a second entry of one person
(IntegrityError, raised as the INSERT raises it), and the consents and the receipt are written
with the entry or not at all.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from sqlalchemy import (
    Integer,
    String,
    bindparam,
    case,
    insert,
    literal_column,
    null,
    select,
    true,
    union_all,
)

from ..errors import DomainError
from ..extensions import db, on_postgresql
from ..mail import outbox_row
from ..models import Consent, Contest, Entry, OutboxMessage
from .numbering import next_number_postgresql, next_number_sqlite, sequence_name
from .signals import in_burst, recent_entries, with_flag

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
#: What a column left out of ``values`` gets: its scalar default (the CTE names every column).
_DEFAULTS = {
    c.key: c.default.arg
    for c in _ENTRIES.columns
    if c.key in ENTRY_COLUMNS and c.default is not None and c.default.is_scalar
}
#: The receipt's columns: those ``mail.outbox_row`` gives, the entry's id aside.
_OUTBOX_COLUMNS = tuple(key for key in outbox_row("", "", "") if key != "entry_id")
_CONSENT_COLUMNS = ("entry_id", "kind", "text_sha256", "given_at")


def receipt_row(email: str, template: str, now: datetime) -> dict:
    """The outbox row of an entry's receipt: a mail to the entry's address whose text the
    delivery writes from ``template`` (``mail.renderer``), due when the entry is made."""
    return outbox_row(email, "", "", template=template, now=now)


class ContestChanged(DomainError):
    """The contest's row changed since the request read it: read it again and start over."""


def _entry_insert(number, burst=None, limit=0):
    """INSERT INTO entries SELECT the values FROM the contest's row, if unchanged; with
    ``burst`` (the count's CTE, up to ``limit``), ``flags`` gains ``ip_burst`` when the count
    makes the threshold (``signals.in_burst``)."""
    columns = (*ENTRY_COLUMNS, "number")
    values = [bindparam(key, type_=_ENTRIES.c[key].type) for key in ENTRY_COLUMNS]
    rows = _CONTESTS if burst is None else _CONTESTS.join(burst, true())
    if limit > 0:  # only with ``burst``: an address not counted is never flagged
        flags = columns.index("flags")
        values[flags] = case(
            (
                burst.c.recent >= literal_column(str(int(limit) - 1), Integer),
                bindparam("flags_burst", type_=String),
            ),
            else_=values[flags],
        )
    source = (
        select(*values, number)
        .select_from(rows)
        .where(
            _CONTESTS.c.id == bindparam("contest_id"),
            _CONTESTS.c.updated_at == bindparam("version", type_=_CONTESTS.c.updated_at.type),
        )
    )
    returning = (_ENTRIES.c.id, _ENTRIES.c.number, _ENTRIES.c.flags)
    return insert(_ENTRIES).from_select(columns, source).returning(*returning)


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
            values.append(literal_column("''", String).label(key))
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
            bindparam(f"consent_kind_{i}", type_=String).label("kind"),
            bindparam(f"consent_hash_{i}", type_=String).label("text_sha256"),
        )
        for i in range(count)
    ]
    return (rows[0] if count == 1 else union_all(*rows)).subquery("given")


@lru_cache(maxsize=32)
def _postgresql_statement(receipt: bool, limit: int, consents: int):
    """The entry, its ``consents`` (how many), maybe its receipt, and the address's recent
    entries up to ``limit`` (the statement's snapshot: before this one).

    One statement per limit (the threshold, or 0 for an address not counted), the limit written
    in: see ``signals.recent_entries``, which PostgreSQL re-planned on every entry otherwise."""
    burst = recent_entries(limit).cte("burst")
    entry = _entry_insert(next_number_postgresql, burst, limit).cte("new_entry")
    ctes = []
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
        ctes.append(rows.cte("new_consents"))
    if receipt:
        mail = insert(_OUTBOX).from_select(
            (*_OUTBOX_COLUMNS, "entry_id"), select(*_receipt_values(), entry.c.id)
        )
        ctes.append(mail.cte("new_receipt"))
    return (
        select(entry.c.id, entry.c.number, entry.c.flags, burst.c.recent)
        .select_from(entry.join(burst, true()))
        .add_cte(*ctes)
    )


_SQLITE_ENTRY = _entry_insert(next_number_sqlite)
_SQLITE_CONSENTS = insert(_CONSENTS)
_SQLITE_RECEIPT = insert(_OUTBOX)


def write_entry(
    values: dict,
    consents: dict[str, str],
    now: datetime,
    version: datetime,
    burst: dict,
    receipt: str | None = None,
) -> tuple[int, int, str, int]:
    """Write an entry (``values``: its ``ENTRY_COLUMNS``), its consents (kind: text's SHA-256,
    given ``now``) and, if given the template of its receipt, the receipt's outbox row
    (``receipt_row``), if the contest's ``updated_at`` is still ``version``; return the entry's
    id, its number, its flags as written (``ip_burst`` added in a burst: ``signals.in_burst``)
    and the address's other entries in the window (``burst``: ``signals.burst_window``).

    Raises ContestChanged, or IntegrityError as the INSERT does.
    """
    values = {key: values[key] if key in values else _DEFAULTS.get(key) for key in ENTRY_COLUMNS}
    values["version"] = version
    burst = {**burst, "contest": values["contest_id"]}
    # The session's connection, not the session: an ORM session's execute of these Core
    # statements cost twice the connection's (bench/entry_load.py, issue 19).
    connection = db.session.connection()
    if on_postgresql():
        parameters = {
            **values,
            **burst,
            "flags_burst": with_flag(values["flags"], "ip_burst"),
            "numbering": sequence_name(values["contest_id"]),
            "given_at": now,
            "receipt_template": receipt,
        }
        for i, (kind, digest) in enumerate(consents.items()):
            parameters[f"consent_kind_{i}"] = kind
            parameters[f"consent_hash_{i}"] = digest
        statement = _postgresql_statement(receipt is not None, burst["limit"], len(consents))
        row = connection.execute(statement, parameters).first()
        if row is None:
            raise ContestChanged
        return row[0], row[1], row[2], row[3]
    recent = connection.execute(recent_entries(burst["limit"]), burst).scalar()
    if in_burst(burst, recent):
        values["flags"] = with_flag(values["flags"], "ip_burst")
    row = connection.execute(_SQLITE_ENTRY, {**values, "numbering": values["contest_id"]}).first()
    if row is None:
        raise ContestChanged
    entry_id, number, flags = row
    if consents:
        connection.execute(
            _SQLITE_CONSENTS,
            [
                {"entry_id": entry_id, "kind": kind, "text_sha256": digest, "given_at": now}
                for kind, digest in consents.items()
            ],
        )
    if receipt is not None:
        row = receipt_row(values["email"], receipt, values["created_at"])
        connection.execute(_SQLITE_RECEIPT, {**row, "entry_id": entry_id})
    return entry_id, number, flags, recent
