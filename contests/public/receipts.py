"""An entrant's signed receipt, to download and keep (``entries.receipts``)."""

from __future__ import annotations

import json

from flask import abort, current_app
from sqlalchemy import select

from ..entries.receipts import signed_receipt
from ..extensions import db
from ..models import Entry
from ..winners.records import draw_of
from . import bp, load_contest


@bp.route("/c/<slug>/receipt/<code>.json")
def receipt(slug: str, code: str):
    """Whoever holds the receipt code (the entrant: page and mail) gets the signed receipt. It
    carries no personal data: the entry's line of the list is a salted commitment."""
    contest = load_contest(slug)
    entry = db.session.execute(
        select(Entry).where(Entry.contest_id == contest.id, Entry.receipt_code == code.upper()[:16])
    ).scalar_one_or_none()
    document = (
        signed_receipt(contest, entry, draw_of(contest), current_app.config["SIGNING_KEY"])
        if entry is not None
        else None
    )
    if document is None:
        abort(404)
    return current_app.response_class(
        json.dumps(document, indent=2, sort_keys=True) + "\n",
        mimetype="application/json",
        headers={
            "Content-Disposition": (
                f'attachment; filename="receipt-{contest.slug}-{entry.number}.json"'
            ),
            "Cache-Control": "private, no-store",
            "Referrer-Policy": "no-referrer",
        },
    )
