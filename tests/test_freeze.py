"""The entrant list frozen at the close (issue 14, item 1), against the real database: the worker
or the first request freezes it once, its fingerprints are published, nothing enters or leaves it
afterwards, and a draw refuses a stored list that no longer matches its published root."""

import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from test_worker import _worker_env, run_workers

from contests import jobs
from contests.draw import merkle
from contests.entries.confirmation import confirm_entry, confirmation_token
from contests.entries.review import disqualify_entry
from contests.errors import WrongState
from contests.models import AuditEvent, Entry, User
from contests.winners.drawing import perform_draw
from contests.winners.freezing import freeze_entrants, listing_of
from contests.winners.records import draw_of
from helpers import guards_removed, sign_in

VALUES = ["3 14 25 36 47"]


@pytest.fixture
def contest(factory, museum, db):
    """Published, 12 entries (10 confirmed, 1 pending, 1 disqualified), closed a minute ago."""
    contest = factory.contest(
        museum, publish=True, slug="gel", min_age=0, prizes=2, alternates_per_prize=2
    )
    entries = [factory.entry(contest, email=f"p{n}@example.org") for n in range(12)]
    entries[10].status = "pending"
    entries[11].status = "disqualified"
    contest.ends_at = datetime.now(UTC) - timedelta(minutes=1)
    contest.draw_at = contest.ends_at  # the draw date the rules announce
    db.session.commit()
    return contest


def _frozen_events(db, contest) -> list[AuditEvent]:
    return list(
        db.session.execute(
            select(AuditEvent).where(
                AuditEvent.contest_id == contest.id, AuditEvent.action == "draw.list_frozen"
            )
        ).scalars()
    )


def _confirmed(db, contest, column=Entry.id) -> list[int]:
    """The confirmed entries' ids (or, with ``Entry.number``, their numbers in the contest: the
    frozen list's entry_id column), in order."""
    return list(
        db.session.execute(
            select(column)
            .where(Entry.contest_id == contest.id, Entry.status == "confirmed")
            .order_by(column)
        ).scalars()
    )


def test_the_worker_freezes_a_closed_contest_once_and_publishes_its_fingerprints(
    app, client, db, contest
):
    assert draw_of(contest).frozen_at is None
    assert jobs.freeze_lists(10) == 1
    assert jobs.freeze_lists(10) == 0  # once
    db.session.expire_all()
    draw = draw_of(contest)
    listing = listing_of(draw)
    numbers = _confirmed(db, contest, Entry.number)
    data = draw.entrants_file
    lines = data.split(b"\n")[:-1]
    # What is published is what the file holds: count, SHA-256, RFC 6962 root of its lines,
    # the entries named by their number in the contest (1 to 10 here).
    assert [int(line.split(b",")[0]) for line in lines] == numbers == list(range(1, 11))
    assert listing.count == 10
    assert listing.file_sha256 == hashlib.sha256(data).hexdigest()
    root = merkle.root_from_leaf_hashes([merkle.leaf_hash(line) for line in lines])
    assert listing.merkle_root == root.hex()
    [event] = _frozen_events(db, contest)
    details = json.loads(event.data)
    assert details["merkle_root"] == listing.merkle_root and details["entrants"] == 10
    for page in ("/c/gel", f"/d/{draw.id}"):
        html = client.get(page).get_data(as_text=True)
        assert listing.merkle_root in html and listing.file_sha256 in html, page
        assert "data-frozen-count>10<" in html
    sign_in(client, "alice@example.org")
    admin = client.get(f"/admin/o/{contest.organization_id}/contests/{contest.id}/draw")
    assert listing.merkle_root in admin.get_data(as_text=True)
    # The draw reads that list and publishes the same root.
    drawn = perform_draw(contest, VALUES, None, datetime.now(UTC))
    db.session.commit()
    record = drawn.record
    assert listing.merkle_root in record and drawn.frozen_at < drawn.drawn_at


