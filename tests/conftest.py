"""Fixtures: a real database per backend (SQLite file, PostgreSQL), apps, clients, factories.

Every test that touches the database runs once per backend. The PostgreSQL half runs when
CONTESTS_TEST_POSTGRES_URL is set (``.ci/run`` sets it; "off" skips it) or, unset, when a
server answers on 127.0.0.1:5432; it then fails loudly rather than skipping if the server cannot
be reached, and the summary says in colour which half did not run.
"""

from __future__ import annotations

import contextvars
import os
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient, FlaskCliRunner

from contests import create_app
from contests.contest.editing import add_prize, create_contest
from contests.contest.publishing import publish_contest
from contests.extensions import db as _db
from helpers import PASSWORD, POSTGRES_SOURCE, POSTGRES_URL, fresh_postgres_schema, worker_name

BACKENDS = ("sqlite", "postgresql")
_ran: Counter = Counter()

#: The browser tests' server and Chromium fixtures (tests/browser_fixtures.py).
pytest_plugins = ["browser_fixtures"]


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory):
    """A migrated, empty database for the whole session, on each backend in turn."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'contests.sqlite3'}"
    else:
        if not POSTGRES_URL:
            pytest.skip(f"PostgreSQL half skipped: {POSTGRES_SOURCE}")
        url = fresh_postgres_schema(f"contests_test_{worker_name()}")
    app = create_app(_config(url, tmp_path_factory.mktemp("instance")))
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        _db.engine.dispose()
    return url


def _config(url: str, instance: Path, **extra) -> dict:
    return {
        "TESTING": True,
        "DATABASE_URL": url,
        "SECRET_KEY": "test-secret-key-not-for-production-0123456789",
        "INSTANCE_PATH": str(instance),
        "BASE_URL": "http://localhost",
        "RATELIMIT_STORAGE_URI": "memory://",
        "MIN_FILL_SECONDS": 0,
        # Still scrypt, with a smaller work factor: 0.3 s of hashing per organizer made the
        # fixtures cost more than most tests.
        "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
        **extra,
    }


@pytest.fixture
def backend(request, database_url) -> str:
    """The backend this test runs on, recorded for the closing summary."""
    name = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    request.node.user_properties.append(("backend", name))
    return name


@pytest.fixture
def app(request, database_url, backend, tmp_path):
    """An application on the session's database, emptied after each test."""
    extra = getattr(request, "param", {})
    application = create_app(_config(database_url, tmp_path / "instance", **extra))
    with application.app_context():
        yield application
        _db.session.rollback()
        _db.session.remove()
        empty_database(_db.engine)
        _db.engine.dispose()


def empty_database(engine) -> None:
    """Delete every row between tests, past the triggers that refuse to delete the draw's
    evidence (migration 2dd57fd929f6): PostgreSQL truncates (row triggers do not fire), SQLite
    drops its triggers for the moment and puts them back."""
    from sqlalchemy import text

    tables = list(reversed(_db.metadata.sorted_tables))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("TRUNCATE " + ", ".join(t.name for t in tables)))
            # The contests' sequences of entry numbers (contests.entries.numbering) go with them.
            for (name,) in connection.execute(
                text(
                    "SELECT relname FROM pg_class WHERE relkind = 'S' AND relname ~ "
                    "'^entry_numbers_[0-9]+$' AND relnamespace = current_schema()::regnamespace"
                )
            ):
                connection.execute(text(f"DROP SEQUENCE {name}"))
            return
        triggers = connection.execute(
            text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
        ).all()
        for name, _ in triggers:
            connection.execute(text(f"DROP TRIGGER {name}"))
        for table in tables:
            connection.execute(table.delete())
        for _, sql in triggers:
            connection.execute(text(sql))


def _outside_test_context(call, *args, **kwargs):
    """Run a request or command in its own app context, as in production.

    Flask reuses an app context that is already pushed (ours, for the test's own queries), so
    ``g`` and the SQLAlchemy session would leak from one request into the next. Running the
    call in an empty ``contextvars`` context gives each request a fresh ``g`` and session.
    """
    return contextvars.Context().run(call, *args, **kwargs)


class IsolatedClient(FlaskClient):
    def open(self, *args, **kwargs):
        # Buffered, so streamed bodies are produced inside the request's own context too.
        kwargs.setdefault("buffered", True)
        return _outside_test_context(super().open, *args, **kwargs)


