"""Helpers the tests share: post a form like a browser, fill the entry form, sign in."""

from __future__ import annotations

import os
import re
import socket
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

#: The password every test organizer gets.
PASSWORD = "correct horse battery staple"
#: Where the suite looks for PostgreSQL when CONTESTS_TEST_POSTGRES_URL is not set.
LOCAL_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"


def _postgres_url() -> tuple[str, str]:
    """The PostgreSQL server of the second half of the suite, and where it came from.

    CONTESTS_TEST_POSTGRES_URL wins (``.ci/run`` sets it; "off" or empty skips the half);
    unset, a local server that answers is used rather than silently skipped.
    """
    configured = os.environ.get("CONTESTS_TEST_POSTGRES_URL")
    if configured is not None:
        if configured.strip().lower() in ("", "off"):
            return "", f"CONTESTS_TEST_POSTGRES_URL={configured!r} turns it off"
        return configured, "CONTESTS_TEST_POSTGRES_URL"
    import psycopg

    try:
        psycopg.connect(LOCAL_POSTGRES_URL, connect_timeout=2).close()
    except psycopg.Error:
        return "", f"no server answered at {LOCAL_POSTGRES_URL}"
    return LOCAL_POSTGRES_URL, "found on 127.0.0.1:5432"


POSTGRES_URL, POSTGRES_SOURCE = _postgres_url()


def _pg_schema_url(base: str, schema: str) -> str:
    """Point every connection at a private schema, so the suite never touches other tables."""
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options=-csearch_path%3D{schema}"


def fresh_postgres_schema(name: str) -> str:
    """Drop and recreate a schema in the test database; return a URL whose connections use it."""
    from contests.config import database_uri

    engine = create_engine(database_uri(POSTGRES_URL, Path(".")))
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        connection.execute(text(f'CREATE SCHEMA "{name}"'))
    engine.dispose()
    return _pg_schema_url(POSTGRES_URL, name)


def worker_name() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


_CSRF = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def csrf_from(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1) or match.group(2)


def post_form(client, url: str, data: dict | None = None, page: str | None = None, **kwargs):
    """Post like a browser: fetch the form page first and send its CSRF token back."""
    html = client.get(page or url).get_data(as_text=True)
    payload = {"csrf_token": csrf_from(html), **(data or {})}
    return client.post(url, data=payload, **kwargs)


FORM_TOKEN = re.compile(r'name="form_token" type="hidden" value="([^"]+)"')


def enter(client, slug: str, headers: dict | None = None, **fields):
    """Fill a contest's public entry form like a browser: fetch it, send its token back."""
    html = client.get(f"/c/{slug}").get_data(as_text=True)
    match = FORM_TOKEN.search(html)
    assert match, "no entry form on the page"
    data = {
        "form_token": match.group(1),
        "first_name": "Zoé",
        "last_name": "Durand",
        "email": "zoe@example.org",
        "accept_rules": "y",
        **fields,
    }
    data = {key: value for key, value in data.items() if value is not None}
    return client.post(f"/c/{slug}", data=data, headers=headers or {})


def sign_in(client, email: str, password: str = PASSWORD):
    return post_form(client, "/auth/login", {"email": email, "password": password})


#: The tables the draw guards protect (migration 2dd57fd929f6).
GUARDED = (
    "entries",
    "draws",
    "draw_lists",
    "draw_list_blocks",
    "audit_events",
    "rules_versions",
    "transparency_log",
)


@contextmanager
def guards_removed(db):
    """What only the database's owner can do: take the guard triggers off, tamper, put them back.
    The app's own checks (the audit chain, the verifier) must still see what was done."""
    db.session.commit()
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        off = [f"ALTER TABLE {table} DISABLE TRIGGER USER" for table in GUARDED]
        on = [f"ALTER TABLE {table} ENABLE TRIGGER USER" for table in GUARDED]
    else:
        triggers = connection.execute(
            text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
        ).all()
        off = [f"DROP TRIGGER {name}" for name, _ in triggers]
        on = [sql for _, sql in triggers]
    for statement in off:
        connection.execute(text(statement))
    db.session.commit()
    try:
        yield
        db.session.commit()
    finally:
        db.session.rollback()
        for statement in on:
            db.session.execute(text(statement))
        db.session.commit()


def free_port() -> int:
    """A TCP port nothing listens on now, on loopback, for a server a test starts."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_queued_mail(db) -> None:
    """Write the text of the mail queued as templates (the entry receipt), with the renderer the
    delivery runs, for tests that read the outbox without an SMTP server."""
    from sqlalchemy import select

    from contests.mail import render_queued
    from contests.models import OutboxMessage

    for message in db.session.execute(select(OutboxMessage)).scalars():
        render_queued(message)
    db.session.commit()
