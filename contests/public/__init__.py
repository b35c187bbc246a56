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
from sqlalchemy.orm import joinedload, selectinload

from ..contest.embedding import frame_ancestors
from ..extensions import app_cache, db
from ..models import Contest, State

bp = Blueprint("public", __name__)

#: States whose contest is visible to the public; drafts do not exist for them.
VISIBLE = (State.PUBLISHED, State.DRAWN, State.ARCHIVED)

#: Built once: every public request runs it.
_BY_SLUG = select(Contest).where(Contest.slug == bindparam("slug"), Contest.state.in_(VISIBLE))


def load_contest(slug: str) -> Contest:
    """Load a public contest and switch the page to its language."""
    return _loaded(db.session.execute(_BY_SLUG, {"slug": slug}).scalar_one_or_none())


def _entry_contests() -> dict[str, Contest]:
    return app_cache("contests.entry_contests", dict)


#: The contest an entry form keeps: its columns, its organization, questions and prizes.
_KEPT_BY_SLUG = _BY_SLUG.options(
    joinedload(Contest.organization),
    selectinload(Contest.questions),
    selectinload(Contest.prizes),
)


def entry_contest(slug: str) -> Contest:
    """The contest a posted entry is for, as this process read it before if it did.

    Reading the row was a sixth of an entry's time and a round trip (bench/entry_load.py): a
    copy is kept between requests, read once with its organization, questions and prizes, and
    used detached, outside any session: taking an entry reads nothing else of it (except in a
    double opt-in or skill contest, whose contest is read afresh), and putting it
    into the request's session (``merge``) cost a tenth of the entry. It may be stale: the
    entry's INSERT checks the row's ``updated_at`` (``entries.writes.ContestChanged``) and the
    view reads the contest again. Every page shown instead of the thanks page is shown with the
    contest read afresh (``fresh_entry_contest``). Pages (GET) always read it: they have no such
    check. One copy per process serves one request at a time (sync workers).
    """
    contests = _entry_contests()
    kept = contests.get(slug)
    if kept is None:
        kept = db.session.execute(_KEPT_BY_SLUG, {"slug": slug}).unique().scalar_one_or_none()
        if kept is None:
            abort(404)
        db.session.expunge(kept)  # its questions and prizes with it (cascade)
        if kept.organization is not None:
            db.session.expunge(kept.organization)
        if len(contests) >= 1024:
            contests.clear()
        contests[slug] = kept
    if kept.double_opt_in or kept.work_asked:
        # Their entries write more than the entry's rows (the confirmation mail, from the
        # organization's name as it is now; the work): with the contest as the database has it.
        return fresh_entry_contest(kept)
    return _loaded(kept)


def forget_entry_contest(slug: str) -> None:
    _entry_contests().pop(slug, None)


def fresh_entry_contest(contest: Contest) -> Contest:
    """The contest as the database has it now, in the request's session, to show a page with (an
    entry refused): the kept copy is forgotten if it is no longer that."""
    fresh = load_contest(contest.slug)
    if fresh.updated_at != contest.updated_at:
        forget_entry_contest(contest.slug)
    return fresh


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
