"""Public pages, in the contest's language: the entry form (standalone and embedded), the rules,
the draws. No sign-in; nothing here shows personal data.

The blueprint and the loaders live here; each feature's views are a module of their own (entry,
assets, rules, draws), imported at the bottom so that they register on ``bp``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, g, request
from flask_babel import refresh
from sqlalchemy import bindparam, select

from ..contest.embedding import frame_ancestors
from ..entries.signals import burst_parameters, recent_entries_column
from ..extensions import db
from ..models import Contest, State

bp = Blueprint("public", __name__)

#: States whose contest is visible to the public; drafts do not exist for them.
VISIBLE = (State.PUBLISHED, State.DRAWN, State.ARCHIVED)

#: Built once: every public request runs it.
_BY_SLUG = select(Contest).where(Contest.slug == bindparam("slug"), Contest.state.in_(VISIBLE))


#: The same with the entrant's address's recent entries (the burst signal), for a posted entry.
_BY_SLUG_WITH_BURST = select(Contest, recent_entries_column).where(
    Contest.slug == bindparam("slug"), Contest.state.in_(VISIBLE)
)


def load_contest(slug: str) -> Contest:
    """Load a public contest and switch the page to its language."""
    return _loaded(db.session.execute(_BY_SLUG, {"slug": slug}).scalar_one_or_none())


def load_contest_for_entry(slug: str, address: str, now) -> tuple[Contest, int]:
    """The contest and how many entries the address sent it lately, in one statement."""
    row = db.session.execute(
        _BY_SLUG_WITH_BURST, {"slug": slug, **burst_parameters(address, now)}
    ).first()
    return _loaded(row and row[0]), row[1]


def _loaded(contest: Contest | None) -> Contest:
    if contest is None:
        abort(404)
    g.locale = contest.language
    refresh()
    return contest


def same_origin() -> bool:
    """Refuse posts whose Origin (or, failing that, Referer) names another site."""
    source = request.headers.get("Origin") or request.headers.get("Referer")
    if not source or source == "null":
        return not source  # absent: privacy tools strip both; the signed token still applies
    parts = urlsplit(source)
    return f"{parts.scheme}://{parts.netloc}" == request.host_url.rstrip("/")


def framable(contest: Contest, response):
    """Let the contest's allowed sites (any site when none is listed) frame this response."""
    response.frame_ancestors = frame_ancestors(contest)
    return response


def page(contest: Contest, embed: bool, body, status: int | None = None):
    """A response in the chosen layout; embedded ones may be framed by the contest's sites."""
    response = current_app.make_response(body if status is None else (body, status))
    return framable(contest, response) if embed else response


# The views register themselves on ``bp`` when their module is imported.
from . import (  # noqa: E402, F401
    assets,
    claims,
    draws,
    entry,
    health,
    jury,
    receipts,
    reports,
    rights,
    rules,
    transparency,
)
