"""The worker: timed work in processes of its own, several at once, each mail sent once."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select
from test_mail import smtp  # noqa: F401 - the real SMTP server on loopback (aiosmtpd)

from contests.mail import queue_mail
from contests.models import OutboxMessage
from contests.models.types import utcnow

ROOT = Path(__file__).resolve().parent.parent
CONTESTS = Path(sys.executable).with_name("contests")


def _worker_env(database_url: str, smtp_url: str, instance: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTESTS_")}
    env.update(
        CONTESTS_DATABASE_URL=database_url,
        CONTESTS_SMTP_URL=smtp_url,
        CONTESTS_SECRET_KEY="test-secret-key-not-for-production-0123456789",
        CONTESTS_INSTANCE_PATH=str(instance),
        CONTESTS_MAIL_FROM="jeux@example.org",
    )
    return env


def run_workers(env: dict, count: int, *options: str) -> list[tuple[str, str]]:
    """``contests worker --once`` in ``count`` processes at once: the (stdout, stderr) of each,
    every one having exited 0."""
    workers = [
        subprocess.Popen(
            [str(CONTESTS), "worker", "--once", *options],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    outputs = [worker.communicate(timeout=120) for worker in workers]
    assert [worker.returncode for worker in workers] == [0] * count, outputs
    return outputs


@pytest.mark.slow  # two worker processes
def test_two_workers_at_once_send_every_mail_once(app, db, database_url, smtp, tmp_path):  # noqa: F811
    count = 120
    for n in range(count):
        queue_mail(f"p{n}@example.org", f"Message {n:03d}", f"Corps {n}")
    db.session.commit()
    env = _worker_env(database_url, smtp.url, tmp_path)
    outputs = run_workers(env, 2, "--batch", "5")
    subjects = sorted(str(message["Subject"]) for message in smtp.messages)
    assert subjects == [f"Message {n:03d}" for n in range(count)]
    db.session.expire_all()
    unsent = db.session.execute(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
    ).scalar()
    assert unsent == 0
    # What each worker says it handled adds up to the queue: nobody sent a message twice.
    handled = [int(n) for _, err in outputs for n in re.findall(r"worker: mail (\d+)", err)]
    assert sum(handled) == count, outputs


def test_a_header_with_a_line_feed_does_not_stop_the_queue(app, db, smtp):  # noqa: F811
    """A subject written before headers were made single-line (or by hand) is sent, and the
    messages after it too."""
    from contests.mail import deliver_pending

    now = utcnow()
    row = {"created_at": now, "next_attempt_at": now, "attempts": 0, "last_error": "", "body": "x"}
    db.session.execute(
        insert(OutboxMessage),
        [
            {**row, "recipient": "a@example.org", "subject": "Jeu de Noël\nBcc: evil@example.org"},
            {**row, "recipient": "b@example.org", "subject": "Suivant"},
        ],
    )
    db.session.commit()
    sent, failed = deliver_pending(smtp.url, "jeux@example.org")
    assert (sent, failed) == (2, 0)
    subjects = [str(message["Subject"]) for message in smtp.messages]
    assert subjects == ["Jeu de Noël Bcc: evil@example.org", "Suivant"]
    assert all(message["Bcc"] is None for message in smtp.messages)


def test_queue_mail_keeps_headers_on_one_line(app, db):
    queue_mail("a@example.org\r\n", "Gagnez\r\nun séjour", "Bonjour")
    db.session.commit()
    message = db.session.execute(select(OutboxMessage)).scalar_one()
    assert (message.recipient, message.subject) == ("a@example.org", "Gagnez un séjour")


def test_worker_once_prints_where_mail_goes_and_sends_to_the_console(app, db, runner):
    queue_mail("a@example.org", "Bonjour", "Corps du message")
    db.session.commit()
    app.config["SMTP_URL"] = "console://"
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "this terminal" in result.output and "mail to a@example.org: Bonjour" in result.output
