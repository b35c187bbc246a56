"""Public pages, in the contest's language (the entry form comes with the entries work)."""
from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, url_for
from flask_babel import refresh
from sqlalchemy import select

from ..extensions import db
from ..models import Contest, State
from ..models.types import utcnow

bp = Blueprint("public", __name__)

#: States whose contest is visible to the public; drafts do not exist for them.
VISIBLE = (State.PUBLISHED, State.DRAWN, State.ARCHIVED)


def _speak(contest: Contest) -> None:
    g.locale = contest.language
    refresh()


@bp.route("/")
def index():
    """The site root leads organizers to their workspace."""
    return redirect(url_for("admin.home"))


@bp.route("/c/<slug>")
def contest(slug: str):
    """A contest's public page: dates in its time zone, prizes, and where it stands."""
    contest = db.first_or_404(select(Contest).where(Contest.slug == slug, Contest.state.in_(VISIBLE)))
    _speak(contest)
    return render_template("public/contest.html", contest=contest, phase=contest.phase(utcnow()))
