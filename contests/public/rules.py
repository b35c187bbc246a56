"""The rules as published: the current text, every earlier version, and their PDFs."""

from __future__ import annotations

from flask import abort, current_app, render_template, request

from ..models import Contest, RulesVersion
from ..rules.versions import all_versions, current_version, rules_language, rules_pdf, version
from ..transaction import unit_of_work
from . import bp, load_contest


def _rules_row(contest: Contest, number: int | None) -> RulesVersion:
    row = current_version(contest) if number is None else version(contest, number)
    if row is None:
        abort(404)
    return row


@bp.route("/c/<slug>/rules", defaults={"number": None})
@bp.route("/c/<slug>/rules/v<int:number>")
def rules_version(slug: str, number: int | None):
    """The rules as published: the current version, or any earlier one, with the history."""
    contest = load_contest(slug)
    row = _rules_row(contest, number)
    versions = all_versions(contest)
    return render_template(
        "public/rules.html",
        contest=contest,
        row=row,
        versions=versions,
        is_current=row.number == versions[-1].number,
        rules_language=rules_language(row),
    )


@bp.route("/c/<slug>/rules.pdf", defaults={"number": None})
@bp.route("/c/<slug>/rules/v<int:number>.pdf")
def rules_version_pdf(slug: str, number: int | None):
    """The rules PDF, rendered once per version and served from the database afterwards."""
    contest = load_contest(slug)
    row = _rules_row(contest, number)
    with unit_of_work():  # keeps the rendering when it was the first
        pdf = rules_pdf(contest, row)
        row_number, row_sha256 = row.number, row.sha256
    response = current_app.response_class(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{slug}-rules-v{row_number}.pdf"'
    response.set_etag(row_sha256)
    # A numbered version never changes; "the current rules" may gain an amendment.
    response.cache_control.public = True
    response.cache_control.max_age = 31536000 if number is not None else 300
    return response.make_conditional(request)
