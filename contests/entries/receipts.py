"""An entrant's signed receipt: proof, for anybody, that the server accepted an entry.

It names the entry's line of the entrant list (``<entry_id>,<weight>,<entrant_commit>``, the
entry_id being the entry's number in its contest, no
personal data), the contest, the draw specification it enters and when it was accepted, signed
with the server's Ed25519 key (``contests.signing``). After the close the entrant runs
``python -m contests.draw.verify --receipt RECEIPT.json RECORD.json ENTRANTS_FILE``: the line is in
the frozen list, or the receipt proves that an accepted entry is missing from it. Signed again on
demand (Ed25519 is deterministic), so nothing is stored.
"""

from __future__ import annotations

from ..draw.canonical import encode_line, entrant_commit
from ..links import public_url
from ..models import Contest, Draw, Entry, EntryStatus
from ..signing import sign

RECEIPT_TYPE = "contests-entry-receipt"


def receipt_line(entry: Entry) -> str:
    """The entry's line of the entrant list, as the freeze writes it."""
    commit = entry.entrant_commit or entrant_commit(bytes(entry.salt), entry.identity_key)
    return encode_line(entry.number, entry.weight, commit).decode()


def receipt_url(contest: Contest, entry: Entry) -> str:
    return public_url(f"/c/{contest.slug}/receipt/{entry.receipt_code}.json")


def signed_receipt(contest: Contest, entry: Entry, draw: Draw | None, seed_hex: str) -> dict | None:
    """The signed receipt of a confirmed entry (None before confirmation: it does not count)."""
    if entry.status != EntryStatus.CONFIRMED:
        return None
    accepted = entry.confirmed_at or entry.created_at
    return sign(
        seed_hex,
        {
            "type": RECEIPT_TYPE,
            "version": 1,
            "contest": contest.slug,
            "draw_spec_hash": draw.spec_hash if draw is not None else None,
            "entry_id": entry.number,
            "line": receipt_line(entry),
            "receipt_code": entry.receipt_code,
            "accepted_at": accepted.isoformat(),
        },
    )
