"""Serving a stored picture (a logo, a prize's picture, a contest work): its SHA-256 is its ETag
and part of its URL, so a public one is cached long and a new upload gets a new address."""

from __future__ import annotations

from flask import current_app, request


def picture_response(picture: bytes, sha256: str, public: bool, mimetype: str = "image/png"):
    response = current_app.response_class(picture, mimetype=mimetype)
    response.set_etag(sha256)
    response.cache_control.public = public
    response.cache_control.private = not public
    response.cache_control.max_age = 86400 if public else 60
    return response.make_conditional(request)