class IsolatedRunner(FlaskCliRunner):
    def invoke(self, *args, **kwargs):
        return _outside_test_context(super().invoke, *args, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = IsolatedClient
    return app.test_client()


@pytest.fixture
def museum(factory):
    """An organization owned by alice@example.org (password PASSWORD); modules may define their
    own."""
    return factory.organization("Musée", owner=factory.user("alice@example.org"))


@pytest.fixture
def runner(app):
    app.test_cli_runner_class = IsolatedRunner
    return app.test_cli_runner()


@pytest.fixture
def db(app):
    return _db


def pytest_runtest_logreport(report):
    if report.when == "call" and report.passed:
        for key, value in report.user_properties:
            if key == "backend":
                _ran[value] += 1


def pytest_terminal_summary(terminalreporter):
    ran = ", ".join(f"{name}: {_ran[name]} passed" for name in BACKENDS if _ran[name]) or "none"
    terminalreporter.write_line(f"database backends ran: {ran}")
    if POSTGRES_URL and not _ran["postgresql"]:
        terminalreporter.write_line(
            f"ERROR: PostgreSQL ({POSTGRES_SOURCE}) was given but no PostgreSQL test passed",
            red=True,
            bold=True,
        )
    for name in BACKENDS:
        if not _ran[name]:
            why = POSTGRES_SOURCE if name == "postgresql" else "no SQLite test was selected"
            terminalreporter.write_line(
                f"WARNING: the {name} half of the suite did not run ({why})", yellow=True, bold=True
            )


def pytest_sessionfinish(session, exitstatus):
    """With a PostgreSQL URL given, a run where no PostgreSQL test passed is a failure."""
    collected = exitstatus == 0 and session.testscollected
    if (
        POSTGRES_URL
        and not _ran["postgresql"]
        and collected
        and not os.environ.get("PYTEST_XDIST_WORKER")
    ):
        session.exitstatus = 1


@pytest.fixture
def factory(app):
    """Builders that go through the real domain functions, committing like a request would."""
    from contests import accounts, organizations

    class Factory:
        now = datetime.now(UTC)

        def user(self, email="owner@example.org", password=PASSWORD):
            from contests.models import User

            user = User(email=email)
            accounts.set_password(user, password)
            _db.session.add(user)
            _db.session.commit()
            return user

        def organization(self, name="Musée d'Orsay (test)", owner=None):
            organization = organizations.create_organization(name, owner=owner)
            _db.session.commit()
            return organization

        def contest_values(self, **overrides):
            from contests.timezones import utc_to_local

            start = utc_to_local(self.now - timedelta(days=1), "Europe/Paris").replace(
                second=0, microsecond=0
            )
            values = {
                "title": "Jeu de Noël",
                "slug": None,
                "description": "Un jeu.",
                "language": "fr",
                "jurisdiction": "FR",
                "mechanic": "random_draw",
                "timezone": "Europe/Paris",
                "starts_at": start,
                "ends_at": start + timedelta(days=30),
                "min_age": 18,
                "territory": "FR",
                "exclusions": "",
                "entry_policy": "once",
                "alternates_per_prize": 2,
                "tie_breaker_question": "",
                "jury_description": "",
                # A skill contest publishes only with criteria; a draw never prints them.
                "jury_criteria": "Originalité : 10",
                "legal_name": "Société Test SAS",
                "legal_form": "SAS",
                "registration_number": "SIREN 123 456 789",
                "legal_address": "1 rue de Rivoli, 75001 Paris",
                "contact_email": "jeu@example.org",
                "dpo_contact": "dpo@example.org",
                "data_retention_months": 12,
                "entropy_sources": "EuroMillions draw after the close: the five main numbers",
                "draw_at": start + timedelta(days=32),
                "claim_days": 30,
            }
            values.update(overrides)
            return values

        def contest(
            self,
            organization,
            prizes=1,
            publish=False,
            closed=False,
            published_at=None,
            **overrides,
        ):
            """A contest; ``closed``: published days ago, closed a minute ago, its draw due
            (what the draw's specification says is then true, as the verifier checks);
            ``published_at``: published at that instant (a contest of past dates)."""
            if closed:
                from contests.timezones import utc_to_local

                zone = overrides.get("timezone", "Europe/Paris")
                end = utc_to_local(datetime.now(UTC), zone).replace(
                    second=0, microsecond=0
                ) - timedelta(minutes=1)
                overrides = {
                    "starts_at": end - timedelta(days=3),
                    "ends_at": end,
                    "draw_at": end,
                    **overrides,
                }
            contest = create_contest(organization, self.contest_values(**overrides), None)
            for n in range(prizes):
                add_prize(
                    contest,
                    {
                        "title": f"Lot {n + 1}",
                        "quantity": 1,
                        "unit_value": 5000,
                        # US rules count their prizes in dollars (the NY/FL registration test).
                        "currency": "USD" if contest.jurisdiction == "US" else "EUR",
                    },
                    None,
                )
            if published_at is not None:
                publish_contest(contest, None, published_at)
            elif publish:
                publish_contest(contest, None, self.now - timedelta(days=4) if closed else self.now)
            _db.session.commit()
            return contest

        def entry(self, contest, email="entrant@example.org", now=None, **fields):
            """An entry through the real submission path (dedup, consents, signals)."""
            from sqlalchemy.orm import make_transient_to_detached

            from contests.entries.submission import EntryInput, submit_entry

            data = {
                "first_name": "Zoé",
                "last_name": "Durand",
                "email": email,
                "consent_texts": {"rules": "I have read and accept the contest rules."},
                **fields,
            }
            if now is None:  # while it is open, also for a contest that has closed since
                now = min(datetime.now(UTC), contest.ends_at - timedelta(minutes=5))
            entry = submit_entry(contest, EntryInput(**data), now)
            # Kept in the session, as tests change it and read it after their commits.
            make_transient_to_detached(entry)
            _db.session.add(entry)
            _db.session.commit()
            return entry

    return Factory()
