"""A skill contest's jury for the organizer: jurors and their links, progress, the tie-breaker's
exact value, closing the deliberation, the works and the procès-verbal."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms import EmailField, IntegerField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from ..documents.jury_report import jury_report_pdf
from ..extensions import db
from ..jury.criteria import criteria_or_empty
from ..jury.panel import add_juror, jurors_of, missing_scores, remove_juror, works_to_judge
from ..jury.ranking import close_deliberation, compute_ranking, frozen_ranking
from ..jury.ranking import note_tie_breaker_value as note_value
from ..jury.works import work_image
from ..links import public_base
from ..models import Juror
from ..models.types import utcnow
from ..web.boundary import change
from ..web.forms import Form
from ..web.pictures import picture_response
from . import bp, load_contest
from .forms import ActionForm


class JurorForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])


class TieBreakerForm(Form):
    tie_breaker_value = IntegerField(
        _l("Exact answer to the tie-breaker question"),
        validators=[InputRequired(), NumberRange(min=0, max=10**12)],
    )


def _skill_contest(contest_id: int):
    contest = load_contest(contest_id)
    if contest.mechanic != "skill":
        abort(404)
    return contest


def _page(contest, juror_form=None, value_form=None, status=200, link=None):
    now = utcnow()
    jurors = jurors_of(contest)
    closed = contest.jury_closed_at is not None
    return render_template(
        "admin/jury.html",
        contest=contest,
        phase=contest.phase(now),
        criteria=criteria_or_empty(contest.jury_criteria),
        jurors=[(j, missing_scores(contest, j)) for j in jurors],
        works=works_to_judge(contest),
        ranking=frozen_ranking(contest) if closed else compute_ranking(contest),
        closed=closed,
        juror_form=juror_form or JurorForm(),
        value_form=value_form
        or TieBreakerForm(data={"tie_breaker_value": contest.tie_breaker_value}),
        action_form=ActionForm(),
        link=link,
    ), status


@bp.route("/o/<int:org_id>/contests/<int:contest_id>/jury", methods=["GET", "POST"])
def jury(contest_id: int):
    """The jury: add a juror (their personal link is mailed, and shown once here)."""
    contest = _skill_contest(contest_id)
    form = JurorForm()
    if request.method == "POST" and form.validate_on_submit():
        with change(form) as outcome:
            _juror, link = add_juror(
                contest, form.name.data, form.email.data, current_user, public_base()
            )
        if outcome.ok:
            flash(_("Juror added; their personal link was mailed to them."), "success")
            return _page(contest, link=link)
    return _page(contest, juror_form=form, status=400 if request.method == "POST" else 200)


@bp.route("/o/<int:org_id>/contests/<int:contest_id>/jury/<int:juror_id>/remove", methods=["POST"])
def remove_from_jury(contest_id: int, juror_id: int):
    contest = _skill_contest(contest_id)
    juror = db.first_or_404(
        select(Juror).where(Juror.id == juror_id, Juror.contest_id == contest.id)
    )
    if ActionForm().validate_on_submit():
        with change() as outcome:
            remove_juror(contest, juror, current_user)
        if outcome.ok:
            flash(_("Juror removed, with their scores."), "success")
    return redirect(url_for("admin.jury", contest_id=contest.id))


@bp.route("/o/<int:org_id>/contests/<int:contest_id>/jury/tie-breaker", methods=["POST"])
def note_tie_breaker_value(contest_id: int):
    contest = _skill_contest(contest_id)
    form = TieBreakerForm()
    if not form.validate_on_submit():
        return _page(contest, value_form=form, status=400)
    with change(form) as outcome:
        note_value(contest, form.tie_breaker_value.data, current_user, utcnow())
    if not outcome.ok:
        return _page(contest, value_form=form, status=400)
    flash(_("Exact value noted."), "success")
    return redirect(url_for("admin.jury", contest_id=contest.id))


@bp.route("/o/<int:org_id>/contests/<int:contest_id>/jury/close", methods=["POST"])
def close_jury(contest_id: int):
    contest = _skill_contest(contest_id)
    if ActionForm().validate_on_submit():
        with change() as outcome:
            close_deliberation(contest, current_user, utcnow())
        if outcome.ok:
            flash(
                _("Deliberation closed: the ranking is frozen and the winners are mailed."),
                "success",
            )
    return redirect(url_for("admin.jury", contest_id=contest.id))


@bp.route("/o/<int:org_id>/contests/<int:contest_id>/jury/report.pdf")
def jury_report(contest_id: int):
    contest = _skill_contest(contest_id)
    if contest.jury_closed_at is None:
        abort(404)
    return Response(
        jury_report_pdf(contest),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="jury-{contest.slug}.pdf"'},
    )


@bp.route("/o/<int:org_id>/contests/<int:contest_id>/jury/works/<int:number>.jpg")
def jury_work_image(contest_id: int, number: int):
    picture = work_image(_skill_contest(contest_id).id, number)
    if picture is None:
        abort(404)
    return picture_response(*picture, public=False, mimetype="image/jpeg")
