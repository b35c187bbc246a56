"""drand beacon rounds as the draw's public source (issue 14, item 2): the specification fixes the
round at publication (the first one published ten minutes after the close), the draw waits for
it and checks its BLS signature against the League of Entropy's key, and so does the verifier.
Offline: a real mainnet round (72785, published 2020-08-16 21:49:30 UTC) is the fixture."""

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from contests.demo import RECORDED_ROUND
from contests.draw import beacon, protocol
from contests.draw.verify import CheckFailed, verify
from contests.errors import ValidationFailed, WrongState
from contests.winners.drawing import perform_draw
from contests.winners.freezing import freeze_entrants
from contests.winners.records import draw_of
from helpers import post_form, sign_in

ROOT = Path(__file__).resolve().parent.parent
ROUND = 72785
#: https://api.drand.sh/public/72785 (League of Entropy mainnet), recorded for the demo.
PULSE = RECORDED_ROUND
VALUE = f"{PULSE['signature']} {PULSE['previous_signature']}"


def _tampered(value: str) -> str:
    signature, previous = value.split()
    flipped = signature[:100] + ("0" if signature[100] != "0" else "1") + signature[101:]
    return f"{flipped} {previous}"


def test_a_recorded_round_verifies_and_a_tampered_one_does_not():
    limit = sys.getrecursionlimit()
    assert beacon.verify(beacon.MAINNET, ROUND, VALUE) is True
    # py_ecc raises the recursion limit when imported; the app keeps its own (a deeply nested
    # upload must raise RecursionError, not crash the process).
    assert sys.getrecursionlimit() == limit
    assert beacon.canonical(json.dumps(PULSE), ROUND) == VALUE
    assert beacon.canonical(VALUE.upper()) == VALUE
    assert beacon.verify(beacon.MAINNET, ROUND, VALUE) is True
    assert beacon.verify(beacon.MAINNET, ROUND + 1, VALUE) is False
    assert beacon.verify(beacon.MAINNET, ROUND, _tampered(VALUE)) is False
    with pytest.raises(beacon.BadBeacon, match="not round 72786"):
        beacon.canonical(json.dumps(PULSE), ROUND + 1)
    assert beacon.MAINNET.round_time(ROUND) == datetime(2020, 8, 16, 21, 49, 30, tzinfo=UTC)
    assert beacon.MAINNET.first_round_after(datetime(2020, 8, 16, 21, 49, tzinfo=UTC)) == ROUND


@pytest.fixture
def contest(factory, museum, db):
    """A contest of August 2020, closing at 23:39 Paris time: ten minutes later, round 72785."""
    contest = factory.contest(
        museum,
        slug="balise",
        min_age=0,
        prizes=2,
        starts_at=datetime(2020, 8, 10, 9, 0),
        ends_at=datetime(2020, 8, 16, 23, 39),
        draw_at=datetime(2020, 8, 16, 23, 39),
        entropy_sources="",
        entropy_format="drand-mainnet",
        published_at=datetime(2020, 8, 1, tzinfo=UTC),
    )
    for n in range(6):
        factory.entry(contest, email=f"b{n}@example.org", now=datetime(2020, 8, 12, tzinfo=UTC))
    return contest


def test_the_draw_waits_for_the_named_round_and_checks_its_signature(
    app, client, db, contest, tmp_path
):
    spec = json.loads(draw_of(contest).spec)
    assert spec["beacon"]["round"] == ROUND and spec["source_format"] == "drand-mainnet"
    assert spec["entropy_sources"] == [
        "drand · League of Entropy mainnet · #72785 · 2020-08-16 21:49:30 UTC"
    ]
    assert "#72785" in client.get("/c/balise/rules").get_data(as_text=True)
    with pytest.raises(WrongState, match="round 72785 will be published"):
        perform_draw(contest, [VALUE], None, datetime(2020, 8, 16, 21, 45, tzinfo=UTC))
    db.session.rollback()
    # The worker froze the list at the close, before the round existed.
    freeze_entrants(contest, datetime(2020, 8, 16, 21, 39, 5, tzinfo=UTC))
    db.session.commit()
    # The organizer pastes the round as the drand API gives it; a forged one is refused.
    sign_in(client, "alice@example.org")
    page = f"/admin/o/{contest.organization_id}/contests/{contest.id}/draw"
    html = post_form(client, page, {"entropy": json.dumps(PULSE)}).get_data(as_text=True)
    assert f"<code data-canonical-value>{VALUE}</code>" in html
    with pytest.raises(ValidationFailed) as refused:
        perform_draw(contest, [_tampered(VALUE)], None, datetime.now(UTC))
    assert "signature does not verify" in str(refused.value.errors["entropy"][0])
    db.session.rollback()
    draw = perform_draw(contest, [json.dumps(PULSE)], None, datetime.now(UTC))
    db.session.commit()
    record = json.loads(draw.record)
    assert record["entropy"] == [VALUE]
    (tmp_path / "r.json").write_text(draw.record)
    (tmp_path / "e.txt").write_bytes(draw.entrants_file)
    command = ["-m", "contests.draw.verify", str(tmp_path / "r.json"), str(tmp_path / "e.txt")]
    checked = subprocess.run([sys.executable, *command], cwd=ROOT, capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout
    assert "drand round 72785: BLS signature valid" in checked.stdout
    bare = subprocess.run(
        [sys.executable, "-S", *command], cwd=ROOT, capture_output=True, text=True
    )
    assert bare.returncode == 0 and "signature NOT checked: install the py_ecc" in bare.stdout
    # A record rebuilt whole around a forged round (consistent seed and winners) fails.
    frozen = protocol.FrozenList.from_file(draw.entrants_file)
    forged = protocol.build_record(
        record["spec"], record["server_secret"], [_tampered(VALUE)], frozen, record["drawn_at"], "x"
    )
    forged["frozen_at"] = record["frozen_at"]
    with pytest.raises(CheckFailed, match="not drand round 72785"):
        verify(forged, draw.entrants_file)
    # A record whose list was frozen once the round was public fails, whatever else holds.
    late = dict(record, frozen_at="2020-08-16T21:50:00+00:00")
    with pytest.raises(CheckFailed, match="not frozen before drand round 72785"):
        verify(late, draw.entrants_file)
    assert "frozen at or after the close, drawn after it" in verify(record, draw.entrants_file)
