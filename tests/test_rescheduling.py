"""Extend a contest or close it early (issue 16): a dated amendment that commits the draw again,
the old commitment kept and named, refused once the list is frozen (by the code and by the
database)."""

import html
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError
from test_receipts import _receipt, _verify

from contests.contest.rescheduling import close_now, reschedule
from contests.errors import ValidationFailed, WrongState
from contests.models import AuditEvent, Draw, RulesVersion
from contests.timezones import utc_to_local
from contests.winners.drawing import perform_draw
from contests.winners.freezing import freeze_entrants
from contests.winners.records import draw_of, superseded_commitments
from helpers import post_form, sign_in


@pytest.fixture
def running(factory, museum):
    return factory.contest(museum, publish=True, slug="prolonge", min_age=0, prizes=1)


def _local(contest, instant):
    return utc_to_local(instant, contest.timezone).replace(tzinfo=None)


def test_extending_publishes_a_new_version_and_a_new_commitment(app, client, db, running):
    first = draw_of(running)
    old_end, old_hash = running.ends_at, first.spec_hash
    now = datetime.now(UTC)
    new_end = _local(running, old_end + timedelta(days=7))
    row = reschedule(
        running, new_end, new_end + timedelta(days=2), "Prolongé d'une semaine.", None, now
    )
    db.session.commit()
    assert row.number == 2 and row.summary == "Prolongé d'une semaine."
    assert running.ends_at == old_end + timedelta(days=7)
    # The old commitment is still there, superseded; the new one names it.
    db.session.expire_all()
    (old,) = superseded_commitments(running)
    assert old.id == first.id and old.superseded_at is not None and old.spec_hash == old_hash
    current = draw_of(running)
    spec = json.loads(current.spec)
    assert current.id != first.id and spec["supersedes"] == [old_hash]
    assert spec["closes_at"] == running.ends_at.isoformat()
    assert current.server_secret != first.server_secret
    rules = db.session.execute(
        select(RulesVersion.html).where(RulesVersion.number == 2)
    ).scalar_one()
    assert current.spec_hash in rules and old_hash not in rules
    event = db.session.execute(
        select(AuditEvent).where(AuditEvent.action == "contest.rescheduled")
    ).scalar_one()
    assert json.loads(event.data)["spec_hash"] == [old_hash, current.spec_hash]
    # Both commitments stay public: the old page says it was replaced and links the new one.
    old_page = html.unescape(client.get(f"/d/{first.id}").get_data(as_text=True))
    assert "Cet engagement a été remplacé" in old_page and f"/d/{current.id}" in old_page
    new_page = html.unescape(client.get(f"/d/{current.id}").get_data(as_text=True))
    assert "remplace 1 engagement(s) précédent(s)" in new_page
    # A second extension chains the names.
    later = _local(running, running.ends_at + timedelta(days=1))
    reschedule(running, later, None, "Encore un jour.", None, now)
    db.session.commit()
    assert json.loads(draw_of(running).spec)["supersedes"] == [old_hash, current.spec_hash]


def test_a_receipt_signed_before_the_extension_still_verifies(
    app, client, db, factory, running, tmp_path
):
    entries = [factory.entry(running, email=f"p{n}@example.org") for n in range(3)]
    receipt = _receipt(client, running, entries[0])
    old_hash = draw_of(running).spec_hash
    assert receipt["signed"]["draw_spec_hash"] == old_hash
    now = datetime.now(UTC)
    close_now(running, "Clôturé plus tôt : tous les lots sont réservés.", None, now)
    db.session.commit()
    assert running.ends_at == now
    later = max(now, running.draw_at) + timedelta(minutes=1)
    freeze_entrants(running, later)
    draw = perform_draw(running, ["3 14 25 36 47"], None, later)
    db.session.commit()
    checked = _verify(tmp_path, receipt, draw, client)
    assert checked.returncode == 0, checked.stdout
    assert f"entry {entries[0].number} is line 1 of the frozen list" in checked.stdout
    # A receipt naming some other specification is still refused.
    forged = json.loads(json.dumps(receipt))
    forged["signed"]["draw_spec_hash"] = "0" * 64
    assert _verify(tmp_path, forged, draw, client).returncode == 1


