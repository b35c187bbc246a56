"""What the browser tests share: a real HTTP server for the app, Debian's Chromium driven by
Playwright, and where axe-core, the Nu HTML Checker and the screenshots live. Loaded by
conftest.py as a plugin, so that test modules use the fixtures without importing them."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from playwright import sync_api as playwright_api  # the test extras: pip install -e '.[dev]'
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CONTESTS_CHROMIUM", "/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
ARTIFACTS = ROOT / "test-artifacts"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--test-third-party-cookie-phaseout",
]


def _require(path: Path | str, how: str) -> None:
    if not Path(path).exists():
        pytest.fail(f"{path} is missing: {how}")  # a missing tool must not pass as a skipped test


@pytest.fixture
def sqlite_only(backend):
    """A browser run per backend would double the time without testing more of the database."""
    if backend != "sqlite":
        pytest.skip("browser tests run on the SQLite half")


class _Recorder:
    """WSGI middleware that notes every Cookie header the app receives."""

    def __init__(self, app):
        self.app, self.cookies, self.paths = app, [], []

    def __call__(self, environ, start_response):
        self.paths.append(environ.get("PATH_INFO", ""))
        if environ.get("HTTP_COOKIE"):
            self.cookies.append((environ.get("PATH_INFO"), environ["HTTP_COOKIE"]))
        return self.app(environ, start_response)


class Server:
    def __init__(self, host: str, wsgi):
        self.server = make_server(host, 0, wsgi, threaded=True)
        self.url = f"http://{host}:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def live(app, sqlite_only):
    recorder = _Recorder(app)  # only what reaches the live server, not the test client's calls
    server = Server("127.0.0.1", recorder)
    app.config["BASE_URL"] = server.url
    yield server, recorder
    server.close()


@pytest.fixture
def browser():
    _require(CHROMIUM, "make test installs Debian's chromium (scripts/system-packages.sh test)")
    with playwright_api.sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
        yield instance
        instance.close()
