"""Documents the organizer prints: the draw certificate with full names, and winner certificates.

WeasyPrint (and Pango behind it) loads on the first document, not when the app starts.
"""

from __future__ import annotations

from flask import Response, abort, request

from ..links import external_url
from ..models import Contest, Draw
from ..winners.records import draw_won_by
from . import bp, load_contest, load_draw


def _pdf(pdf: bytes, filename: str) -> Response:
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )


def _requested_draw(contest: Contest) -> Draw:
    """The drawn draw named by ?draw= (the first draw without it)."""
    raw = request.args.get("draw", "")
    return load_draw(contest, int(raw) if raw.isdigit() else None)


@bp.route("/o/<int:org_id>/contests/<int:contest_id>/draw/certificate.pdf")
def draw_certificate(contest_id: int):
    """The organizer's copy of the draw certificate, with full names."""
    from ..documents.certificates import draw_certificate_pdf

    contest = load_contest(contest_id)
    the_draw = _requested_draw(contest)
    draw_url = external_url("public.draw_page", draw_id=the_draw.id)
    return _pdf(
        draw_certificate_pdf(contest, the_draw, draw_url, full_names=True),
        f"draw-{the_draw.id}-certificate-organizer.pdf",
    )


@bp.route("/o/<int:org_id>/contests/<int:contest_id>/draw/winners/<int:entry_id>/certificate.pdf")
def winner_certificate(contest_id: int, entry_id: int):
    """A certificate for one current winner, with the city the organizer typed."""
    from ..documents.certificates import NotAWinner, winner_certificate_pdf

    contest = load_contest(contest_id)
    the_draw = draw_won_by(contest, entry_id)
    if the_draw is None:
        abort(404)
    draw_url = external_url("public.draw_page", draw_id=the_draw.id)
    try:
        pdf = winner_certificate_pdf(
            contest, the_draw, entry_id, request.args.get("city") or "", draw_url
        )
    except NotAWinner:
        abort(404)
    return _pdf(pdf, f"winner-certificate-{the_draw.id}-{entry_id}.pdf")