def test_refused_once_the_list_is_frozen_by_the_code_and_the_database(app, db, factory, museum):
    contest = factory.contest(museum, publish=True, closed=True, slug="fige", min_age=0)
    now = datetime.now(UTC)
    new_end = _local(contest, now + timedelta(days=3))
    with pytest.raises(WrongState):  # closed: frozen by the next request or worker round
        reschedule(contest, new_end, new_end, "Trop tard.", None, now)
    db.session.rollback()
    freeze_entrants(contest, now)
    db.session.commit()
    with pytest.raises(WrongState):
        reschedule(contest, new_end, new_end, "Trop tard.", None, now)
    db.session.rollback()
    # Behind the app's back, the database refuses to supersede a frozen commitment...
    draw_id = draw_of(contest).id
    with pytest.raises(DatabaseError):
        db.session.execute(
            text("UPDATE draws SET superseded_at = frozen_at WHERE id = :id"), {"id": draw_id}
        )
        db.session.flush()
    db.session.rollback()
    # ...to freeze or draw a superseded one, and to keep two current commitments.
    running = factory.contest(museum, publish=True, slug="autre", min_age=0)
    old = draw_of(running)
    reschedule(
        running, _local(running, running.ends_at + timedelta(days=1)), None, "+1 j", None, now
    )
    db.session.commit()
    with pytest.raises(DatabaseError):
        db.session.execute(
            text("UPDATE draws SET frozen_at = committed_at WHERE id = :id"), {"id": old.id}
        )
        db.session.flush()
    db.session.rollback()
    with pytest.raises(DatabaseError):
        db.session.execute(
            text("UPDATE draws SET superseded_at = NULL WHERE id = :id"), {"id": old.id}
        )
        db.session.flush()
    db.session.rollback()
    assert (
        db.session.execute(select(Draw).where(Draw.contest_id == running.id)).all().__len__() == 2
    )


def test_bad_dates_are_refused_and_change_nothing(app, db, running):
    now = datetime.now(UTC)
    cases = [
        (_local(running, now - timedelta(hours=1)), None, "ends_at", "This date has passed"),
        (_local(running, running.starts_at - timedelta(days=1)), None, "ends_at", "passed"),
        (_local(running, running.ends_at), None, "ends_at", "already the closing date"),
        (
            _local(running, running.ends_at + timedelta(days=2)),
            _local(running, running.ends_at + timedelta(days=1)),
            "draw_at",
            "cannot be selected before the closing date",
        ),
    ]
    for ends, draw_at, field, message in cases:
        with pytest.raises(ValidationFailed) as failed:
            reschedule(running, ends, draw_at, "Essai.", None, now)
        db.session.rollback()
        assert message in str(failed.value.errors[field][0]), (field, failed.value.errors)
    with pytest.raises(ValidationFailed) as failed:
        reschedule(
            running, _local(running, running.ends_at + timedelta(days=1)), None, " ", None, now
        )
    assert "summary" in failed.value.errors
    db.session.rollback()
    assert len(db.session.execute(select(Draw)).all()) == 1 and not superseded_commitments(running)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_close_now_from_the_contest_page(app, client, db, factory, museum, language):
    contest = factory.contest(
        museum, publish=True, slug=f"clore-{language}", min_age=0, language=language
    )
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    sign_in(client, "alice@example.org")
    page = client.get(f"/admin/o/{museum.id}/contests/{contest.id}").get_data(as_text=True)
    label = "Prolonger ou clore plus tôt" if language == "fr" else "Extend or close early"
    assert label in page
    url = f"/admin/o/{museum.id}/contests/{contest.id}/dates"
    response = post_form(client, url, {"summary": "", "action": "close_now"})
    assert response.status_code == 400
    response = post_form(client, url, {"summary": "All prizes are booked.", "action": "close_now"})
    assert response.status_code == 302, response.get_data(as_text=True)
    shown = html.unescape(client.get(response.headers["Location"]).get_data(as_text=True))
    assert ("Concours clos" if language == "fr" else "Contest closed") in shown
    db.session.expire_all()
    assert contest.ends_at <= datetime.now(UTC)
    public = client.get(f"/c/{contest.slug}").get_data(as_text=True)
    assert 'name="form_token"' not in public  # no entry form once closed
    assert (
        db.session.execute(select(Draw).where(Draw.contest_id == contest.id)).all().__len__() == 2
    )
