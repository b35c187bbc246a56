"""Who the winners are, as each jurisdiction lets it be said.

France (and most): first name, initial and town, published only when the winner agreed on the
claim page. UK (CAP 8.28.5): surname and county made available on request, unless the winner
objected (then only the ASA may be told). US: the same short name on the public page the rules
name for the winners list (the winner accepted the publicity release), full name and city on a
written request.
Nothing is published for a winner who has not claimed, nor once the winners' data is erased at the
end of its retention period (``entries.retention``).
"""

from __future__ import annotations

from ..models import HOLDING, Award, AwardStatus, Contest
from .claims import requirements


def _claimed(award: Award) -> bool:
    return (
        award.status in HOLDING
        and award.status not in (AwardStatus.TO_NOTIFY, AwardStatus.NOTIFIED)
        and award.entry.erased_at is None
    )


def public_names(contest: Contest, awards: list[Award]) -> dict[int, str]:
    """Entry number -> "Zoé D. (Lyon)" for the winners who agreed to appear on the public page (US:
    the publicity release they accepted; the US rules point to that page for the winners list).
    Never in the UK, where surname and county are given on request only."""
    if requirements(contest).publication == "objection":
        return {}
    names = {}
    for award in awards:
        if _claimed(award) and award.publication == "agreed":
            entry = award.entry
            initial = entry.last_name.strip()[:1].upper()
            name = f"{entry.first_name.strip()} {initial}." if initial else entry.first_name.strip()
            names[entry.number] = f"{name} ({award.town})" if award.town else name
    return names


def request_list(contest: Contest, awards: list[Award]) -> list[dict]:
    """What to answer a winners-list request with (UK, US): per claimed prize, the surname and
    county (UK) or the full name and city (US), or that the winner objected."""
    needs = requirements(contest)
    rows = []
    for award in awards:
        if not _claimed(award):
            continue
        entry = award.entry
        objected = needs.publication == "objection" and award.publication == "refused"
        if contest.jurisdiction == "GB":
            shown = f"{entry.last_name}, {award.town}"
        else:
            shown = f"{entry.first_name} {entry.last_name}, {award.town}"
        rows.append({"award": award, "shown": None if objected else shown})
    return rows
