"""The monthly report mailed on the first of the month (issue 17): two workers at once send it
once per recipient, through a real SMTP server; the link in the mail opens the report; a
recipient that is not an address is refused in the brand kit."""

import re

import pytest
from sqlalchemy import func, select
from test_mail import smtp  # noqa: F401 - the real SMTP server on loopback (aiosmtpd)
from test_worker import _worker_env, run_workers

from contests.models import ReportMailing
from contests.models.types import utcnow
from contests.reporting.mailing import report_month
from helpers import post_form, sign_in


@pytest.mark.slow  # two worker processes
def test_two_workers_mail_the_report_once(app, client, db, database_url, museum, smtp, tmp_path):  # noqa: F811
    museum.report_recipients = "direction@musee.example\ncomm@musee.example"
    db.session.commit()
    env = _worker_env(database_url, smtp.url, tmp_path)
    run_workers(env, 2)
    assert sorted(str(m["To"]) for m in smtp.messages) == [
        "comm@musee.example",
        "direction@musee.example",
    ]
    month = report_month(museum, utcnow())
    assert all("Rapport mensuel" in str(m["Subject"]) for m in smtp.messages)
    body = smtp.messages[0].get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"https?://\S+/r/(\S+)", body)
    assert link, body
    shared = app.test_client().get(f"/r/{link[1]}")
    assert shared.status_code == 200 and shared.mimetype == "application/pdf"
    # Next round, next day: nothing more for that month.
    run_workers(env, 2)
    assert len(smtp.messages) == 2
    db.session.expire_all()
    rows = db.session.execute(select(func.count()).select_from(ReportMailing)).scalar()
    assert rows == 1
    assert db.session.get(ReportMailing, (museum.id, month)).recipients == 2


def test_recipients_must_be_addresses(app, client, db, museum):
    sign_in(client, "alice@example.org")
    response = post_form(
        client,
        f"/admin/o/{museum.id}/brand-kit",
        {
            "name": "Musée",
            "language": "fr",
            "jurisdiction": "FR",
            "timezone": "Europe/Paris",
            "report_recipients": "direction@musee.example\nnot an address",
        },
    )
    assert response.status_code == 400
    assert "not an address" in response.get_data(as_text=True)
    db.session.expire_all()
    assert museum.report_recipients == ""
