"""US state registration an organizer must be warned of (rules_templates/us/registration.yaml).

New York and Florida want promotions decided by chance with more than $5,000 of prizes registered
and bonded before they start (30 and 7 days ahead), Rhode Island a statement from retailers above
$500. The figures are data a lawyer updates (with a source and a date of effect); this module
turns them into warnings shown when a contest is edited, published (admin and CLI) and amended.
Warnings, not refusals: the US rules already exclude New York and Florida residents while the
contest is not registered there, which is lawful.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date
from babel.numbers import format_currency
from flask_babel import lazy_gettext as _l

from ..models import Contest
from .thresholds import read_facts


@dataclass(frozen=True)
class StateRule:
    code: str
    #: The state's name and what is filed there, by language ("en", "fr").
    name: dict[str, str]
    threshold: int
    lead_days: int | None
    bond: bool
    retail_only: bool
    files: dict[str, str]
    source: str


def rules_in_force(root: Path, on: date) -> list[StateRule]:
    """Each state's line in force on ``on``."""
    rules = []
    for code, state in read_facts(root / "us" / "registration.yaml").items():
        current = [v for v in state.get("values", []) if v["from"] <= on]
        if not current:
            continue
        line = max(current, key=lambda v: v["from"])
        rules.append(
            StateRule(
                code=code,
                name=dict(state["name"]),
                threshold=int(line["threshold"]),
                lead_days=line.get("lead_days"),
                bond=bool(line.get("bond")),
                retail_only=bool(line.get("retail_only")),
                files=dict(line["files"]),
                source=line["source"],
            )
        )
    return rules


def bond_threshold(root: Path, on: date) -> int:
    """The total prize value, in dollars, above which New York and Florida want registration and
    a bond (the lower of their thresholds in force on ``on``)."""
    # Both states' line is dated 2000 in the data file: the default only serves a contest dated
    # before it, or a checkout without the file.
    return min((rule.threshold for rule in rules_in_force(root, on) if rule.bond), default=5000)


def _dollars(amount: float, language: str) -> str:
    return format_currency(amount, "USD", locale="fr_FR" if language == "fr" else "en_US")


def us_registration_warnings(contest: Contest, root: Path, now: datetime, language: str) -> list:
    """What a US contest's organizer must know about state registration, in ``language``."""
    if contest.jurisdiction != "US" or contest.mechanic != "random_draw":
        return []
    total_cents = contest.total_values().get("USD", 0)
    start = contest.starts_at or now
    local_start = start.astimezone(ZoneInfo(contest.timezone))
    warnings = []
    words = "fr" if language.startswith("fr") else "en"
    for rule in rules_in_force(root, local_start.date()):
        if total_cents <= rule.threshold * 100:
            continue
        values = {
            "state": rule.name[words],
            "total": _dollars(total_cents / 100, language),
            "threshold": _dollars(rule.threshold, language),
            "files": rule.files[words],
            "source": rule.source,
        }
        if rule.retail_only:
            warnings.append(
                _l(
                    "%(state)s: the prizes total %(total)s, over %(threshold)s. If you are a "
                    "retail business promoting it with this contest, file %(files)s before the "
                    "start (%(source)s).",
                    **values,
                )
            )
            continue
        due = (local_start - timedelta(days=rule.lead_days or 0)).date()
        values["days"] = rule.lead_days or 0
        values["due"] = format_date(due, "long", locale=language)
        if contest.ny_fl_registered:
            warnings.append(
                _l(
                    "%(state)s: the prizes total %(total)s, over %(threshold)s, and you state the "
                    "contest is registered and bonded there: %(files)s, due at least %(days)s days "
                    "before the start, by %(due)s (%(source)s).",
                    **values,
                )
            )
        elif due < now.astimezone(ZoneInfo(contest.timezone)).date():
            warnings.append(
                _l(
                    "%(state)s: the prizes total %(total)s, over %(threshold)s; registration was "
                    "due %(days)s days before the start, by %(due)s, which is past. The rules "
                    "exclude residents of %(state)s; to admit them, start the contest later and "
                    "register (%(source)s).",
                    **values,
                )
            )
        else:
            warnings.append(
                _l(
                    "%(state)s: the prizes total %(total)s, over %(threshold)s. Registration is "
                    "due at least %(days)s days before the start, by %(due)s: %(files)s "
                    "(%(source)s). "
                    "Until you tick “Registered and bonded in New York and Florida”, the rules "
                    "exclude residents of %(state)s.",
                    **values,
                )
            )
    return warnings
