"""The draw's evidence guarded by the database itself (migration 2dd57fd929f6), on SQLite and
PostgreSQL: raw SQL from anyone holding a connection is refused; what the app legitimately does
(a substitution appended to the record, the rules PDF cached) still works."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from contests.draw import protocol
from contests.winners.drawing import perform_draw
from contests.winners.records import draw_of
from contests.winners.substitution import substitute_winner

VALUES = ["3 14 25 36 47"]


@pytest.fixture
def drawn(factory, museum, db):
    contest = factory.contest(
        museum, publish=True, slug="garde", min_age=0, prizes=1, alternates_per_prize=3
    )
    for n in range(6):
        factory.entry(contest, email=f"g{n}@example.org")
    contest.ends_at = datetime.now(UTC) - timedelta(minutes=1)
    contest.draw_at = contest.ends_at  # the draw date the rules announce
    db.session.commit()
    draw = perform_draw(contest, VALUES, None, datetime.now(UTC))
    db.session.commit()
    return draw


def _refused(db, statement: str, values: dict, message: str) -> None:
    with pytest.raises(IntegrityError, match=message):
        db.session.execute(text(statement), values)
        db.session.flush()
    db.session.rollback()


def test_a_draw_cannot_be_rewritten_or_deleted(app, db, drawn):
    values = {"id": drawn.id}
    never = "published values of a draw never change"
    for statement in (
        "UPDATE draws SET spec = '{}' WHERE id = :id",
        "UPDATE draws SET spec_hash = 'x' WHERE id = :id",
        "UPDATE draws SET server_secret = 'x' WHERE id = :id",
        "UPDATE draws SET entropy = '[\"1 2 3 4 5\"]' WHERE id = :id",
        "UPDATE draws SET drawn_at = committed_at WHERE id = :id",
        "UPDATE draws SET frozen_at = committed_at WHERE id = :id",
        "UPDATE draws SET state = 'committed' WHERE id = :id",
    ):
        _refused(db, statement, values, never)
    _refused(db, "DELETE FROM draws WHERE id = :id", values, "never deleted")
    _refused(db, "DELETE FROM draw_lists WHERE draw_id = :id", values, "append-only")
    _refused(db, "DELETE FROM draw_list_blocks WHERE draw_id = :id", values, "append-only")


def test_a_record_only_grows_by_substitutions(app, db, drawn):
    record = json.loads(drawn.record)
    grows = "only grows by substitutions"
    # Another winner, the same length: refused.
    forged = dict(
        record, winners=[dict(record["winners"][0], entry_id=record["alternates"][0]["entry_id"])]
    )
    _refused(
        db,
        "UPDATE draws SET record = :record WHERE id = :id",
        {"record": json.dumps(forged), "id": drawn.id},
        grows,
    )
    _refused(db, "UPDATE draws SET record = NULL WHERE id = :id", {"id": drawn.id}, grows)
    # The app's substitution appends: allowed. Then removing it, or rewriting it, is refused.
    winner = record["winners"][0]["entry_id"]
    substitute_winner(drawn, winner, "declined", None, datetime.now(UTC))
    db.session.commit()
    substituted = json.loads(draw_of(drawn.contest).record)
    assert len(substituted["substitutions"]) == 1
    _refused(
        db,
        "UPDATE draws SET record = :record WHERE id = :id",
        {"record": json.dumps(record), "id": drawn.id},
        grows,
    )
    backdated = json.loads(json.dumps(substituted))
    backdated["substitutions"][0]["at"] = "2020-01-01T00:00:00+00:00"
    _refused(
        db,
        "UPDATE draws SET record = :record WHERE id = :id",
        {"record": json.dumps(backdated), "id": drawn.id},
        grows,
    )
    # A second substitution, appended by the app, still goes through.
    current = protocol.current_winners(substituted)[0]["entry_id"]
    substitute_winner(drawn, current, "unclaimed", None, datetime.now(UTC))
    db.session.commit()
    assert len(json.loads(draw_of(drawn.contest).record)["substitutions"]) == 2


def test_rules_versions_and_the_audit_log_are_kept(app, db, drawn):
    contest_id = drawn.contest_id
    _refused(
        db,
        "UPDATE rules_versions SET html = 'autre' WHERE contest_id = :id",
        {"id": contest_id},
        "rules version never changes",
    )
    _refused(db, "DELETE FROM rules_versions WHERE contest_id = :id", {"id": contest_id}, "is kept")
    _refused(db, "UPDATE audit_events SET data = '{}'", {}, "append-only")
    _refused(db, "DELETE FROM audit_events", {}, "append-only")
    # The rules PDF is cached once, by the app.
    db.session.execute(
        text("UPDATE rules_versions SET pdf = :pdf WHERE contest_id = :id AND pdf IS NULL"),
        {"pdf": b"%PDF", "id": contest_id},
    )
    db.session.commit()
    _refused(
        db,
        "UPDATE rules_versions SET pdf = :pdf WHERE contest_id = :id",
        {"pdf": b"%PDF-other", "id": contest_id},
        "rules version never changes",
    )
