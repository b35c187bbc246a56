"""Assembly of the Flask application: configuration, extensions, blueprints, headers."""

from __future__ import annotations

import sqlite3

from flask import Flask, g, has_request_context, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from . import (
    models,  # noqa: F401  (register the tables before Migrate looks at them)
    sqlite_turns,
)
from .config import load_config
from .extensions import babel, csrf, db, limiter, login_manager, migrate


class HttpsAwareSessionInterface(SecureCookieSessionInterface):
    """Mark the session cookie Secure whenever the request came over HTTPS, and sign with one
    serializer per set of keys: Flask builds one for every request, cookie or not (1.3% of an
    entry POST's instructions, callgrind, issue 19)."""

    _signing: tuple = (None, None)

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)

    def save_session(self, app: Flask, session, response) -> None:
        if not session and not session.modified:
            # Nothing to write or delete, as for every entrant: what Flask's own save does then,
            # without first working out each attribute of a cookie it will not set.
            if session.accessed:
                response.vary.add("Cookie")
            return
        super().save_session(app, session, response)

    def get_signing_serializer(self, app: Flask):
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        known, serializer = self._signing
        if known != keys:
            serializer = super().get_signing_serializer(app)
            self._signing = (keys, serializer)
        return serializer


def build_app(test_config: dict | None = None) -> Flask:
    import os

    instance_path = (
        (test_config or {}).get("INSTANCE_PATH") or os.environ.get("CONTESTS_INSTANCE_PATH") or None
    )
    app = Flask(__name__, instance_relative_config=True, instance_path=instance_path)
    load_config(app, test_config)
    if app.config["PROXY_COUNT"]:
        count = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    app.session_interface = HttpsAwareSessionInterface()

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
        options["connect_args"] = {
            "factory": sqlite_turns.TurnTakingConnection,
            **options.get("connect_args", {}),
        }
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    db.init_app(app)
    with app.app_context():
        from . import pool_ping

        for engine in db.engines.values():
            pool_ping.install(engine, float(app.config["DATABASE_PING_IDLE_SECONDS"]))
        from .web.boundary import install_read_only_end

        install_read_only_end(app)
    migrate.init_app(app, db, directory=_migrations_dir(), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Sign in to continue.")
    login_manager.login_message_category = "info"
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)

    from .web import input_guard

    input_guard.install(app)  # before the blueprints: their rules use the bounded <int:>
    from .admin import bp as admin_bp
    from .auth.views import bp as auth_bp
    from .public import bp as public_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(public_bp)

    from .web import error_pages, formatting, rate_limits, security_headers

    rate_limits.drop_idle_check(app, limiter)

    security_headers.install(app)
    error_pages.install(app)
    formatting.install(app)

    from .cli import register_commands

    register_commands(app)
    return app


def _migrations_dir() -> str:
    from pathlib import Path

    return str(Path(__file__).resolve().parent.parent / "migrations")


def select_locale() -> str:
    """Public pages speak the contest's language; the admin speaks the organizer's."""
    if getattr(g, "locale", None):
        return g.locale
    if not has_request_context():
        return None
    languages = ("fr", "en")
    if current_user and current_user.is_authenticated and current_user.ui_locale in languages:
        return current_user.ui_locale
    if session.get("lang") in languages:
        return session["lang"]
    return request.accept_languages.best_match(languages) or "en"


@login_manager.user_loader
def load_user(token: str):
    """The cookie names a sign-in session, not an account: a revoked or expired one is no one."""
    from .accounts import session_user
    from .models.types import utcnow

    return session_user(token, utcnow())


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """WAL lets readers run during a write; SQLite leaves foreign keys off unless asked."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # As long as a writer waits for its turn: past both, the write fails as "locked".
        cursor.execute(f"PRAGMA busy_timeout={int(sqlite_turns.WAIT_SECONDS * 1000)}")
        # Checkpoints out of the writers' turn (``sqlite_turns.CHECKPOINT_EVERY``); SQLite's own
        # only past this many frames.
        cursor.execute(f"PRAGMA wal_autocheckpoint={sqlite_turns.AUTOCHECKPOINT_FRAMES}")
        cursor.close()
