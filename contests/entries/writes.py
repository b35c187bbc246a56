"""An entry's rows (the entry, its consents, its receipt in the outbox) written by the statements
of ``entry_statements``, only if the contest is still the one the request read.

PostgreSQL: one statement. When it is all its unit of work writes, it is its own transaction: an
entry is one round trip, where it was seven, whatever the form asks (each statement is a round
trip, and the server's own time per statement was smaller than the driver's and the network's:
bench/entry_load.py, issue 19). When more follows it (a work, a confirmation mail, a burst's
first entry flagging the earlier ones), the driver's BEGIN and the commit make it three.

SQLite: four statements, one more per twin signal asked and one per signal raised, in the
process, where a statement costs no trip.

On both, the statements run on the driver's cursor (``driver_statements``): SQLAlchemy's
execution of them cost more Python than the rest of the entry's database work.

The entry's INSERT selects from the contest's row where ``updated_at`` is still the value the
request saw: the entry form keeps contests in memory between requests (``public.entry_contest``)
and a contest changed since, on this server or another, inserts nothing (``ContestChanged``).
Either way the UNIQUE index on (contest, identity, period) refuses a second entry of one person
(IntegrityError, raised as the INSERT raises it), and the consents and the receipt are written
with the entry or not at all.
"""

from __future__ import annotations

from datetime import datetime

from ..driver_statements import idle
from ..errors import DomainError
from ..extensions import db, on_postgresql
from .entry_statements import (
    ENTRY_COLUMNS,
    SQLITE_CONSENTS,
    SQLITE_ENTRY,
    SQLITE_RECEIPT,
    SQLITE_TWIN_MARKED,
    SQLITE_TWIN_SEEN,
    postgresql_statement,
    receipt_row,
    sqlite_recent,
)
from .numbering import sequence_name
from .signals import in_burst, starts_burst, twin_columns, twin_flags, with_flag


class ContestChanged(DomainError):
    """The contest's row changed since the request read it: read it again and start over."""


def _sqlite_twins(connection, values: dict) -> list[tuple[str, dict]]:
    """The twin signals the entry raises (its ``flags`` gain them) and the parameters of the
    UPDATE marking the other entries of each, to run once the entry is written."""
    raised = []
    for flag, column in twin_columns(twin_flags(values)):
        twin = {"twin_contest": values["contest_id"], "twin_value": values[column]}
        if SQLITE_TWIN_SEEN[flag].first(connection, twin)[0]:
            values["flags"] = with_flag(values["flags"], flag)
            raised.append((flag, twin))
    return raised


def write_entry(
    values: dict,
    consents: dict[str, str],
    now: datetime,
    version: datetime,
    burst: dict,
    receipt: str | None = None,
    last: bool = False,
) -> tuple[int, int, str, int]:
    """Write an entry (``values``: its ``ENTRY_COLUMNS``), its consents (kind: text's SHA-256,
    given ``now``) and, if given the template of its receipt, the receipt's outbox row
    (``receipt_row``), if the contest's ``updated_at`` is still ``version``; return the entry's
    id, its number, its flags as written and the address's other entries in the window
    (``burst``: ``signals.burst_window``).

    The signals are raised here: ``flags`` (the entry's before them: none for a new entry) gains
    ``phone`` or ``household`` when another entry of the contest shares that value, which marks
    that entry too (``signals.TWIN_SIGNALS``), then ``ip_burst`` in a burst
    (``signals.in_burst``).

    ``last``: the caller writes nothing after the entry in this unit of work. On PostgreSQL, if
    nothing ran before it either, the statement is then its own transaction: one round trip
    where BEGIN, the statement and COMMIT were three (``DriverStatement.own_transaction``).

    Raises ContestChanged, or IntegrityError as the INSERT does.
    """
    # Every column named: a column added to entries must be given a value by ``submit_entry``
    # (a KeyError here), not take one the statements never wrote.
    values = {key: values[key] for key in ENTRY_COLUMNS}
    values["version"] = version
    burst = {**burst, "contest": values["contest_id"]}
    # The session's connection, not the session: an ORM session's execute of these Core
    # statements cost twice the connection's (bench/entry_load.py, issue 19).
    connection = db.session.connection()
    if on_postgresql():
        parameters = {
            **values,
            **burst,
            "numbering": sequence_name(values["contest_id"]),
            "given_at": now,
            "receipt_template": receipt,
        }
        for i, (kind, digest) in enumerate(consents.items()):
            parameters[f"kind_{i}"] = kind
            parameters[f"hash_{i}"] = digest
        variant = (receipt is not None, burst["limit"], len(consents), twin_flags(values))
        row = None
        if last and idle(connection):
            alone = postgresql_statement(*variant, alone=True)
            row = alone.own_transaction(connection, parameters)
            if row[0] is None and starts_burst(burst, row[3]):
                row = None  # the burst's first entry: it flags the others, in one transaction
        if row is None:
            row = postgresql_statement(*variant).first(connection, parameters)
        if row is None or row[0] is None:
            raise ContestChanged
        return row[0], row[1], row[2], row[3]
    twins = _sqlite_twins(connection, values)
    recent = sqlite_recent(burst["limit"]).first(connection, burst)[0]
    if in_burst(burst, recent):
        values["flags"] = with_flag(values["flags"], "ip_burst")
    row = SQLITE_ENTRY.first(connection, {**values, "numbering": values["contest_id"]})
    if row is None:
        raise ContestChanged
    entry_id, number, flags = row
    for flag, twin in twins:
        SQLITE_TWIN_MARKED[flag].run(connection, {**twin, "new_id": entry_id})
    if consents:
        SQLITE_CONSENTS.many(
            connection,
            [
                {"entry_id": entry_id, "kind": kind, "text_sha256": digest, "given_at": now}
                for kind, digest in consents.items()
            ],
        )
    if receipt is not None:
        row = receipt_row(values["email"], receipt, values["created_at"])
        SQLITE_RECEIPT.run(connection, {**row, "entry_id": entry_id})
    return entry_id, number, flags, recent
