"""What a contest's pages and the client's site load besides HTML: the widget loader, the
contest's accent color as a stylesheet, its logo. All cacheable."""

from __future__ import annotations

import hashlib

from flask import abort, current_app, request

from ..contest.embedding import is_color
from ..web.pictures import picture_response
from . import bp, load_contest


@bp.route("/embed.js")
def embed_script():
    """The widget loader that organizers paste on their sites (same file for every contest)."""
    response = current_app.send_static_file("embed.js")
    response.cache_control.public = True
    response.cache_control.max_age = 300
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@bp.route("/c/<slug>/theme.css")
def theme(slug: str):
    """The contest's accent color as a stylesheet (inline styles are forbidden by the CSP)."""
    contest = load_contest(slug)
    color = (
        contest.brand_color if is_color(contest.brand_color) else ""
    )  # checked again: it goes into CSS
    css = f":root {{ --accent: {color}; }}\n" if color else ""
    response = current_app.response_class(css, mimetype="text/css")
    response.set_etag(hashlib.sha256(css.encode()).hexdigest())
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response.make_conditional(request)


@bp.route("/c/<slug>/logo.png")
def logo(slug: str):
    """The organizer's logo, re-encoded when uploaded; its URL changes with it, so it can be cached
    long."""
    contest = load_contest(slug)
    if not contest.logo_sha256:
        abort(404)
    return picture_response(contest.logo_png, contest.logo_sha256, public=True)


@bp.route("/c/<slug>/prizes/<int:prize_id>.png")
def prize_picture(slug: str, prize_id: int):
    """A prize's picture, re-encoded when uploaded; cached long, its URL changes with it."""
    contest = load_contest(slug)
    prize = next((p for p in contest.prizes if p.id == prize_id), None)
    if prize is None or not prize.picture_sha256:
        abort(404)
    return picture_response(prize.picture_png, prize.picture_sha256, public=True)
