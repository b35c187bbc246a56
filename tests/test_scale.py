"""Scale-out, proven (issue 19): three app servers (gunicorn, deploy/gunicorn.conf.py) and two
workers behind HAProxy (deploy/haproxy.cfg) on one PostgreSQL and one Redis, as `make
test-scale` starts them.

What several machines must share is what these processes share: the database, Redis, the secret
and signing keys (given in the environment; each server has its own instance folder). Clients
come from many loopback addresses (127.0.x.y), as many people would, since the per-address
limits key on the address the balancer forwards.
"""

import email
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from email.policy import default
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

import psycopg
import pytest
from aiosmtpd.controller import Controller

from helpers import POSTGRES_URL, free_port, fresh_postgres_schema, worker_name

ROOT = Path(__file__).resolve().parent.parent
CONTESTS = Path(sys.executable).with_name("contests")
REDIS_URL = os.environ.get("CONTESTS_TEST_REDIS_URL", "redis://127.0.0.1:6379/7")
#: The per-address entry limit for the cluster: low, so that 15 posts show it across servers.
ENTRY_LIMIT = 10

# One cluster for the module, on one xdist worker (`make test` runs -n 2 --dist loadgroup).
pytestmark = [pytest.mark.slow, pytest.mark.scale, pytest.mark.xdist_group("scale")]


