"""Entrants' requests about their data, as the organization answers them: open ones first, with
the one-month deadline (GDPR art. 12(3)), then what was done and when; the proof of consents and
the record of processing (art. 30) the organization keeps."""

from __future__ import annotations

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ..entries.consent_proof import consent_rows
from ..entries.export import SEPARATORS, csv_chunks
from ..entries.register import record_of
from ..entries.rights import close_request, requests_of
from ..extensions import db
from ..models import DataRequest
from ..models.types import utcnow
from ..web.boundary import change
from . import bp


@bp.route("/o/<int:org_id>/data-requests")
def data_requests():
    return render_template("admin/data_requests.html", requests=requests_of(g.org.id), now=utcnow())


@bp.route("/o/<int:org_id>/consents.csv")
def consents_csv():
    """The proof of every consent the organization's contests collected (CSV, as the entries')."""
    separator = SEPARATORS.get(request.args.get("sep") or "semicolon", ";")
    body = "".join(csv_chunks(consent_rows(g.org.id), separator))
    return Response(
        body,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="consents-{g.org.id}.csv"',
            "Cache-Control": "private, no-store",
        },
    )


@bp.route("/o/<int:org_id>/data-requests/<int:request_id>", methods=["POST"])
def answer_data_request(request_id: int):
    """Erase the entrant's data now, or close the request with what was answered."""
    row = db.session.get(DataRequest, request_id)
    if row is None or row.organization_id != g.org.id:
        abort(404)
    erase_now = request.form.get("action") == "erase"
    with change() as outcome:
        close_request(row, utcnow(), current_user, erase_now, request.form.get("note", ""))
    if outcome.ok:
        flash(_("The entrant's data is erased.") if erase_now else _("Request closed."), "success")
    return redirect(url_for("admin.data_requests"), 303)


@bp.route("/o/<int:org_id>/register")
def register():
    """The record of processing activities (GDPR art. 30), in French or English (?lang=)."""
    language = request.args.get("lang") if request.args.get("lang") in ("fr", "en") else None
    with force_locale(language or get_locale().language):
        html = render_template(
            "admin/register.html",
            activities=record_of(g.org),
            language=language or get_locale().language,
            generated=utcnow(),
        )
    return html
