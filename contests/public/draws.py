"""Public draw pages: the commitment before the draw, the record after it, the receipt check,
the certificate, and the two files the offline verifier reads."""

from __future__ import annotations

import json

from flask import current_app, render_template, request
from sqlalchemy import select

from ..extensions import db
from ..links import external_url
from ..models import Contest, Draw, DrawState
from ..models.types import utcnow
from ..web.boundary import freeze_if_closed
from ..winners.awards import awards_of
from ..winners.freezing import listing_of
from ..winners.publication import public_names
from ..winners.records import draw_of, draw_summary, draws_of, receipt_inclusion
from . import bp, load_contest


def _drawn(draw_id: int) -> tuple[Draw, Contest]:
    draw = db.first_or_404(select(Draw).where(Draw.id == draw_id, Draw.state == DrawState.DRAWN))
    contest = load_contest(draw.contest.slug)
    return draw, contest


@bp.route("/d/<int:draw_id>")
def draw_page(draw_id: int):
    """The public draw record, readable, with a receipt check for entrants.

    Before the draw the address already exists (the rules print it): it shows the commitment.
    """
    committed = db.session.execute(
        select(Draw).where(Draw.id == draw_id, Draw.state == DrawState.COMMITTED)
    ).scalar_one_or_none()
    if committed is not None:
        contest = load_contest(committed.contest.slug)
        freeze_if_closed(contest, utcnow())
        spec = json.loads(committed.spec)
        return render_template(
            "public/draw_pending.html",
            contest=contest,
            draw=committed,
            spec=spec,
            listing=listing_of(committed) if committed.frozen_at is not None else None,
            current=draw_of(contest) if committed.superseded_at is not None else None,
        )
    draw, contest = _drawn(draw_id)
    summary = draw_summary(draw)
    receipt = (request.args.get("receipt") or "").strip()[:20]
    inclusion = receipt_inclusion(draw, contest, receipt) if receipt else None
    children = [d for d in draws_of(contest) if d.parent_id == draw.id]  # its supplementary draws
    return render_template(
        "public/draw.html",
        contest=contest,
        draw=draw,
        record=summary["record"],
        prizes=summary["prizes"],
        winners=summary["winners"],
        fills=summary["fills"],
        called=summary["called"],
        receipt=receipt,
        inclusion=inclusion,
        children=children,
        names=public_names(contest, awards_of([draw.id])),
    )


@bp.route("/d/<int:draw_id>/certificate.pdf")
def draw_certificate(draw_id: int):
    """The public draw certificate (procès-verbal): figures, hashes, winners by first name and
    initial."""
    from ..documents.certificates import (
        public_draw_certificate_pdf,  # WeasyPrint: loaded on first document
    )

    draw, contest = _drawn(draw_id)
    pdf = public_draw_certificate_pdf(
        contest, draw, external_url("public.draw_page", draw_id=draw.id)
    )
    return current_app.response_class(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="draw-{draw.id}-certificate.pdf"',
            "Cache-Control": "no-cache",
        },
    )


@bp.route("/d/<int:draw_id>.json")
def draw_record(draw_id: int):
    """The draw record as published: what the verifier reads."""
    draw, _ = _drawn(draw_id)
    return current_app.response_class(
        draw.record,
        mimetype="application/json",
        headers={"Content-Disposition": f'inline; filename="draw-{draw_id}.json"'},
    )


@bp.route("/d/<int:draw_id>/spec.json")
def draw_spec(draw_id: int):
    """The specification in full, byte for byte what its published SHA-256 is computed on,
    from publication on (before the close, before the draw)."""
    draw = db.first_or_404(select(Draw).where(Draw.id == draw_id))
    load_contest(draw.contest.slug)  # 404 unless the contest is public
    return current_app.response_class(
        draw.spec,
        mimetype="application/json",
        headers={"Content-Disposition": f'inline; filename="draw-{draw_id}-spec.json"'},
    )


@bp.route("/d/<int:draw_id>/entrants.txt")
def draw_entrants(draw_id: int):
    """The canonical entrant file: ids, tickets and commitments, no personal data."""
    draw, _ = _drawn(draw_id)
    return current_app.response_class(
        draw.entrants_file,
        mimetype="text/plain",
        headers={"Content-Disposition": f'attachment; filename="draw-{draw_id}-entrants.txt"'},
    )
