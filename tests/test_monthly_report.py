"""The client's monthly report (issue 17): hand-counted figures on SQLite and PostgreSQL with the
month's bounds in the client's time zone, the branded PDF read back with pdftotext, the CSV, and
the read-only link that expires."""

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert
from test_certificates import ENGLISH, pdf_text

from contests.models import PageView
from contests.reporting import monthly
from contests.reporting.monthly import (
    ExpiredLink,
    monthly_report,
    read_share_token,
)
from helpers import sign_in


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def autumn(factory, museum, db):
    museum.agency, museum.brand_color = "Agence Lumière", "#7c2d12"
    contest = factory.contest(
        museum,
        slug="automne-expo",
        title="=Expo d'automne",  # a title a spreadsheet would take for a formula
        starts_at=datetime(2026, 10, 1, 10, 0),
        ends_at=datetime(2026, 12, 5, 10, 0),
        draw_at=datetime(2026, 12, 6, 10, 0),
        min_age=0,
        published_at=_at("2026-09-30T10:00:00"),
    )
    for n, when in enumerate(
        [
            "2026-10-05T10:00:00",  # October
            "2026-10-31T22:30:00",  # 23:30 on 31 October in Paris: October
            "2026-10-31T23:30:00",  # 00:30 on 1 November in Paris: November
            "2026-11-10T10:00:00",  # November
            "2026-11-30T22:30:00",  # 23:30 on 30 November: November
            "2026-11-30T23:30:00",  # 00:30 on 1 December: December
        ]
    ):
        factory.entry(
            contest,
            email=f"m{n}@example.org",
            now=_at(when),
            marketing_opt_in=n % 2 == 0,
            ip_address=f"192.0.2.{n}",
        )
    db.session.execute(
        insert(PageView),
        [
            {
                "contest_id": contest.id,
                "kind": "page",
                "hour": _at("2026-11-02T09:00:00"),
                "count": 7,
            },
            {
                "contest_id": contest.id,
                "kind": "embed",
                "hour": _at("2026-11-20T15:00:00"),
                "count": 5,
            },
            {
                "contest_id": contest.id,
                "kind": "page",
                "hour": _at("2026-10-10T09:00:00"),
                "count": 4,
            },
        ],
    )
    db.session.commit()
    return contest


def test_the_months_figures_are_the_hand_counted_ones(app, db, museum, autumn):
    report = monthly_report(museum, date(2026, 11, 1))
    assert (report.current.entries, report.current.views, report.current.opt_in) == (3, 12, 2)
    assert (report.previous.entries, report.previous.views) == (2, 4)
    assert report.change("entries") == 0.5 and report.change("views") == 2.0
    days = dict(report.current.by_day)
    assert len(days) == 30 and days[date(2026, 11, 1)] == 1 and days[date(2026, 11, 30)] == 1
    assert sum(days.values()) == 3


def test_pdf_csv_and_the_shared_link(app, client, db, museum, autumn, monkeypatch):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr"
    sign_in(client, "alice@example.org")
    base = f"/admin/o/{museum.id}"
    page = client.get(f"{base}/report?month=2026-11").get_data(as_text=True)
    assert "novembre 2026" in page and "octobre 2026" in page
    pdf = client.get(f"{base}/report.pdf?month=2026-11")
    assert pdf.mimetype == "application/pdf"
    artifacts = Path(__file__).resolve().parent.parent / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    (artifacts / "monthly-report.pdf").write_bytes(pdf.data)
    text = pdf_text(pdf.data)
    for expected in (
        "Rapport mensuel",
        "novembre 2026",
        "octobre 2026",
        "préparé par Agence Lumière",
        "=Expo d'automne",
        "+50 %",
        "Participations par jour",
    ):
        assert expected in text, expected
    assert not ENGLISH.findall(text), ENGLISH.findall(text)  # a French report, all in French
    rows = list(
        csv.reader(
            io.StringIO(client.get(f"{base}/report.csv?month=2026-11").get_data(as_text=True)),
            delimiter=";",
        )
    )
    assert rows[0] == ["\ufeffJeu", "Participations", "Confirmées", "Opt-in", "Vues"]
    assert rows[1][0] == "'=Expo d'automne"  # defused
    assert rows[1][1:] == ["3", "3", "2", "12"]
    assert rows[-1][1:] == ["2", "2", "1", "4"]  # the month before
    # The read-only link: no sign-in needed, expires, cannot be forged.
    token = re.search(r'id="share" class="snippet" readonly value="[^"]*/r/([^"]+)"', page)[1]
    assert read_share_token(app.config["SECRET_KEY"], token) == (museum.id, date(2026, 11, 1))
    anonymous = app.test_client()
    shared = anonymous.get(f"/r/{token}")
    assert shared.status_code == 200 and "novembre 2026" in pdf_text(shared.data)
    assert anonymous.get(f"/r/{token[:-2]}xx").status_code == 404
    with pytest.raises(ExpiredLink):
        read_share_token(app.config["SECRET_KEY"], token, datetime.now(UTC) + timedelta(days=31))
    monkeypatch.setattr(monthly, "LINK_DAYS", -1)
    assert anonymous.get(f"/r/{token}").status_code == 410
