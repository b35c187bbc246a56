"""Entries as CSV for spreadsheets, French Excel included, with formula injection defused."""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from zoneinfo import ZoneInfo

from .models import Contest, Entry

#: Cells starting with these are formulas to Excel, LibreOffice and Google Sheets (OWASP).
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
SEPARATORS = {"comma": ",", "semicolon": ";"}


def neutralize(value: object) -> str:
    """Make a cell inert: a leading formula character is escaped with an apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_PREFIXES) else text


def entry_rows(contest: Contest, entries: Iterable[Entry]) -> Iterator[list[str]]:
    """Header then one row per entry, times in the contest's zone."""
    zone = ZoneInfo(contest.timezone)
    questions = list(contest.questions)
    yield [
        "id", "receipt_code", "status", "flags", "created_at", "confirmed_at", "first_name", "last_name",
        "email", "phone", "postal_code", "birth_date", "marketing_opt_in", "tie_breaker",
        *[q.label for q in questions], "disqualified_reason", "source",
    ]
    for entry in entries:
        answers = json.loads(entry.answers or "{}")
        yield [
            str(entry.id), entry.receipt_code, entry.status, entry.flags,
            entry.created_at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
            entry.confirmed_at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S") if entry.confirmed_at else "",
            entry.first_name, entry.last_name, entry.email, entry.phone or "", entry.postal_code,
            entry.birth_date.isoformat() if entry.birth_date else "",
            "yes" if entry.marketing_opt_in else "no",
            "" if entry.tie_breaker is None else str(entry.tie_breaker),
            *[answers.get(str(q.id), "") for q in questions], entry.disqualified_reason, entry.source,
        ]


def entries_csv(contest: Contest, entries: Iterable[Entry], separator: str = ",", bom: bool = True) -> Iterator[str]:
    """Stream the CSV text: UTF-8 BOM first so Excel reads accents, every cell neutralized."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator, lineterminator="\r\n")
    if bom:
        yield "\ufeff"
    for row in entry_rows(contest, entries):
        writer.writerow([neutralize(cell) for cell in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
