"""The organizer workspace. Every route below /admin/o/<org_id>/ is scoped to a membership.

The blueprint, its membership guard and the loaders live here; each feature's views are a
module of their own (organizations, contests, prizes, rules, entries, draws, embed, documents,
audit_log), imported at the bottom so that they register on ``bp``. A loader answers 404 for
anything outside the organization in the URL, so a view never sees another client's data.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, g, request, session
from flask_login import current_user
from sqlalchemy import select

from ..contest.editing import EDITABLE_FIELDS, LOCAL_TIME_FIELDS
from ..extensions import db, login_manager
from ..members import role_of
from ..models import Contest, Draw, DrawState, Entry, Prize, Question
from ..organizations import membership_organization, organizations_of
from ..timezones import utc_to_local
from ..winners.records import draw_of
from .forms import ActionForm

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.url_value_preprocessor
def pull_organization_id(endpoint, values):
    g.org_id = values.pop("org_id", None) if values else None


@bp.url_defaults
def add_organization_id(endpoint, values):
    org = getattr(g, "org", None)
    if (
        org is not None
        and "org_id" not in values
        and current_app.url_map.is_endpoint_expecting(endpoint, "org_id")
    ):
        values["org_id"] = org.id


@bp.before_request
def require_membership():
    """Sign-in for the whole workspace; an organization the user is not in does not exist (404)."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    g.org, g.role = None, None
    if g.org_id is not None:
        g.org = membership_organization(current_user, g.org_id)
        if g.org is None:
            abort(404)
        session["org_id"] = g.org.id
        g.role = role_of(current_user, g.org.id)
        if g.role == "viewer" and request.method not in ("GET", "HEAD", "OPTIONS"):
            abort(403)  # a read-only login: every change is a POST
    return None


def require_owner() -> None:
    """Members and invitations are the owner's."""
    if g.role != "owner":
        abort(403)


@bp.context_processor
def workspace_context():
    if not current_user.is_authenticated:
        return {}
    return {
        "my_organizations": organizations_of(current_user),
        "action_form": ActionForm(formdata=None),
        "read_only": g.get("role") == "viewer",
    }


def load_contest(contest_id: int) -> Contest:
    """A contest of the organization in the URL."""
    return db.first_or_404(
        select(Contest).where(Contest.id == contest_id, Contest.organization_id == g.org.id)
    )


def load_prize(contest: Contest, prize_id: int) -> Prize:
    return db.first_or_404(
        select(Prize).where(Prize.id == prize_id, Prize.contest_id == contest.id)
    )


def load_question(contest: Contest, question_id: int) -> Question:
    return db.first_or_404(
        select(Question).where(Question.id == question_id, Question.contest_id == contest.id)
    )


def load_entry(contest: Contest, entry_id: int) -> Entry:
    return db.first_or_404(
        select(Entry).where(Entry.id == entry_id, Entry.contest_id == contest.id)
    )


def load_draw(contest: Contest, draw_id: int | None, drawn: bool = True) -> Draw:
    """One of the contest's draws (the first by default); 404 for another contest's."""
    the_draw = draw_of(contest) if draw_id is None else db.session.get(Draw, draw_id)
    if (
        the_draw is None
        or the_draw.contest_id != contest.id
        or (drawn and the_draw.state != DrawState.DRAWN)
    ):
        abort(404)
    return the_draw


def contest_form_data(contest: Contest) -> dict:
    """A contest's terms as its form shows them: wall-clock times in the contest's zone."""
    data = {name: getattr(contest, name) for name in EDITABLE_FIELDS}
    for name in LOCAL_TIME_FIELDS:
        instant = getattr(contest, name)
        data[name] = utc_to_local(instant, contest.timezone) if instant else None
    return data


# The views register themselves on ``bp`` when their module is imported.
from . import (  # noqa: E402, F401
    audit_log,
    brand_kit,
    contests,
    data_requests,
    documents,
    draws,
    embed,
    entries,
    jury,
    organizations,
    prizes,
    reports,
    rules,
    statistics,
    winners,
)
