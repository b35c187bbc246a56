"""A client's monthly report behind the read-only link its organizer shared (expires)."""

from __future__ import annotations

from flask import Response, abort, current_app

from ..documents.reports import report_pdf
from ..extensions import db
from ..models import Organization
from ..reporting.monthly import ExpiredLink, monthly_report, read_share_token
from . import bp


@bp.route("/r/<token>")
def shared_report(token: str):
    try:
        found = read_share_token(current_app.config["SECRET_KEY"], token)
    except ExpiredLink:
        abort(410)
    organization = db.session.get(Organization, found[0]) if found else None
    if organization is None:
        abort(404)
    report = monthly_report(organization, found[1])
    return Response(
        report_pdf(report),
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="report-{found[1]:%Y-%m}.pdf"',
            "Cache-Control": "private, no-store",
            "X-Robots-Tag": "noindex",
        },
    )