def test_the_first_request_after_the_close_freezes_the_list(app, client, db, contest):
    html = client.get("/c/gel").get_data(as_text=True)
    db.session.expire_all()
    listing = listing_of(draw_of(contest))
    assert listing is not None and listing.merkle_root in html
    [event] = _frozen_events(db, contest)
    assert event.actor_id is None
    client.get("/c/gel")
    assert len(_frozen_events(db, contest)) == 1


def test_an_open_contest_is_not_frozen(app, client, db, factory, museum):
    open_contest = factory.contest(museum, publish=True, slug="ouvert", min_age=0)
    client.get("/c/ouvert")
    assert draw_of(open_contest).frozen_at is None and jobs.freeze_lists(10) == 0
    with pytest.raises(WrongState, match="when the contest closes"):
        freeze_entrants(open_contest, datetime.now(UTC))


def test_nothing_enters_or_leaves_the_frozen_list(app, client, db, contest):
    now = datetime.now(UTC)
    pending, disqualified = db.session.execute(
        select(Entry)
        .where(Entry.contest_id == contest.id, Entry.status != "confirmed")
        .order_by(Entry.id)
    ).scalars()
    freeze_entrants(contest, now)
    db.session.commit()
    frozen_ids = _confirmed(db, contest)
    alice = db.session.execute(select(User).where(User.email == "alice@example.org")).scalar_one()
    with pytest.raises(WrongState, match="frozen at the close"):
        disqualify_entry(db.session.get(Entry, frozen_ids[0]), "late doubt", alice, now)
    db.session.rollback()
    # A confirmation link used after the close is refused, on the page and in the domain.
    token = confirmation_token(pending)
    with pytest.raises(WrongState, match="closed before this entry was confirmed"):
        confirm_entry(contest, token, now)
    db.session.rollback()
    page = client.get(f"/c/gel/confirm/{token}")
    assert page.status_code == 409
    assert "ne peut pas prendre part" in page.get_data(as_text=True)  # the contest is French
    # Behind the app's back, the database itself refuses: an entry disqualified, another
    # reinstated, one deleted, a fake one inserted after the close.
    attacks = [
        ("UPDATE entries SET status = 'disqualified' WHERE id = :id", {"id": frozen_ids[0]}),
        ("UPDATE entries SET status = 'confirmed' WHERE id = :id", {"id": disqualified.id}),
        ("UPDATE entries SET weight = 5 WHERE id = :id", {"id": frozen_ids[1]}),
        # Renumbered: the list's entry_id is the entry's number in the contest.
        ("UPDATE entries SET number = number + 1000 WHERE id = :id", {"id": frozen_ids[1]}),
        ("DELETE FROM entries WHERE id = :id", {"id": frozen_ids[2]}),
        (
            "INSERT INTO entries SELECT * FROM entries WHERE id = :id",
            {"id": frozen_ids[3]},
        ),
    ]
    for statement, values in attacks:
        with pytest.raises(IntegrityError, match="entrant list of this contest is frozen"):
            db.session.execute(text(statement), values)
        db.session.rollback()
    # Personal data stays erasable (the retention purge needs it).
    db.session.execute(
        text("UPDATE entries SET first_name = 'X' WHERE id = :id"), {"id": frozen_ids[0]}
    )
    db.session.commit()
    # Even with the triggers taken off by the database's owner, the draw reads the stored list.
    with guards_removed(db):
        for statement, values in attacks[:2]:
            db.session.execute(text(statement), values)
    drawn = perform_draw(contest, VALUES, None, datetime.now(UTC))
    db.session.commit()
    numbers = [int(line.split(b",")[0]) for line in drawn.entrants_file.splitlines()]
    assert numbers == [db.session.get(Entry, entry_id).number for entry_id in frozen_ids]


