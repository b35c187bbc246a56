"""The client's monthly report: the page, its PDF and CSV, and a link to share it."""

from __future__ import annotations

from flask import Response, current_app, g, render_template, request
from flask_babel import gettext as _

from ..documents.reports import report_context, report_pdf
from ..errors import ValidationFailed
from ..links import external_url
from ..models.types import utcnow
from ..reporting.monthly import LINK_DAYS, monthly_report, parse_month, report_csv, share_token
from ..timezones import utc_to_local
from . import bp


def _report():
    today = utc_to_local(utcnow(), g.org.timezone).date()
    try:
        month = parse_month(request.args.get("month"), today)
    except ValidationFailed:
        month = parse_month(None, today)
    return monthly_report(g.org, month)


@bp.route("/o/<int:org_id>/report")
def monthly():
    report = _report()
    token = share_token(current_app.config["SECRET_KEY"], g.org.id, report.month)
    return render_template(
        "admin/report.html",
        **report_context(report),
        month_value=report.month.strftime("%Y-%m"),
        share_url=external_url("public.shared_report", token=token),
        link_days=LINK_DAYS,
    )


@bp.route("/o/<int:org_id>/report.pdf")
def monthly_pdf():
    report = _report()
    name = f"report-{report.month:%Y-%m}.pdf"
    return Response(
        report_pdf(report),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}"', "Cache-Control": "private"},
    )


@bp.route("/o/<int:org_id>/report.csv")
def monthly_csv():
    report = _report()
    labels = {
        "contest": _("Contest"),
        "entries": _("Entries"),
        "confirmed": _("Confirmed"),
        "opt_in": _("Opt-in"),
        "views": _("Views"),
        "total": _("Total"),
        "previous": _("Previous month"),
    }
    name = f"report-{report.month:%Y-%m}.csv"
    return Response(
        report_csv(report, labels),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
