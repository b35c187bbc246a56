"""Entries as CSV for spreadsheets, French Excel included, with formula injection defused."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from zoneinfo import ZoneInfo

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.engine import Engine

from ..identity import display_phone
from ..models import Contest
from .submission import default_region

#: The columns, in order (the contest's questions go before ``disqualified_reason``), and their
#: headers in the contest's language.
COLUMNS = (
    "id",
    "receipt_code",
    "status",
    "flags",
    "created_at",
    "confirmed_at",
    "first_name",
    "last_name",
    "email",
    "phone",
    "postal_code",
    "birth_date",
    "marketing_opt_in",
    "tie_breaker",
    "disqualified_reason",
    "source",
    "host_page",
    "utm_source",
    "utm_medium",
    "utm_campaign",
)
HEADERS = {
    "id": _l("entry no."),
    "receipt_code": _l("receipt code"),
    "status": _l("status"),
    "flags": _l("signals"),
    "created_at": _l("entered at"),
    "confirmed_at": _l("confirmed at"),
    "first_name": _l("first name"),
    "last_name": _l("last name"),
    "email": _l("email"),
    "phone": _l("phone"),
    "postal_code": _l("postal code"),
    "birth_date": _l("date of birth"),
    "marketing_opt_in": _l("offers accepted"),
    "tie_breaker": _l("tie-breaker answer"),
    "disqualified_reason": _l("reason for disqualification"),
    "source": _l("channel"),
    "host_page": _l("page the form was on"),
    "utm_source": "utm_source",
    "utm_medium": "utm_medium",
    "utm_campaign": "utm_campaign",
}
WORDS = {
    "pending": _l("pending confirmation"),
    "confirmed": _l("entry confirmed"),
    "disqualified": _l("entry disqualified"),
    "yes": _l("yes"),
    "no": _l("no"),
}
#: Cells starting with these are formulas to Excel, LibreOffice and Google Sheets (OWASP).
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
SEPARATORS = {"comma": ",", "semicolon": ";"}


def default_separator(contest: Contest) -> str:
    """What the spreadsheet of the contest's audience splits on: French Excel and Calc read the
    comma as the decimal mark and expect ";", English ones expect ","."""
    return "semicolon" if contest.language == "fr" else "comma"


def neutralize(value: object) -> str:
    """Make a cell inert: a leading formula character is escaped with an apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_PREFIXES) else text


def entry_rows(contest: Contest, entries: Iterable) -> Iterator[list[str]]:
    """Header then one row per entry, times in the contest's zone.

    ``entries`` are Entry objects or rows with the same column names. The contest's zone and
    questions are read now, not when the first row is asked for: a streamed body outlives the
    request's session.
    """
    zone = ZoneInfo(contest.timezone)
    region = default_region(contest)
    questions = [(str(q.id), q.label) for q in contest.questions]
    with force_locale(contest.language):  # a spreadsheet in the contest's language
        header = [str(HEADERS[name]) for name in COLUMNS]
        header[COLUMNS.index("disqualified_reason") : COLUMNS.index("disqualified_reason")] = [
            label for _, label in questions
        ]
        words = {key: str(label) for key, label in WORDS.items()}

    def rows() -> Iterator[list[str]]:
        yield header
        for entry in entries:
            answers = json.loads(entry.answers or "{}")
            placed = json.loads(entry.attribution) if entry.attribution else {}
            yield [
                str(entry.number),
                entry.receipt_code,
                words[entry.status],
                entry.flags,
                entry.created_at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
                entry.confirmed_at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")
                if entry.confirmed_at
                else "",
                entry.first_name,
                entry.last_name,
                entry.email,
                # As written at home ("06 12 34 56 78"): no leading "+" for a spreadsheet to
                # take for a formula, so no defusing apostrophe shown in the cell.
                display_phone(entry.phone, region) if entry.phone else "",
                entry.postal_code,
                entry.birth_date.isoformat() if entry.birth_date else "",
                words["yes"] if entry.marketing_opt_in else words["no"],
                "" if entry.tie_breaker is None else str(entry.tie_breaker),
                *[answers.get(key, "") for key, _ in questions],
                entry.disqualified_reason,
                entry.source,
                placed.get("host", ""),
                placed.get("utm_source", ""),
                placed.get("utm_medium", ""),
                placed.get("utm_campaign", ""),
            ]

    return rows()


#: Rows per chunk of the streamed body (and per fetch from the database).
CHUNK_ROWS = 1000


def entries_csv(
    contest: Contest, entries: Iterable, separator: str = ",", bom: bool = True
) -> Iterator[str]:
    """Stream the CSV text in chunks: UTF-8 BOM first so Excel reads accents, every cell
    neutralized."""
    return csv_chunks(entry_rows(contest, entries), separator, bom)


def csv_chunks(rows: Iterable[list[str]], separator: str = ",", bom: bool = True) -> Iterator[str]:
    """Rows as CSV text in chunks, UTF-8 BOM first, every cell neutralized."""

    def chunks() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=separator, lineterminator="\r\n")
        if bom:
            buffer.write("\ufeff")
        for count, row in enumerate(rows, start=1):
            writer.writerow([neutralize(cell) for cell in row])
            if count % CHUNK_ROWS == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return chunks()


def streamed_rows(engine: Engine, query) -> Iterator:
    """The query's rows through a connection of its own, fetched in batches.

    What a streamed response needs: the request's session is gone by the time the body is sent,
    and a contest with a million entries must not be loaded whole to be exported.
    """
    with engine.connect() as connection:
        result = connection.execution_options(stream_results=True, yield_per=CHUNK_ROWS).execute(
            query
        )
        yield from result
