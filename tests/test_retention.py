"""The retention purge (issue 15, item 1): the rules promise "kept N months after the end, then
erased"; the worker and `contests purge` keep that promise, and every draw still verifies."""

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, update
from test_worker import _worker_env, run_workers

from contests.contest.publishing import publish_contest
from contests.draw.verify import verify
from contests.entries import retention
from contests.mail import queue_mail
from contests.models import AuditEvent, Award, Entry, OutboxMessage
from contests.winners.drawing import perform_draw
from contests.winners.freezing import freeze_entrants
from contests.winners.records import draw_of, receipt_inclusion
from helpers import sign_in

CLOSE = datetime(2024, 5, 1, 16, 0, tzinfo=UTC)
#: Twelve months after the end: the entrants' data is due; the winners' (36 months) is not.
AFTER = datetime(2025, 5, 2, tzinfo=UTC)
LATER = datetime(2027, 5, 2, tzinfo=UTC)


@pytest.fixture
def old(factory, museum, db):
    """A contest that ended on 1 May 2024 (12 months' retention, winners 36), drawn, its one
    prize delivered: six entrants, one winner, two alternates."""
    contest = factory.contest(
        museum,
        slug="ancien",
        min_age=0,
        starts_at=datetime(2024, 4, 1, 9, 0),
        ends_at=datetime(2024, 5, 1, 18, 0),
        draw_at=datetime(2024, 5, 1, 18, 0),
        data_retention_months=12,
        winners_retention_months=36,
        entropy_format="free",
    )
    publish_contest(contest, None, datetime(2024, 3, 1, tzinfo=UTC))
    db.session.commit()
    for n in range(6):
        entry = factory.entry(
            contest, email=f"e{n}@example.org", now=datetime(2024, 4, 10, tzinfo=UTC)
        )
        queue_mail(entry.email, "Votre participation", f"Bonjour Zoé, n° {entry.id}", entry.id)
    freeze_entrants(contest, CLOSE)
    perform_draw(contest, ["12 17 31 42 45"], None, datetime(2024, 5, 2, tzinfo=UTC))
    db.session.execute(update(Award).values(status="delivered"))
    db.session.commit()
    return contest


def _winner_ids(db, contest):
    return set(
        db.session.execute(
            select(Award.entry_id).join(Entry).where(Entry.contest_id == contest.id)
        ).scalars()
    )


def test_past_its_retention_a_contest_is_purged_and_its_draw_still_verifies(app, db, old):
    draw = draw_of(old)
    record, entrant_file = json.loads(draw.record), draw.entrants_file
    winners = _winner_ids(db, old)
    assert retention.due(datetime(2025, 4, 30, tzinfo=UTC)) == []  # not yet
    assert retention.due(AFTER) == [(old.id, retention.ENTRANTS)]
    queued = db.session.execute(select(func.count()).select_from(OutboxMessage)).scalar()
    assert queued == 6  # the receipt mails: they hold names and addresses too

    done = retention.purge_contest(old, retention.ENTRANTS, AFTER)
    db.session.commit()
    assert (done.entries, done.winners_kept) == (6 - len(winners), len(winners))
    entries = db.session.execute(select(Entry).where(Entry.contest_id == old.id)).scalars().all()
    for entry in entries:
        if entry.id in winners:
            assert entry.email and entry.erased_at is None
            continue
        assert (entry.first_name, entry.last_name, entry.email, entry.email_key) == ("", "", "", "")
        assert entry.identity_key == f"erased:{entry.id}" and entry.salt == b""
        assert entry.ip_address == "" and entry.user_agent == "" and entry.answers == "{}"
        assert entry.erased_at == AFTER and entry.consents  # the proof of consent stays
    remaining = db.session.execute(select(OutboxMessage.entry_id)).scalars().all()
    assert set(remaining) <= winners and done.mails == queued - len(remaining)
    # The draw verifies as before; an erased entrant still finds their anonymous line.
    assert verify(json.loads(draw_of(old).record), draw_of(old).entrants_file)
    assert draw_of(old).entrants_file == entrant_file and json.loads(draw.record) == record
    erased = next(e for e in entries if e.id not in winners)
    assert receipt_inclusion(draw, old, erased.receipt_code)["included"] is True
    event = db.session.execute(
        select(AuditEvent).where(AuditEvent.action == "contest.purged")
    ).scalar_one()
    assert json.loads(event.data)["entries"] == done.entries

    # Done once: nothing more is due until the winners' period ends, and a second purge of the
    # same phase finds it claimed.
    assert retention.due(AFTER) == []
    assert retention.purge_contest(old, retention.ENTRANTS, AFTER) is None
    db.session.rollback()
    assert retention.due(LATER) == [(old.id, retention.WINNERS)]
    done = retention.purge_contest(old, retention.WINNERS, LATER)
    db.session.commit()
    assert done.entries == len(winners) and done.claims == len(winners)
    assert all(
        e.erased_at is not None and e.email == ""
        for e in db.session.execute(select(Entry)).scalars()
    )
    assert verify(json.loads(draw_of(old).record), draw_of(old).entrants_file)
    assert retention.due(LATER) == []


def test_the_purge_waits_while_a_prize_may_still_pass_to_an_alternate(app, db, old):
    db.session.execute(update(Award).values(status="notified"))
    db.session.commit()
    assert retention.due(AFTER) == []
    assert retention.summary(old)["waiting_for"] == "claims"


def test_purge_command_dry_run_then_purge_then_nothing(app, db, runner, old):
    before = db.session.execute(select(Entry.email).order_by(Entry.id)).scalars().all()
    result = runner.invoke(args=["purge", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "ancien: 5 entrants would be erased" in result.output
    assert "1 winner(s) kept" in result.output
    db.session.expire_all()
    assert db.session.execute(select(Entry.email).order_by(Entry.id)).scalars().all() == before
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0 and "ancien: 5 entrants erased" in result.output, result.output
    result = runner.invoke(args=["purge"], env={"LANG": "fr_FR.UTF-8"})
    assert result.exit_code == 0 and "rien à effacer" in result.output, result.output


def test_the_organizer_sees_when_the_data_goes(app, client, db, old):
    sign_in(client, "alice@example.org")
    page = client.get(f"/admin/o/{old.organization_id}/contests/{old.id}").get_data(as_text=True)
    assert "Kept until May 1, 2025 6:00" in page and "winners' data until May 1, 2027" in page
    retention.purge_contest(old, retention.ENTRANTS, AFTER)
    db.session.commit()
    page = client.get(f"/admin/o/{old.organization_id}/contests/{old.id}").get_data(as_text=True)
    assert "Entrants' data erased on May 2, 2025" in page and "5 entries erased" in page


@pytest.mark.slow  # two worker processes
def test_two_workers_purge_a_contest_once(app, db, database_url, old, tmp_path):
    run_workers(_worker_env(database_url, "", tmp_path), 2)
    db.session.expire_all()
    purges = db.session.execute(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "contest.purged")
    ).scalar()
    assert purges == 1
    erased = db.session.execute(
        select(func.count()).select_from(Entry).where(Entry.erased_at.is_not(None))
    ).scalar()
    assert erased == 5
