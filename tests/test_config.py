"""Configuration layers, the generated secret key, and the SQLite settings."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from contests.config import database_uri

ROOT = Path(__file__).resolve().parent.parent


def _app_in(instance: Path, env: dict, code: str) -> str:
    """Build the app in a clean process with the given environment and print something."""
    script = f"from contests import create_app\napp = create_app()\n{code}"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CONTESTS_")}
    environment.update({"CONTESTS_INSTANCE_PATH": str(instance), **env})
    result = subprocess.run(
        [sys.executable, "-c", script], env=environment, capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.slow  # a fresh interpreter per configuration
def test_secret_key_is_generated_once_with_mode_0600(tmp_path):
    first = _app_in(tmp_path, {}, "print(app.config['SECRET_KEY'])")
    key_file = tmp_path / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(first) == 64 and key_file.read_text().strip() == first
    assert _app_in(tmp_path, {}, "print(app.config['SECRET_KEY'])") == first


def test_processes_starting_at_once_share_one_generated_key(tmp_path):
    """Two workers started together on a fresh instance: each reads the one key, never a file
    still empty (it is linked into place whole)."""
    import concurrent.futures
    import multiprocessing

    from contests.config import instance_secret_key

    with concurrent.futures.ProcessPoolExecutor(
        8, mp_context=multiprocessing.get_context("fork")
    ) as pool:
        keys = set(pool.map(instance_secret_key, [tmp_path] * 32, ["signing_key"] * 32))
    assert len(keys) == 1 and (tmp_path / "signing_key").read_text().strip() in keys
    assert stat.S_IMODE((tmp_path / "signing_key").stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["signing_key"]  # no draft left


@pytest.mark.slow  # a fresh interpreter per configuration
def test_environment_overrides_instance_config_which_overrides_defaults(tmp_path):
    (tmp_path / "config.py").write_text(
        'DATABASE_URL = "sqlite:////tmp/from-instance.db"\nLOGIN_LIMIT_PER_IP = "3 per minute"\n'
    )
    code = (
        "print(app.config['SQLALCHEMY_DATABASE_URI']); print(app.config['LOGIN_LIMIT_PER_IP']); "
        "print(app.config['SECRET_KEY'])"
    )
    out = _app_in(tmp_path, {}, code).splitlines()
    assert out[:2] == ["sqlite:////tmp/from-instance.db", "3 per minute"]
    out = _app_in(
        tmp_path,
        {"CONTESTS_DATABASE_URL": "postgresql://u@h/db", "CONTESTS_SECRET_KEY": "k" * 40},
        code,
    ).splitlines()
    assert out == ["postgresql+psycopg://u@h/db", "3 per minute", "k" * 40]


def test_default_database_is_sqlite_in_instance(tmp_path):
    assert database_uri("", tmp_path) == f"sqlite:///{tmp_path / 'contests.sqlite3'}"
    assert database_uri("postgres://a@b/c", tmp_path) == "postgresql+psycopg://a@b/c"
    assert database_uri("postgresql+psycopg://a@b/c", tmp_path) == "postgresql+psycopg://a@b/c"


def test_sqlite_runs_in_wal_mode_with_foreign_keys(app, db, backend):
    if backend != "sqlite":
        assert db.engine.dialect.driver == "psycopg"
        return
    with db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_no_secret_in_the_repository():
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True
    ).stdout.split()
    assert not [
        name for name in tracked if name.startswith("instance/") and name != "instance/README.md"
    ]
    assert ".env" not in tracked


@pytest.mark.slow  # a fresh interpreter
def test_the_wsgi_entry_point_freezes_the_loaded_app_out_of_the_collector(tmp_path):
    # What ``gunicorn wsgi:app`` imports in each worker: the app's own objects no longer walked
    # by every full collection (issue 19's p99).
    frozen = _app_in(tmp_path, {}, "import gc, wsgi\nprint(gc.get_freeze_count())")
    assert int(frozen) > 100_000
