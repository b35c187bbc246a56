"""The client's monthly report as a PDF, branded with the client's logo and colour."""

from __future__ import annotations

import base64

from flask import render_template
from flask_babel import force_locale, format_date
from flask_babel import lazy_gettext as _l

from ..reporting.charts import data_uri, month_chart
from ..reporting.monthly import MonthlyReport
from .certificates import PAPER
from .pdf import html_to_pdf


def report_context(report: MonthlyReport) -> dict:
    """What the page and the PDF both show, in the current language."""
    previous = report.previous_month
    return {
        "report": report,
        "organization": report.organization,
        "month_label": format_date(report.month, "MMMM y"),
        "previous_label": format_date(previous, "MMMM y"),
        "chart": data_uri(month_chart(report.current.by_day, _l("Entries per day"))),
    }


def report_pdf(report: MonthlyReport) -> bytes:
    """The report in the client's language (its brand kit's), on the paper of its country."""
    organization = report.organization
    with force_locale(organization.language):
        logo = (
            "data:image/png;base64," + base64.b64encode(organization.logo_png).decode()
            if organization.logo_sha256
            else None
        )
        html = render_template(
            "documents/monthly_report.html",
            **report_context(report),
            logo=logo,
            accent=organization.brand_color or "#1f5fbf",
            doc_language=organization.language,
            paper=PAPER.get(organization.jurisdiction, "A4"),
        )
    return html_to_pdf(html)
