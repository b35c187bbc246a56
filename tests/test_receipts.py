"""Signed receipts (issue 14, item 4): at entry the entrant gets their entry number, their line of
the list and a receipt signed with the server's Ed25519 key, named in the draw specification;
the verifier checks that the receipt's entry is in the frozen list, so an entry the server
accepted and then dropped is provable by its owner."""

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from contests.entries.receipts import receipt_line
from contests.entries.submission import EntryInput, submit_entry
from contests.models import Entry, OutboxMessage
from contests.signing import check, fingerprint, public_key
from contests.winners.drawing import perform_draw
from contests.winners.records import draw_of
from helpers import write_queued_mail

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def contest(factory, museum, db):
    contest = factory.contest(museum, publish=True, closed=True, slug="recu", min_age=0, prizes=2)
    for n in range(6):
        factory.entry(contest, email=f"r{n}@example.org")
    return contest


def _receipt(client, contest, entry) -> dict:
    response = client.get(f"/c/{contest.slug}/receipt/{entry.receipt_code}.json")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "private, no-store"
    return json.loads(response.data)


def _verify(tmp_path, receipt, draw, client, *flags) -> subprocess.CompletedProcess:
    (tmp_path / "receipt.json").write_text(json.dumps(receipt))
    (tmp_path / "record.json").write_text(draw.record)
    (tmp_path / "entrants.txt").write_bytes(client.get(f"/d/{draw.id}/entrants.txt").data)
    return subprocess.run(
        [sys.executable, *flags, "-m", "contests.draw.verify", "--receipt"]
        + [str(tmp_path / n) for n in ("receipt.json", "record.json", "entrants.txt")],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )


def test_the_entrant_gets_a_signed_receipt_on_the_page_and_by_mail(
    app, client, db, factory, museum
):
    open_contest = factory.contest(museum, publish=True, slug="ouvert", min_age=0)
    entry = submit_entry(
        open_contest,
        EntryInput(
            first_name="Zoé",
            last_name="Durand",
            email="zoe@example.org",
            consent_texts={"rules": "I have read and accept the contest rules."},
        ),
        datetime.now(UTC),
        "http://localhost",
    )
    db.session.commit()
    line = receipt_line(entry)
    assert line == f"{entry.number},1,{entry.entrant_commit}"
    page = client.get(f"/c/ouvert/thanks?receipt={entry.receipt_code}").get_data(as_text=True)
    assert line in page and f"/c/ouvert/receipt/{entry.receipt_code}.json" in page
    write_queued_mail(db)
    mail = db.session.execute(
        select(OutboxMessage).where(OutboxMessage.entry_id == entry.id)
    ).scalar_one()
    assert line in mail.body and f"/c/ouvert/receipt/{entry.receipt_code}.json" in mail.body
    receipt = _receipt(client, open_contest, entry)
    assert check(receipt) and receipt["signed"]["line"] == line
    # The key is the one the specification, published before any entry, names.
    spec = json.loads(draw_of(open_contest).spec)
    assert spec["receipt_key"] == receipt["key_fingerprint"]
    assert receipt["key_fingerprint"] == fingerprint(public_key(app.config["SIGNING_KEY"]))
    forged = json.loads(json.dumps(receipt))
    forged["signed"]["entry_id"] += 1
    assert not check(forged)


def test_no_receipt_for_an_entry_that_does_not_count(app, client, db, contest):
    entry = (
        db.session.execute(select(Entry).where(Entry.contest_id == contest.id).order_by(Entry.id))
        .scalars()
        .first()
    )
    entry.status = "pending"
    db.session.commit()
    assert client.get(f"/c/recu/receipt/{entry.receipt_code}.json").status_code == 404
    assert client.get("/c/recu/receipt/NOPE.json").status_code == 404


def test_the_verifier_finds_a_receipts_entry_in_the_frozen_list(app, client, db, contest, tmp_path):
    entry = (
        db.session.execute(select(Entry).where(Entry.contest_id == contest.id).order_by(Entry.id))
        .scalars()
        .first()
    )
    receipt = _receipt(client, contest, entry)
    draw = perform_draw(contest, ["3 14 25 36 47"], None, datetime.now(UTC))
    db.session.commit()
    checked = _verify(tmp_path, receipt, draw, client)
    assert checked.returncode == 0, checked.stdout
    assert "ok   receipt signature (Ed25519)" in checked.stdout
    assert "signed by the key the specification names" in checked.stdout
    # Named by its number in the contest, whatever the other contests hold.
    assert entry.number == 1
    assert f"entry {entry.number} is line 1 of the frozen list" in checked.stdout
    # Without the cryptography package (python -S: the standard library only), it says so.
    bare = _verify(tmp_path, receipt, draw, client, "-S")
    assert bare.returncode == 0 and "NOTE receipt signature NOT checked" in bare.stdout, bare.stdout
    forged = json.loads(json.dumps(receipt))
    forged["signed"]["accepted_at"] = "2020-01-01T00:00:00+00:00"
    failed = _verify(tmp_path, forged, draw, client)
    assert failed.returncode == 1 and "signature is not valid" in failed.stdout


def test_an_accepted_entry_dropped_before_the_freeze_is_provable(
    app, client, db, factory, museum, tmp_path
):
    """The operator deletes an accepted entry behind the app's back before the close (the
    triggers guard only a frozen list): the entrant's receipt proves it."""
    contest = factory.contest(museum, publish=True, slug="perdu", min_age=0)
    entries = [factory.entry(contest, email=f"d{n}@example.org") for n in range(4)]
    receipt = _receipt(client, contest, entries[1])
    dropped, number = entries[1].id, entries[1].number
    db.session.execute(text("DELETE FROM consents WHERE entry_id = :id"), {"id": dropped})
    db.session.execute(text("DELETE FROM entries WHERE id = :id"), {"id": dropped})
    contest.ends_at = contest.draw_at = datetime.now(UTC) - timedelta(seconds=1)
    db.session.commit()
    draw = perform_draw(contest, ["3 14 25 36 47"], None, datetime.now(UTC))
    db.session.commit()
    failed = _verify(tmp_path, receipt, draw, client)
    assert failed.returncode == 1
    assert f"entry {number} is not in the frozen list, though the server accepted it" in (
        failed.stdout
    )
