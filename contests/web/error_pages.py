"""Error pages in the reader's language, never a bare stack trace."""

from __future__ import annotations

import logging
import time

from flask import Flask, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from ..extensions import limiter
from ..transaction import discard

log = logging.getLogger(__name__)


def _retry_after() -> int:
    """Seconds until the breached limit lets the sender in again (Flask-Limiter's own headers,
    which read its storage on every limited request, are off: a form needs them only here)."""
    current = limiter.current_limit
    if current is None or not current.breached:
        return 900  # refused by our own throttle (sign-in): its window
    return max(1, int(current.reset_at - time.time()) + 1)


def install(app: Flask) -> None:
    @app.errorhandler(SecurityError)
    def untrusted_host(error: SecurityError):
        # A Host outside TRUSTED_HOSTS: Flask builds no URL adapter for it, so no page that
        # links anywhere can be rendered. A short text is all such a request gets; the log
        # tells the operator who forgot to set BASE_URL what to do.
        log.warning(
            "refused a request for an untrusted host (%s): set CONTESTS_BASE_URL or "
            "CONTESTS_TRUSTED_HOSTS",
            error.description,
        )
        return "Unknown host.\n", 400, {"Content-Type": "text/plain; charset=utf-8"}

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        message = _(
            "This form has expired or was sent from another site. Reload the page and try again."
        )
        return render_template(
            "errors/error.html", code=400, title=_("Form expired"), message=message
        ), 400

    @app.errorhandler(429)
    def too_many_requests(error: HTTPException):
        message = _("Too many attempts. Wait a few minutes and try again.")
        response = render_template(
            "errors/error.html", code=429, title=_("Too many attempts"), message=message
        )
        return response, 429, {"Retry-After": str(_retry_after())}

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        titles = {
            400: _("Bad request"),
            403: _("Forbidden"),
            404: _("Page not found"),
            405: _("Method not allowed"),
            413: _("File too large"),
        }
        title = titles.get(error.code, error.name)
        message = (
            _("The page you asked for does not exist or is not yours to see.")
            if error.code == 404
            else ""
        )
        return render_template(
            "errors/error.html", code=error.code, title=title, message=message
        ), error.code

    @app.errorhandler(InternalServerError)
    def server_error(error):
        discard()
        message = _("Something went wrong on our side; nothing was saved. Try again in a moment.")
        return render_template(
            "errors/error.html", code=500, title=_("Server error"), message=message
        ), 500
