"""``/healthz`` for a load balancer's health check: 200 when this server reaches its database."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from . import bp


@bp.route("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        current_app.logger.exception("health check: the database does not answer")
        return (
            "database unreachable\n",
            503,
            {"Content-Type": "text/plain", "Cache-Control": "no-store"},
        )
    return "ok\n", 200, {"Content-Type": "text/plain", "Cache-Control": "no-store"}
