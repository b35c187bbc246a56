"""A draft's prizes and the custom questions of its entry form."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..contest.editing import add_prize, add_question, delete_prize, delete_question, update_prize
from ..contest.embedding import set_prize_picture
from ..web.boundary import change
from ..web.pictures import picture_response
from . import bp, load_contest, load_prize, load_question
from .forms import ActionForm, PrizeForm, QuestionForm


def _to_contest(contest_id: int):
    return redirect(url_for("admin.contest", contest_id=contest_id))


@bp.route("/o/<int:org_id>/contests/<int:contest_id>/prizes/new", methods=["GET", "POST"])
def new_prize(contest_id: int):
    """Add a prize to a draft."""
    contest = load_contest(contest_id)
    form = PrizeForm()
    if form.validate_on_submit():
        with change(form) as outcome:
            prize = add_prize(contest, form.values(), current_user)
            set_prize_picture(prize, form.picture_bytes(), False, current_user)
        if outcome.ok:
            flash(_("Prize added."), "success")
            return _to_contest(contest_id)
    status = 400 if form.errors or request.method == "POST" else 200
    return render_template("admin/prize_form.html", form=form, contest=contest, prize=None), status


@bp.route(
    "/o/<int:org_id>/contests/<int:contest_id>/prizes/<int:prize_id>/edit", methods=["GET", "POST"]
)
def edit_prize(contest_id: int, prize_id: int):
    """Change a prize of a draft."""
    contest = load_contest(contest_id)
    prize = load_prize(contest, prize_id)
    form = PrizeForm(
        data={
            "title": prize.title,
            "description": prize.description,
            "quantity": prize.quantity,
            "unit_value": prize.unit_value_minor,
            "currency": prize.currency,
            "delivery": prize.delivery,
            "position": prize.position,
        }
    )
    if form.validate_on_submit():
        with change(form) as outcome:
            update_prize(prize, form.values(), current_user)
            set_prize_picture(
                prize, form.picture_bytes(), bool(form.remove_picture.data), current_user
            )
        if outcome.ok:
            flash(_("Prize saved."), "success")
            return _to_contest(contest_id)
    status = 400 if form.errors or request.method == "POST" else 200
    return render_template("admin/prize_form.html", form=form, contest=contest, prize=prize), status


@bp.route(
    "/o/<int:org_id>/contests/<int:contest_id>/prizes/<int:prize_id>/delete", methods=["POST"]
)
def remove_prize(contest_id: int, prize_id: int):
    """Remove a prize from a draft."""
    contest = load_contest(contest_id)
    prize = load_prize(contest, prize_id)
    if ActionForm().validate_on_submit():
        with change() as outcome:
            delete_prize(prize, current_user)
        if outcome.ok:
            flash(_("Prize removed."), "success")
    return _to_contest(contest_id)


@bp.route("/o/<int:org_id>/contests/<int:contest_id>/questions/new", methods=["GET", "POST"])
def new_question(contest_id: int):
    """Add a question to a draft's entry form."""
    contest = load_contest(contest_id)
    form = QuestionForm()
    if form.validate_on_submit():
        with change() as outcome:
            add_question(contest, form.data, current_user)
        if outcome.ok:
            flash(_("Question added."), "success")
        return _to_contest(contest_id)
    status = 400 if form.errors else 200
    return render_template("admin/question_form.html", form=form, contest=contest), status


@bp.route(
    "/o/<int:org_id>/contests/<int:contest_id>/questions/<int:question_id>/delete", methods=["POST"]
)
def remove_question(contest_id: int, question_id: int):
    """Remove a question from a draft's entry form."""
    contest = load_contest(contest_id)
    question = load_question(contest, question_id)
    with change() as outcome:
        delete_question(question, current_user)
    if outcome.ok:
        flash(_("Question removed."), "success")
    return _to_contest(contest_id)


@bp.route("/o/<int:org_id>/contests/<int:contest_id>/prizes/<int:prize_id>/picture.png")
def prize_picture_preview(contest_id: int, prize_id: int):
    """A prize's picture for the organizer, drafts included (the public one shows published
    contests only)."""
    prize = load_prize(load_contest(contest_id), prize_id)
    if not prize.picture_sha256:
        abort(404)
    return picture_response(prize.picture_png, prize.picture_sha256, public=False)
