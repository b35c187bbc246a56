"""The transparency log (issue 14, item 5): every published state of a draw record is appended
to an RFC 6962 log whose heads the server signs; a record's inclusion and the consistency of two
heads are checked by the offline verifier; a log whose past was changed cannot prove it kept it."""

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from contests.draw import merkle
from contests.signing import check
from contests.winners.drawing import perform_draw
from contests.winners.substitution import substitute_winner
from helpers import guards_removed

ROOT = Path(__file__).resolve().parent.parent
VALUES = ["3 14 25 36 47"]


def test_consistency_proofs_of_every_small_tree():
    """RFC 6962's PROOF (generation) against RFC 9162's verification, two separate algorithms."""
    leaves = [merkle.leaf_hash(os.urandom(8)) for _ in range(33)]
    other = [merkle.leaf_hash(os.urandom(8)) for _ in range(33)]
    for n in range(1, 34):
        root = merkle.root_from_leaf_hashes(leaves[:n])
        for m in range(1, n + 1):
            proof = merkle.consistency_proof(leaves[:n], m)
            old = merkle.root_from_leaf_hashes(leaves[:m])
            assert merkle.verify_consistency(m, n, old, root, proof), (m, n)
            forged = merkle.root_from_leaf_hashes(other[:m])
            assert not merkle.verify_consistency(m, n, forged, root, proof), (m, n)
            if proof:
                assert not merkle.verify_consistency(m, n, old, root, proof[:-1]), (m, n)


def _run(tmp_path, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "contests.draw.verify", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )


def _save(tmp_path, name: str, data) -> str:
    path = tmp_path / name
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(json.dumps(data))
    return str(path)


@pytest.fixture
def drawn(factory, museum, db):
    contest = factory.contest(museum, publish=True, closed=True, slug="journal", min_age=0)
    for n in range(5):
        factory.entry(contest, email=f"t{n}@example.org")
    draw = perform_draw(contest, VALUES, None, datetime.now(UTC))
    db.session.commit()
    return draw


def test_records_are_logged_and_proved_under_signed_heads(app, client, db, drawn, tmp_path):
    head1 = json.loads(client.get("/transparency/head.json").data)
    assert check(head1) and head1["signed"]["size"] == 1
    record_v1 = client.get(f"/d/{drawn.id}.json").data
    # A substitution publishes a new state of the record: a second entry.
    winner = json.loads(drawn.record)["winners"][0]["entry_id"]
    substitute_winner(drawn, winner, "declined", None, datetime.now(UTC))
    db.session.commit()
    head2 = json.loads(client.get("/transparency/head.json").data)
    assert head2["signed"]["size"] == 2 and check(head2)
    page = client.get("/transparency").get_data(as_text=True)
    assert head2["signed"]["root"] in page and f"/d/{drawn.id}" in page
    # Each state of the record is in the log, byte for byte, under the newer head.
    record_v2 = client.get(f"/d/{drawn.id}.json").data
    for position, record in ((0, record_v1), (1, record_v2)):
        proof = json.loads(client.get(f"/transparency/proof.json?position={position}&size=2").data)
        checked = _run(
            tmp_path,
            "--log",
            _save(tmp_path, "head.json", head2),
            _save(tmp_path, "proof.json", proof),
            _save(tmp_path, "record.json", record),
        )
        assert checked.returncode == 0, checked.stdout
        assert f"record is entry {position} of the 2 under this head" in checked.stdout
    # A record changed by one byte is not.
    failed = _run(
        tmp_path,
        "--log",
        _save(tmp_path, "head.json", head2),
        _save(tmp_path, "proof.json", proof),
        _save(tmp_path, "record.json", record_v2.replace(b'"declined"', b'"unclaimed"')),
    )
    assert failed.returncode == 1 and "another record" in failed.stdout
    # The log kept its past: the older head is consistent with the newer one.
    consistency = json.loads(client.get("/transparency/consistency.json?first=1&second=2").data)
    checked = _run(
        tmp_path,
        "--consistency",
        _save(tmp_path, "old.json", head1),
        _save(tmp_path, "new.json", head2),
        _save(tmp_path, "c.json", consistency),
    )
    assert checked.returncode == 0 and "extends the one of 1" in checked.stdout, checked.stdout
    for bad in (
        "proof.json?size=9",
        "proof.json?position=5&size=2",
        "consistency.json?first=0",
        "consistency.json?first=x",
        "consistency.json?first=2&second=1",
    ):
        assert client.get(f"/transparency/{bad}").status_code == 400, bad


def test_a_log_whose_past_was_changed_cannot_prove_it_kept_it(app, client, db, drawn, tmp_path):
    """A draw deleted and made again: the owner takes the triggers off, rewrites the log's only
    entry and redraws; whoever kept the earlier signed head sees it."""
    _refused = "transparency_log is append-only"
    with pytest.raises(IntegrityError, match=_refused):
        db.session.execute(text("DELETE FROM transparency_log"))
    db.session.rollback()
    head1 = json.loads(client.get("/transparency/head.json").data)
    with guards_removed(db):
        db.session.execute(
            text("UPDATE transparency_log SET entry = replace(entry, 'journal', 'autre')")
        )
    winner = json.loads(drawn.record)["winners"][0]["entry_id"]
    substitute_winner(drawn, winner, "declined", None, datetime.now(UTC))
    db.session.commit()
    head2 = json.loads(client.get("/transparency/head.json").data)
    consistency = json.loads(client.get("/transparency/consistency.json?first=1&second=2").data)
    failed = _run(
        tmp_path,
        "--consistency",
        _save(tmp_path, "old.json", head1),
        _save(tmp_path, "new.json", head2),
        _save(tmp_path, "c.json", consistency),
    )
    assert failed.returncode == 1 and "its past was changed" in failed.stdout
