"""Configuration: built-in defaults, then ``instance/config.py``, then ``CONTESTS_*`` variables."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask


class Defaults:
    #: Overridden by CONTESTS_DATABASE_URL; empty means the SQLite file in instance/.
    DATABASE_URL = ""
    #: No ``pool_pre_ping``: a connection idle in the pool this long is checked before use
    #: (``pool_ping``), one used a moment ago is not (a round trip per request on PostgreSQL).
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    DATABASE_PING_IDLE_SECONDS = 10
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    #: Force the Secure flag even over plain HTTP requests (it is always set over HTTPS).
    SESSION_COOKIE_SECURE = False
    PERMANENT_SESSION_LIFETIME = 12 * 3600
    #: Werkzeug's scrypt (n=32768, r=8, p=1: about 0.1 s per check, on purpose). The tests lower
    #: the work factor, not the algorithm; never lower it in production.
    PASSWORD_HASH_METHOD = "scrypt"
    #: Larger request bodies are refused with a 413 page before any view reads them.
    MAX_CONTENT_LENGTH = 4 * 1024 * 1024
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    BABEL_DEFAULT_LOCALE = "en"
    LANGUAGES = ("fr", "en")
    RATELIMIT_STORAGE_URI = "memory://"
    #: X-RateLimit-* on every limited response cost a storage read each; a 429 says Retry-After.
    RATELIMIT_HEADERS_ENABLED = False
    #: Failed sign-ins allowed before the form answers 429, per address and per account.
    LOGIN_LIMIT_PER_IP = "20 per 15 minutes"
    LOGIN_LIMIT_PER_ACCOUNT = "5 per 15 minutes"
    #: Password reset mails asked for per address.
    RESET_LIMIT_PER_IP = "5 per 15 minutes"
    #: Entry form submissions allowed per address (offices and mobile carriers share addresses).
    ENTRY_LIMIT_PER_IP = "60 per minute;2000 per hour"
    #: Confirmation mail re-sends allowed per address.
    RESEND_LIMIT_PER_IP = "5 per 15 minutes"
    #: A form sent back sooner than this after it was served is a bot (seconds).
    MIN_FILL_SECONDS = 3.0
    #: How long an entry form stays valid once served (seconds).
    FORM_TOKEN_MAX_AGE = 12 * 3600
    #: Entries from one address within the window beyond which they are flagged for review.
    IP_BURST_THRESHOLD = 5
    IP_BURST_WINDOW_SECONDS = 600
    #: Validity of the double opt-in link, in hours.
    CONFIRM_MAX_AGE_HOURS = 72
    #: Views of the contest pages are counted in memory and written at most this often.
    VIEW_FLUSH_SECONDS = 30
    #: Outgoing mail: smtp://host:port, smtp+starttls://user:pass@host:587 or smtps://...; empty
    #: keeps
    #: mail in the outbox until `contests send-mail` runs with a server configured.
    SMTP_URL = ""
    MAIL_FROM = "contests@localhost"
    #: Number of proxies in front of the app whose X-Forwarded-* headers are trusted.
    PROXY_COUNT = 0
    #: The app's public address: every link in mail, PDFs, rules, QR codes and embed snippets
    #: is built on it, never on the request's Host header.
    BASE_URL = "http://127.0.0.1:5000"
    #: Host names the app answers to (comma-separated; a leading dot accepts subdomains, "*" any
    #: host). Empty: BASE_URL's host and the loopback names. Other hosts get a 400.
    TRUSTED_HOSTS = ""
    #: Folder of the legal rules templates (one folder per jurisdiction and mechanic).
    RULES_TEMPLATES_PATH = str(Path(__file__).resolve().parent.parent / "rules_templates")


def load_config(app: Flask, test_config: dict | None) -> None:
    """Apply the layers in order and derive what the extensions read."""
    app.config.from_object(Defaults)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("CONTESTS")
        # from_prefixed_env parses JSON-looking values; RATELIMIT_STORAGE_URL is the documented
        # name.
        if "RATELIMIT_STORAGE_URL" in app.config:
            app.config["RATELIMIT_STORAGE_URI"] = app.config["RATELIMIT_STORAGE_URL"]
    else:
        app.config.update(test_config)

    app.config["SQLALCHEMY_DATABASE_URI"] = database_uri(
        app.config.get("DATABASE_URL") or "", Path(app.instance_path)
    )
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key(Path(app.instance_path))
    if not app.config.get("SIGNING_KEY"):
        # The Ed25519 seed that signs receipts; several app servers must share one (the setting).
        app.config["SIGNING_KEY"] = instance_secret_key(Path(app.instance_path), "signing_key")
    app.config["TRUSTED_HOSTS"] = trusted_hosts(app.config["TRUSTED_HOSTS"], app.config["BASE_URL"])


#: Names that only reach the app from the machine itself (health checks, the CLI's own tests).
LOOPBACK_HOSTS = ("localhost", "127.0.0.1")


def trusted_hosts(value, base_url: str) -> list[str] | None:
    """Flask's TRUSTED_HOSTS from the setting: a list, or None for "*" (any host)."""
    if isinstance(value, str):
        value = [name.strip() for name in value.split(",") if name.strip()]
    names = list(value or [])
    if names == ["*"]:
        return None
    if not names:
        names = [urlsplit(base_url).hostname or "", *LOOPBACK_HOSTS]
    return list(dict.fromkeys(name.lower() for name in names if name))


def database_uri(url: str, instance_path: Path) -> str:
    """Default to SQLite in instance/ and route plain postgresql:// URLs to psycopg 3."""
    if not url:
        return f"sqlite:///{instance_path / 'contests.sqlite3'}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def instance_secret_key(instance_path: Path, name: str = "secret_key") -> str:
    """Read one of the instance's keys (32 random bytes in hex), creating it once (mode 0600) so
    restarts keep sessions and signatures.

    Created whole or not at all: written to a private temporary file, then linked to its name
    (which fails if it exists), so processes starting at the same moment all read the one key.
    """
    instance_path.mkdir(parents=True, exist_ok=True)
    key_file = instance_path / name
    if not key_file.exists():
        draft = instance_path / f".{name}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32) + "\n")
        try:
            os.link(draft, key_file)
        except FileExistsError:
            pass  # another process made it first: theirs is the key
        finally:
            draft.unlink()
    key = key_file.read_text().strip()
    if len(key) < 32:
        raise RuntimeError(f"{key_file} is shorter than 32 characters; delete it to regenerate")
    return key
