"""Mail through the worker: how many messages a second one and two `contests worker` processes
deliver to a real SMTP server on loopback (aiosmtpd), on SQLite and PostgreSQL.

    .venv/bin/python bench/worker_bench.py [--messages 2000] [--backends sqlite postgresql]

Each run queues the messages in a fresh database, then times `contests worker --once` (one
process, then two at once) until the outbox is empty, and checks that the server received every
message exactly once.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))


class Sink:
    def __init__(self):
        self.subjects: list[str] = []

    async def handle_DATA(self, server, session, envelope):
        for line in envelope.content.decode("utf-8", "replace").splitlines():
            if line.startswith("Subject: "):
                self.subjects.append(line[9:])
                break
        return "250 OK"


def _database(backend: str, instance: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{instance}/bench.sqlite3"
    from sqlalchemy import create_engine, text

    from contests.config import database_uri

    base = os.environ.get("CONTESTS_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
    engine = create_engine(database_uri(base, Path(".")))
    with engine.begin() as connection:
        connection.execute(text('DROP SCHEMA IF EXISTS "contests_worker_bench" CASCADE'))
        connection.execute(text('CREATE SCHEMA "contests_worker_bench"'))
    engine.dispose()
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options=-csearch_path%3Dcontests_worker_bench"


def run(backend: str, messages: int, workers: int, sink: Sink, smtp_url: str) -> float:
    instance = tempfile.mkdtemp(prefix="contests-worker-bench-")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTESTS_")}
    env.update(
        CONTESTS_DATABASE_URL=_database(backend, instance),
        CONTESTS_INSTANCE_PATH=instance,
        CONTESTS_SECRET_KEY="bench-secret-key-0123456789abcdef0123456789",
        CONTESTS_SMTP_URL=smtp_url,
    )
    subprocess.run(
        [str(BIN / "contests"), "db", "upgrade"], env=env, check=True, capture_output=True
    )
    os.environ.update(env)
    from contests import create_app
    from contests.extensions import db
    from contests.mail import queue_mail

    app = create_app()
    with app.app_context():
        for n in range(messages):
            queue_mail(f"p{n}@example.org", f"{backend}-{workers}-{n}", "Bonjour\n" * 20)
        db.session.commit()
        db.engine.dispose()
    sink.subjects.clear()
    started = time.perf_counter()
    processes = [
        subprocess.Popen(
            [str(BIN / "contests"), "worker", "--once", "--batch", "100"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(workers)
    ]
    for process in processes:
        process.wait(timeout=600)
    seconds = time.perf_counter() - started
    expected = sorted(f"{backend}-{workers}-{n}" for n in range(messages))
    assert sorted(sink.subjects) == expected, "a message was lost or sent twice"
    return seconds


def main() -> int:
    from aiosmtpd.controller import Controller

    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    args = parser.parse_args()
    sink = Sink()
    with socket.socket() as probe:  # a free port: aiosmtpd checks the one it is given
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    smtp_url = f"smtp://127.0.0.1:{port}"
    print(f"{'backend':<12}{'workers':>8}{'messages':>10}{'seconds':>10}{'mails/s':>10}  once each")
    for backend in args.backends:
        for workers in (1, 2):
            seconds = run(backend, args.messages, workers, sink, smtp_url)
            rate = args.messages / seconds
            print(f"{backend:<12}{workers:>8}{args.messages:>10}{seconds:>10.2f}{rate:>10.0f}  yes")
    controller.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
