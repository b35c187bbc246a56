"""Flask-Limiter's before-request check is dropped only when it has nothing to check
(``web.rate_limits``): a route's own limit still holds without it, and a default or blueprint
limit keeps it."""

from __future__ import annotations

import pytest
from flask import Blueprint, Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from contests.extensions import limiter as contests_limiter
from contests.web.rate_limits import drop_idle_check


def _limited_app(limiter: Limiter, blueprint_limit: str | None = None) -> Flask:
    app = Flask(__name__)
    app.config["RATELIMIT_STORAGE_URI"] = "memory://"
    limiter.init_app(app)
    bp = Blueprint("pages", __name__)

    @bp.get("/open")
    def open_page():
        return "open"

    @bp.get("/limited")
    @limiter.limit("1 per minute")
    def limited_page():
        return "limited"

    if blueprint_limit:
        limiter.limit(blueprint_limit)(bp)
    app.register_blueprint(bp)
    drop_idle_check(app, limiter)
    return app


def _has_check(app: Flask, limiter: Limiter) -> bool:
    return limiter._check_request_limit in app.before_request_funcs[None]


def test_the_app_runs_no_idle_limiter_check(app):
    # The limiter is the app's (else the absence of its check would prove nothing), and the
    # sign-in throttle and the entry limit still answer 429 (test_auth, test_entry_robustness).
    assert contests_limiter in app.extensions["limiter"]
    assert not _has_check(app, contests_limiter)


def test_a_route_limit_holds_without_the_check():
    limiter = Limiter(key_func=get_remote_address)
    app = _limited_app(limiter)
    assert not _has_check(app, limiter)
    client = app.test_client()
    assert client.get("/limited").status_code == 200
    assert client.get("/limited").status_code == 429
    assert [client.get("/open").status_code for _ in range(3)] == [200, 200, 200]


@pytest.mark.parametrize(
    "kind", ["default", "application", "blueprint"], ids=lambda kind: f"{kind} limit"
)
def test_a_limit_outside_the_routes_keeps_the_check(kind):
    limiter = Limiter(
        key_func=get_remote_address,
        default_limits=["2 per minute"] if kind == "default" else [],
        application_limits=["2 per minute"] if kind == "application" else [],
    )
    app = _limited_app(limiter, "2 per minute" if kind == "blueprint" else None)
    assert _has_check(app, limiter)
    client = app.test_client()
    assert [client.get("/open").status_code for _ in range(3)] == [200, 200, 429]