def _wait_for_port(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listens on port {port} after {seconds} s")


class Inbox:
    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append(email.message_from_bytes(envelope.content, policy=default))
        return "250 OK"


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def header(self, name: str) -> str:
        return next((v for k, v in self.headers if k.lower() == name.lower()), "")


class Visitor:
    """One person's browser: their own address (127.0.x.y) and cookies; never follows
    redirects, so the test sees each answer."""

    def __init__(self, port: int, host: str, address: str = "127.0.0.1"):
        self.port, self.host, self.address = port, host, address
        self.cookies: dict[str, str] = {}

    def request(self, method, path, data=None, port=None, extra_headers=None) -> Response:
        connection = http.client.HTTPConnection(
            "127.0.0.1", port or self.port, timeout=60, source_address=(self.address, 0)
        )
        headers = {"Host": self.host, **(extra_headers or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"http://{self.host}"
        try:
            connection.request(method, path, body=body, headers=headers)
            answer = connection.getresponse()
            response = Response(answer.status, answer.getheaders(), answer.read())
        finally:
            connection.close()
        for name, value in response.headers:
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        return response

    def get(self, path, **kwargs) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path, data, **kwargs) -> Response:
        return self.request("POST", path, data=data, **kwargs)


class FormReader(HTMLParser):
    """The fields of the page's forms, as a browser would send them unchanged."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._textarea = self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "fields": {}})
        elif not self.forms:
            return
        fields = self.forms[-1]["fields"]
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    fields[a["name"]] = a.get("value", "y")
            elif kind not in ("submit", "button", "file"):
                fields[a["name"]] = a.get("value", "")
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            fields[a["name"]] = ""
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
        elif tag == "option" and self._select and ("selected" in a or self._select not in fields):
            fields[self._select] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea and self.forms:
            self.forms[-1]["fields"][self._textarea] += data


def form_fields(html: str, containing: str) -> dict:
    reader = FormReader()
    reader.feed(html)
    return next(f["fields"] for f in reader.forms if containing in f["fields"])


FORM_TOKEN = re.compile(r'name="form_token" type="hidden" value="([^"]+)"')


def enter(visitor: Visitor, email_address: str, slug="demo", port=None, **fields) -> Response:
    page = visitor.get(f"/c/{slug}", port=port)
    token = FORM_TOKEN.search(page.text)
    if token is None:
        return page  # no form (a 502 while a server dies): that answer, not an entry
    data = {
        "form_token": token[1],
        "first_name": "Zoé",
        "last_name": "Durand",
        "email": email_address,
        "accept_rules": "y",
        "age_confirmed": "y",
        **fields,
    }
    return visitor.post(f"/c/{slug}", data, port=port)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    if not POSTGRES_URL:
        pytest.skip("the scale test needs PostgreSQL (CONTESTS_TEST_POSTGRES_URL)")
    haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
    if not os.path.exists(haproxy):
        pytest.fail("make test installs haproxy (scripts/system-packages.sh test)")
    import redis

    try:
        redis.Redis.from_url(REDIS_URL).flushdb()
    except redis.RedisError as error:
        pytest.fail(f"Redis at {REDIS_URL} does not answer ({error}): .ci/run starts it")
    tmp = tmp_path_factory.mktemp("scale")
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    lb_port, app_ports = free_port(), [free_port() for _ in range(3)]
    host = f"127.0.0.1:{lb_port}"
    database = fresh_postgres_schema(f"scale_{worker_name()}")
    shared = {k: v for k, v in os.environ.items() if not k.startswith("CONTESTS_")}
    shared.update(
        {
            "CONTESTS_DATABASE_URL": database,
            "CONTESTS_SECRET_KEY": secrets.token_hex(32),
            "CONTESTS_SIGNING_KEY": secrets.token_hex(32),
            "CONTESTS_BASE_URL": f"http://{host}",
            "CONTESTS_RATELIMIT_STORAGE_URL": REDIS_URL,
            "CONTESTS_PROXY_COUNT": "1",
            "CONTESTS_SMTP_URL": f"smtp://127.0.0.1:{smtp.port}",
            "CONTESTS_ENTRY_LIMIT_PER_IP": f"{ENTRY_LIMIT} per minute",
            "CONTESTS_MIN_FILL_SECONDS": "0",
            "CONTESTS_INSTANCE_PATH": str(tmp / "setup"),
        }
    )
    processes: dict[str, subprocess.Popen] = {}
    logs = tmp / "logs"
    logs.mkdir()
    handles = []

    def log(name: str):
        handles.append(open(logs / name, "wb"))  # noqa: SIM115 - closed after its process
        return handles[-1]

    try:
        for args in (["db", "upgrade"], ["demo"]):
            done = subprocess.run(
                [str(CONTESTS), *args], env=shared, cwd=ROOT, capture_output=True, text=True
            )
            assert done.returncode == 0, done.stderr
        password = re.search(r"Password:\s+(\S+)", done.stdout)[1]
        for n, port in enumerate(app_ports, start=1):
            env = {
                **shared,
                "CONTESTS_BIND": f"127.0.0.1:{port}",
                "CONTESTS_WEB_WORKERS": "2",
                "CONTESTS_INSTANCE_PATH": str(tmp / f"app{n}"),
                "CONTESTS_ACCESS_LOG": str(logs / f"app{n}.access"),
            }
            processes[f"app{n}"] = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--config", "deploy/gunicorn.conf.py"],
                env=env,
                cwd=ROOT,
                stdout=log(f"app{n}.log"),
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: killed whole, like a machine
            )
        for n in (1, 2):
            processes[f"worker{n}"] = subprocess.Popen(
                [str(CONTESTS), "worker", "--interval", "0.5"],
                env={**shared, "CONTESTS_INSTANCE_PATH": str(tmp / f"worker{n}")},
                cwd=ROOT,
                stdout=log(f"worker{n}.log"),
                stderr=subprocess.STDOUT,
            )
        lb_env = {
            **os.environ,
            "CONTESTS_LB_BIND": f"127.0.0.1:{lb_port}",
            "CONTESTS_HOST": host,
            **{f"CONTESTS_APP{n}": f"127.0.0.1:{p}" for n, p in enumerate(app_ports, 1)},
        }
        processes["haproxy"] = subprocess.Popen(
            [haproxy, "-db", "-f", str(ROOT / "deploy" / "haproxy.cfg")],
            env=lb_env,
            stdout=log("haproxy.log"),
            stderr=subprocess.STDOUT,
        )
        for port in [*app_ports, lb_port]:
            _wait_for_port(port)
        # Every server answers its health check, and the balancer has seen it twice (rise 2,
        # one check a second): all three are in rotation.
        for port in app_ports:
            deadline = time.monotonic() + 20
            while Visitor(port, host).get("/healthz").status != 200:
                assert time.monotonic() < deadline, f"server {port} is not healthy"
                time.sleep(0.2)
        time.sleep(2.5)
        yield {
            "host": host,
            "lb": lb_port,
            "apps": app_ports,
            "processes": processes,
            "password": password,
            "database": database,
            "inbox": inbox,
            "logs": logs,
        }
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for handle in handles:
            handle.close()
        smtp.stop()


def _sql(cluster, query: str, *args):
    url = cluster["database"].replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as connection:
        return connection.execute(query, args).fetchall()


def _ran_on_postgresql(request):
    request.node.user_properties.append(("backend", "postgresql"))


def test_fifty_aliases_of_one_person_spread_over_the_servers_make_one_entry(cluster, request):
    aliases = [f"zoe.durand+{n}@gmail.com" for n in range(25)] + [
        "z.oe.dur.and@gmail.com" if n % 2 else f"ZOE.DURAND+X{n}@googlemail.com" for n in range(25)
    ]
    visitors = [Visitor(cluster["lb"], cluster["host"], f"127.0.1.{n + 1}") for n in range(50)]
    barrier = threading.Barrier(50, timeout=60)

    def one(n):
        page = visitors[n].get("/c/demo")
        token = FORM_TOKEN.search(page.text)[1]
        barrier.wait()
        return visitors[n].post(
            "/c/demo",
            {
                "form_token": token,
                "first_name": "Zoé",
                "last_name": "Durand",
                "email": aliases[n],
                "accept_rules": "y",
                "age_confirmed": "y",
            },
        )

    with ThreadPoolExecutor(50) as pool:
        answers = list(pool.map(one, range(50)))
    statuses = sorted(a.status for a in answers)
    assert statuses.count(303) == 1 and statuses.count(409) == 49, statuses
    rows = _sql(
        cluster,
        "SELECT count(*) FROM entries e JOIN contests c ON c.id = e.contest_id "
        "WHERE c.slug = 'demo' AND e.email_key LIKE 'zoedurand@gmail%%'",
    )
    assert rows == [(1,)]
    # Spread: every server answered some of them (HAProxy's round robin).
    logs = [(cluster["logs"] / f"app{n}.access").read_text() for n in (1, 2, 3)]
    served = [log.count('"POST /c/demo ') for log in logs]
    assert sum(served) == 50 and all(count >= 10 for count in served), served
    _ran_on_postgresql(request)


def test_the_entry_limit_and_the_sign_in_throttle_hold_across_servers(cluster, request):
    one_address = Visitor(cluster["lb"], cluster["host"], "127.0.2.1")
    answers = [enter(one_address, f"limit{n}@example.org").status for n in range(ENTRY_LIMIT + 5)]
    # 15 posts went round the three servers: with a per-server memory each would allow 10.
    assert answers.count(303) == ENTRY_LIMIT and answers.count(429) == 5, answers
    # Five wrong passwords for one account, each through the balancer: the sixth attempt is
    # refused, whichever server gets it (another account than the organizer's, which the next
    # tests sign in with).
    intruder = Visitor(cluster["lb"], cluster["host"], "127.0.2.2")
    for _ in range(5):
        page = intruder.get("/auth/login")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)[1]
        answer = intruder.post(
            "/auth/login", {"csrf_token": token, "email": "guess@example.org", "password": "x"}
        )
        assert answer.status == 401, answer.status
    page = intruder.get("/auth/login")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)[1]
    locked = intruder.post(
        "/auth/login",
        {"csrf_token": token, "email": "guess@example.org", "password": cluster["password"]},
    )
    assert locked.status == 429 and locked.header("Retry-After")
    _ran_on_postgresql(request)


def _signed_in(cluster, address: str) -> Visitor:
    """The organizer signs in through server 1 with a form and a CSRF token fetched from server 3
    (directly, not through the balancer): what one server issues, another accepts."""
    app1, _, app3 = cluster["apps"]
    organizer = Visitor(cluster["lb"], cluster["host"], address)
    page = organizer.get("/auth/login", port=app3)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)[1]
    answer = organizer.post(
        "/auth/login",
        {"csrf_token": token, "email": "demo@example.org", "password": cluster["password"]},
        port=app1,
    )
    assert answer.status == 302, answer.text[:800]
    return organizer


def test_a_session_and_a_csrf_token_from_one_server_work_on_another_and_amendments_show_at_once(
    cluster, request
):
    app1, app2, app3 = cluster["apps"]
    organizer = _signed_in(cluster, "127.0.3.1")
    dashboard = organizer.get("/admin/", port=app2)  # signed in on server 1, known on server 2
    assert dashboard.status == 200 or "/auth/login" not in dashboard.header("Location")
    assert "/auth/login" not in dashboard.header("Location"), dashboard.status
    contest_id, org_id = _sql(
        cluster, "SELECT id, organization_id FROM contests WHERE slug = 'demo'"
    )[0]
    amend = f"/admin/o/{org_id}/contests/{contest_id}/rules/amend"
    page = organizer.get(amend, port=app3)
    assert page.status == 200 and "demo@example.org" in page.text
    fields = form_fields(page.text, "summary")
    marker = f"Échelle {secrets.token_hex(4)}"
    fields.update({"summary": marker, "claim_days": "21"})
    before = {port: organizer.get("/c/demo/rules", port=port).text for port in cluster["apps"]}
    answer = organizer.post(amend, fields, port=app2)  # the token came from server 3
    assert answer.status == 302, answer.text[:2000]
    amended_at = time.monotonic()
    # Every server serves the new version: their page caches are keyed on the contest's row.
    waited = {}
    for port in (app1, app3, app2):
        while marker not in organizer.get("/c/demo/rules", port=port).text:
            assert time.monotonic() - amended_at < 2, f"server {port} still serves the old rules"
            time.sleep(0.05)
        waited[port] = time.monotonic() - amended_at
    assert all(marker not in html for html in before.values())
    print(f"\namendment served by all three servers after {max(waited.values()) * 1000:.0f} ms")
    _ran_on_postgresql(request)


def test_each_mail_is_sent_once_and_each_timed_job_runs_once(cluster, request):
    # Close a contest now through one server: both workers (and the servers' own requests) race
    # to freeze its list; exactly one freeze happens.
    app1, app2, _ = cluster["apps"]
    organizer = _signed_in(cluster, "127.0.4.1")
    people = [Visitor(cluster["lb"], cluster["host"], f"127.0.4.{n + 10}") for n in range(6)]
    for n, person in enumerate(people):
        assert enter(person, f"close{n}@example.org").status == 303
    contest_id, org_id = _sql(
        cluster, "SELECT id, organization_id FROM contests WHERE slug = 'demo'"
    )[0]
    dates = f"/admin/o/{org_id}/contests/{contest_id}/dates"
    fields = form_fields(organizer.get(dates, port=app1).text, "summary")
    fields.update({"summary": "Clôture anticipée (test d'échelle)", "action": "close_now"})
    assert organizer.post(dates, fields, port=app2).status == 302
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        frozen = _sql(
            cluster,
            "SELECT count(*) FROM audit_events WHERE action = 'draw.list_frozen' "
            "AND contest_id = %s",
            contest_id,
        )[0][0]
        pending = _sql(cluster, "SELECT count(*) FROM outbox WHERE sent_at IS NULL")[0][0]
        if frozen and not pending:
            break
        time.sleep(0.3)
    time.sleep(2)  # four more worker rounds: a second freeze or a second sending would show
    assert frozen == 1
    assert _sql(
        cluster,
        "SELECT count(*) FROM audit_events WHERE action = 'draw.list_frozen' AND contest_id = %s",
        contest_id,
    ) == [(1,)]
    sent = _sql(cluster, "SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL")[0][0]
    received = cluster["inbox"].messages
    ids = [m["Message-ID"] for m in received]
    assert _sql(cluster, "SELECT count(*) FROM outbox WHERE sent_at IS NULL") == [(0,)]
    assert len(received) == sent and len(set(ids)) == len(ids), (len(received), sent)
    _ran_on_postgresql(request)


def test_a_server_killed_mid_request_loses_no_entry_it_answered(cluster, request):
    """Entries pour in from 60 people while server 2 dies (its whole process group, SIGKILL):
    every entry answered 303 is in the database; HAProxy stops sending to the dead server."""
    _, app2, _ = cluster["apps"]
    # A fresh open contest: the demo contest was closed by the test before.
    organizer = _signed_in(cluster, "127.0.5.1")
    org_id = _sql(cluster, "SELECT organization_id FROM contests WHERE slug = 'demo'")[0][0]
    contest_id = _sql(cluster, "SELECT id FROM contests WHERE slug = 'demo'")[0][0]
    duplicate = f"/admin/o/{org_id}/contests/{contest_id}/duplicate"
    page = organizer.get(f"/admin/o/{org_id}/contests/{contest_id}")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)[1]
    copy = organizer.post(duplicate, {"csrf_token": token})
    copy_id = int(re.search(r"/contests/(\d+)/edit", copy.header("Location"))[1])
    edit = f"/admin/o/{org_id}/contests/{copy_id}/edit"
    fields = form_fields(organizer.get(edit).text, "title")
    now = time.time()
    fields.update(
        {
            "slug": "charge",
            "starts_at": time.strftime("%Y-%m-%dT%H:%M", time.localtime(now - 86400)),
            "ends_at": time.strftime("%Y-%m-%dT%H:%M", time.localtime(now + 20 * 86400)),
            "draw_at": time.strftime("%Y-%m-%dT%H:%M", time.localtime(now + 22 * 86400)),
        }
    )
    fields.pop("action", None)
    saved = organizer.post(edit, fields)
    assert saved.status == 302, saved.text[:3000]
    page = organizer.get(f"/admin/o/{org_id}/contests/{copy_id}")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)[1]
    published = organizer.post(
        f"/admin/o/{org_id}/contests/{copy_id}/publish", {"csrf_token": token}
    )
    assert published.status == 302
    assert _sql(cluster, "SELECT state FROM contests WHERE slug = 'charge'") == [("published",)]

    people = [Visitor(cluster["lb"], cluster["host"], f"127.0.6.{n + 1}") for n in range(60)]
    answers: list[Response | None] = [None] * 60

    def one(n):
        try:
            answers[n] = enter(people[n], f"charge{n}@example.org", slug="charge")
        except (OSError, http.client.HTTPException):
            answers[n] = None  # the connection died with the server: not an answer

    with ThreadPoolExecutor(12) as pool:
        futures = [pool.submit(one, n) for n in range(60)]
        time.sleep(0.4)
        os.killpg(cluster["processes"]["app2"].pid, signal.SIGKILL)
        for future in futures:
            future.result()
    answered = [
        re.search(r"receipt=([A-Z0-9-]+)", a.header("Location"))[1]
        for a in answers
        if a is not None and a.status == 303
    ]
    stored = {
        code
        for (code,) in _sql(
            cluster,
            "SELECT e.receipt_code FROM entries e JOIN contests c ON c.id = e.contest_id "
            "WHERE c.slug = 'charge'",
        )
    }
    assert answered and set(answered) <= stored, set(answered) - stored
    failed = [a.status if a else "reset" for a in answers if a is None or a.status != 303]
    print(f"\nkilled server 2 mid-load: {len(answered)} entries answered 303, all stored; "
          f"{len(stored)} stored; other answers {failed}")  # fmt: skip
    # The balancer has noticed: the next entries all succeed on the two servers left.
    time.sleep(2.5)
    late = [
        enter(
            Visitor(cluster["lb"], cluster["host"], f"127.0.7.{n + 1}"),
            f"late{n}@example.org",
            slug="charge",
        ).status
        for n in range(6)
    ]
    assert late == [303] * 6, late
    _ran_on_postgresql(request)


def test_entries_per_second_through_the_balancer(cluster, request):
    """What one PostgreSQL and two app servers take through HAProxy (printed; not a target)."""
    people = [Visitor(cluster["lb"], cluster["host"], f"127.0.{8 + n // 250}.{n % 250 + 1}")
              for n in range(400)]  # fmt: skip
    tokens = []
    for person in people:
        tokens.append(FORM_TOKEN.search(person.get("/c/charge").text)[1])

    def one(n):
        return (
            people[n]
            .post(
                "/c/charge",
                {
                    "form_token": tokens[n],
                    "first_name": "Zoé",
                    "last_name": f"Débit{n}",
                    "email": f"debit{n}@example.org",
                    "accept_rules": "y",
                    "age_confirmed": "y",
                },
            )
            .status
        )

    started = time.monotonic()
    with ThreadPoolExecutor(16) as pool:
        statuses = list(pool.map(one, range(400)))
    elapsed = time.monotonic() - started
    assert statuses.count(303) == 400, sorted(set(statuses))
    print(f"\n400 entries through HAProxy to 2 app servers (2 sync workers each) on one "
          f"PostgreSQL, 16 at a time: {400 / elapsed:.0f} entries/s")  # fmt: skip
    _ran_on_postgresql(request)


def test_receipts_signed_by_one_server_verify_with_the_key_another_publishes(cluster, request):
    """The signing key is shared: every server signs an entry's receipt with the same bytes."""
    from contests.signing import check

    visitor = Visitor(cluster["lb"], cluster["host"], "127.0.9.1")
    answer = enter(visitor, "recu@example.org", slug="charge")
    assert answer.status == 303, (answer.status, answer.text[:2000])
    code = re.search(r"receipt=([A-Z0-9-]+)", answer.header("Location"))[1]
    app1, _, app3 = cluster["apps"]  # server 2 was killed
    documents = [
        visitor.get(f"/c/charge/receipt/{code}.json", port=port).body for port in (app1, app3)
    ]
    assert documents[0] == documents[1]
    assert check(json.loads(documents[0]))
    _ran_on_postgresql(request)
