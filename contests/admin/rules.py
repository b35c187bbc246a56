"""A contest's rules for the organizer: the preview before publishing, and amendments after."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..contest.amendment import AMENDABLE_FIELDS
from ..contest.amendment import amend_rules as amend_contest_rules
from ..contest.publishing import missing_for_publish
from ..contest.rescheduling import close_now, reschedule
from ..links import public_base
from ..models.types import utcnow
from ..rules.versions import contest_template, render_current_terms
from ..web.boundary import change
from . import bp, contest_form_data, load_contest
from .forms import AmendRulesForm, RescheduleForm


@bp.route("/o/<int:org_id>/contests/<int:contest_id>/rules/preview")
def rules_preview(contest_id: int):
    """The rules as they would be published now, for the organizer (and their lawyer) to read."""
    contest = load_contest(contest_id)
    template = contest_template(contest)
    if template is None:
        abort(404)
    return render_template(
        "admin/rules_preview.html",
        contest=contest,
        template=template,
        rules_html=render_current_terms(contest, template, public_base()),
        missing=missing_for_publish(contest, utcnow()),
    )


@bp.route("/o/<int:org_id>/contests/<int:contest_id>/rules/amend", methods=["GET", "POST"])
def amend_rules(contest_id: int):
    """Change amendable terms of a published contest: a new, dated version of the rules."""
    contest = load_contest(contest_id)
    data = contest_form_data(contest)
    form = AmendRulesForm(data={name: data[name] for name in AMENDABLE_FIELDS})
    if form.validate_on_submit():
        with change(form) as outcome:
            number = amend_contest_rules(
                contest, form.values(), form.summary.data, current_user, utcnow(), public_base()
            ).number
        if outcome.ok:
            flash(
                _("Rules amended: version %(number)d is now the one in force.", number=number),
                "success",
            )
            return redirect(url_for("admin.contest", contest_id=contest_id) + "#rules")
    status = 400 if form.errors or request.method == "POST" else 200
    return render_template("admin/amend_rules.html", form=form, contest=contest), status


@bp.route("/o/<int:org_id>/contests/<int:contest_id>/dates", methods=["GET", "POST"])
def reschedule_contest(contest_id: int):
    """Extend a running contest or close it now: a dated amendment that commits the draw again,
    refused once the entrant list is frozen."""
    contest = load_contest(contest_id)
    data = contest_form_data(contest)
    form = RescheduleForm(data={"ends_at": data["ends_at"], "draw_at": data["draw_at"]})
    if form.validate_on_submit():
        closing = request.form.get("action") == "close_now"
        with change(form) as outcome:
            if closing:
                row = close_now(contest, form.summary.data, current_user, utcnow(), public_base())
            else:
                row = reschedule(
                    contest,
                    form.ends_at.data,
                    form.draw_at.data,
                    form.summary.data,
                    current_user,
                    utcnow(),
                    public_base(),
                )
            number = row.number
        if outcome.ok:
            message = (
                _("Contest closed: version %(number)d of the rules says so.", number=number)
                if closing
                else _("New dates published in version %(number)d of the rules.", number=number)
            )
            flash(message, "success")
            return redirect(url_for("admin.contest", contest_id=contest_id) + "#rules")
    status = 400 if form.errors or request.method == "POST" else 200
    return render_template("admin/reschedule.html", form=form, contest=contest), status
