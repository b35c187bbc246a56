"""The quick start as a person runs it: migrate, demo, serve, sign in with the printed login."""

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from helpers import free_port

ROOT = Path(__file__).resolve().parent.parent
CONTESTS = Path(sys.executable).with_name("contests")

# The console script migrates, creates the demo and serves, each in a subprocess.
pytestmark = pytest.mark.slow


@pytest.fixture
def served(tmp_path):
    """The real console script on the default SQLite database in a fresh instance folder."""
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CONTESTS_")}
    environment.update(
        {"CONTESTS_INSTANCE_PATH": str(tmp_path), "CONTESTS_BASE_URL": f"http://127.0.0.1:{port}"}
    )
    for args in (["db", "upgrade"], ["demo"]):
        result = subprocess.run(
            [str(CONTESTS), *args], env=environment, capture_output=True, text=True, cwd=ROOT
        )
        assert result.returncode == 0, result.stderr
    assert (tmp_path / "contests.sqlite3").exists()
    server = subprocess.Popen(
        [str(CONTESTS), "run", "--host", "127.0.0.1", "--port", str(port)],
        env=environment,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("the server did not start within 20 s")
        yield f"http://127.0.0.1:{port}", result.stdout
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_printed_demo_login_works_on_the_served_app(served):
    base, demo_output = served
    assert f"{base}/auth/login" in demo_output and f"{base}/c/demo" in demo_output
    password = re.search(r"Password:\s+(\S+)", demo_output).group(1)
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    login_page = opener.open(f"{base}/auth/login").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
    body = urllib.parse.urlencode(
        {"csrf_token": token, "email": "demo@example.org", "password": password}
    ).encode()
    dashboard = opener.open(f"{base}/auth/login", data=body)
    html = dashboard.read().decode()
    assert "/admin/o/" in dashboard.geturl()
    assert "Grand jeu-concours de l&#39;hiver" in html
    public = urllib.request.urlopen(f"{base}/c/demo").read().decode()
    for prize in (
        "Pass annuel duo",
        "Visite guidée privée pour 6 personnes",
        "Catalogue de l&#39;exposition",
    ):
        assert prize in public
