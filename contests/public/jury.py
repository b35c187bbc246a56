"""A juror's page, reached from their personal link: the works (by number, never by author),
the criteria, their scores, and the procès-verbal to sign."""

from __future__ import annotations

import re

from flask import abort, current_app, g, redirect, render_template, request, url_for
from flask_babel import refresh

from ..errors import ValidationFailed
from ..extensions import db
from ..jury.criteria import criteria_or_empty
from ..jury.panel import (
    juror_for_token,
    missing_scores,
    record_scores,
    scores_of,
    sign,
    works_to_judge,
)
from ..jury.works import work_image
from ..models import Contest, Phase
from ..models.types import utcnow
from ..web.boundary import change
from ..web.pictures import picture_response
from . import bp

_SCORE = re.compile(r"^s_(\d{1,9})_(\d{1,2})$")


def _juror_and_contest(token: str):
    juror = juror_for_token(token)
    if juror is None:
        abort(404)
    contest = db.session.get(Contest, juror.contest_id)
    g.locale = contest.language
    refresh()
    return juror, contest


@bp.route("/jury/<token>", methods=["GET", "POST"])
def juror_page(token: str):
    """Score the works, then sign; a GET only shows the page (link scanners change nothing)."""
    juror, contest = _juror_and_contest(token)
    now = utcnow()
    errors: dict = {}
    typed: dict[str, str] = {}
    if request.method == "POST":
        # CSRFProtect has checked the token before the view runs, as for every POST.
        typed = {k: v for k, v in request.form.items() if _SCORE.match(k)}
        raw = {
            (int(m[1]), int(m[2])): value
            for key, value in typed.items()
            if (m := _SCORE.match(key))
        }
        with change() as outcome:
            record_scores(contest, juror, raw, now)
            if request.form.get("action") == "sign":
                sign(contest, juror, now)
        if outcome.ok:
            return redirect(url_for("public.juror_page", token=token), 303)
        if isinstance(outcome.error, ValidationFailed):
            errors = outcome.error.errors
    given = scores_of(juror)
    works = works_to_judge(contest)
    html = render_template(
        "public/jury.html",
        contest=contest,
        juror=juror,
        token=token,
        criteria=criteria_or_empty(contest.jury_criteria),
        works=works,
        given=given,
        typed=typed,
        errors=errors,
        missing=missing_scores(contest, juror),
        judging=contest.phase(now) == Phase.CLOSED and contest.jury_closed_at is None,
    )
    response = current_app.make_response((html, 400 if errors else 200))
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/jury/<token>/works/<int:number>.jpg")
def juror_work_image(token: str, number: int):
    juror, _contest = _juror_and_contest(token)
    picture = work_image(juror.contest_id, number)
    if picture is None:
        abort(404)
    return picture_response(*picture, public=False, mimetype="image/jpeg")