def test_a_draw_refuses_a_stored_list_edited_after_the_freeze(app, db, contest, backend):
    freeze_entrants(contest, datetime.now(UTC))
    db.session.commit()
    draw = draw_of(contest)
    # Drop the first line of the stored file (a raw edit of the block): refused by the database,
    # and, done by its owner with the triggers off, refused by the draw.
    edit = (
        text(
            "UPDATE draw_list_blocks SET lines = "
            + (
                "substring(lines from position('\\x0a'::bytea in lines) + 1)"
                if backend == "postgresql"
                else "substr(lines, instr(lines, x'0a') + 1)"
            )
            + " WHERE draw_id = :id AND number = 0"
        ),
        {"id": draw.id},
    )
    with pytest.raises(IntegrityError, match="append-only"):
        db.session.execute(*edit)
    db.session.rollback()
    with guards_removed(db):
        db.session.execute(*edit)
    with pytest.raises(WrongState, match="no longer matches the fingerprints"):
        perform_draw(contest, VALUES, None, datetime.now(UTC))
    db.session.rollback()
    assert draw_of(contest).state == "committed"


@pytest.mark.slow  # two worker processes
def test_two_workers_freeze_a_list_once(app, db, database_url, contest, tmp_path):
    run_workers(_worker_env(database_url, "", tmp_path), 2)  # both exit 0
    db.session.expire_all()
    assert len(_frozen_events(db, contest)) == 1
    assert listing_of(draw_of(contest)).count == 10


def test_an_entry_racing_the_freeze_is_told_the_contest_closed(app, db, factory, museum):
    """An entry whose phase check passed just before the close and whose INSERT lands just after
    the freeze: the database refuses it, and the entrant hears "closed", not "already entered"."""
    from contests.entries.submission import EntryInput, NotOpen, submit_entry

    contest = factory.contest(museum, publish=True, slug="course", min_age=0)
    db.session.execute(
        text("UPDATE draws SET frozen_at = :now WHERE contest_id = :id"),
        {"now": datetime.now(UTC).replace(tzinfo=None), "id": contest.id},
    )
    db.session.commit()
    data = EntryInput(
        first_name="Zoé",
        last_name="Durand",
        email="zoe@example.org",
        consent_texts={"rules": "I have read and accept the contest rules."},
    )
    with pytest.raises(NotOpen):
        submit_entry(contest, data, datetime.now(UTC))
    db.session.rollback()


def test_the_first_command_after_the_close_freezes_the_list(app, db, runner, contest):
    result = runner.invoke(args=["entries", "gel"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert listing_of(draw_of(contest)).count == 10 and len(_frozen_events(db, contest)) == 1


def test_a_later_draw_selects_from_the_ids_kept_at_the_freeze_as_from_the_file(app, db, contest):
    """The freeze keeps the list's ids and weights; the draw that comes later selects from them
    and gives what a draw reading the file gives (a list frozen before they were kept, its ids
    NULL, is read from its file); edited ids that no longer add up are refused."""
    from contests.models import DrawList

    freeze_entrants(contest, datetime.now(UTC))
    db.session.commit()
    draw = draw_of(contest)
    listing = db.session.get(DrawList, draw.id)
    kept_ids, kept_weights = listing.ids, listing.weights
    assert len(kept_ids) == 8 * listing.count and len(kept_weights) == 4 * listing.count
    now = datetime.now(UTC)
    from_ids = json.loads(perform_draw(contest, VALUES, None, now).record)
    db.session.rollback()
    with guards_removed(db):
        db.session.execute(
            text("UPDATE draw_lists SET ids = NULL, weights = NULL WHERE draw_id = :id"),
            {"id": draw.id},
        )
    db.session.expire_all()
    from_file = json.loads(perform_draw(contest, VALUES, None, now).record)
    db.session.rollback()
    assert from_file["winners"] == from_ids["winners"]
    assert from_file["alternates"] == from_ids["alternates"]
    assert from_file["entrants"] == from_ids["entrants"]
    with guards_removed(db):
        db.session.execute(
            text("UPDATE draw_lists SET ids = :ids, weights = :weights WHERE draw_id = :id"),
            {"id": draw.id, "ids": kept_ids[:-8], "weights": kept_weights[:-4]},
        )
    db.session.expire_all()
    with pytest.raises(WrongState, match="no longer matches the fingerprints"):
        perform_draw(contest, VALUES, None, now)
    db.session.rollback()
