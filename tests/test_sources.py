"""Typed public sources (issue 14, item 2 in part): a lottery's result has one accepted spelling,
enforced at the draw and re-derived by the verifier, so retyping the same real numbers cannot
choose among seeds."""

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from contests.draw import protocol
from contests.draw.sources import BadValue, canonical, is_canonical
from contests.draw.verify import CheckFailed, verify
from contests.errors import ValidationFailed
from contests.winners.drawing import perform_draw
from contests.winners.records import draw_of
from helpers import post_form, sign_in

ROOT = Path(__file__).resolve().parent.parent
#: The auditor's spellings of one real EuroMillions result (issue 14): each gave another seed.
SPELLINGS = [
    "7 19 23 38 44 2 9",
    "7 - 19 - 23 - 38 - 44 / 2-9",
    "07 19 23 38 44 + 02 09",
    "44, 38, 23, 19, 7; 9, 2",
    " 7  19 23 38 44  +  2 9 ",
]


def test_every_spelling_of_a_result_is_one_canonical_value():
    assert {canonical("euromillions", s) for s in SPELLINGS} == {"7 19 23 38 44 + 2 9"}
    assert is_canonical("euromillions", "7 19 23 38 44 + 2 9")
    assert not any(is_canonical("euromillions", s) for s in SPELLINGS)
    for wrong in (
        "7 19 23 38 44",
        "7 19 23 38 51 + 2 9",
        "7 7 23 38 44 + 2 9",
        "7 19 23 38 44 + 2 13",
    ):
        with pytest.raises(BadValue):
            canonical("euromillions", wrong)
    assert canonical("fdj-loto", "3 9 12 41 49 / 7") == "3 9 12 41 49 + 7"
    assert canonical("us-powerball", "69 1 2 3 4 PB 26".replace("PB", "")) == "1 2 3 4 69 + 26"


@pytest.fixture
def contest(factory, museum, db):
    contest = factory.contest(
        museum,
        publish=True,
        closed=True,
        slug="loto",
        min_age=0,
        prizes=2,
        entropy_sources="EuroMillions du 26 décembre 2026 : les cinq numéros et les deux étoiles",
        entropy_format="euromillions",
    )
    for n in range(6):
        factory.entry(contest, email=f"l{n}@example.org")
    return contest


def test_the_draw_keeps_the_canonical_spelling_and_refuses_a_non_result(
    app, client, db, contest, tmp_path
):
    spec = json.loads(draw_of(contest).spec)
    assert spec["source_format"] == "euromillions"
    sign_in(client, "alice@example.org")
    page = f"/admin/o/{contest.organization_id}/contests/{contest.id}/draw"
    # The confirmation shows the one spelling the draw will use, whatever was typed.
    html = post_form(client, page, {"entropy": "07-19-23-38-44 / 02-09"}).get_data(as_text=True)
    assert "<code data-canonical-value>7 19 23 38 44 + 2 9</code>" in html
    # Not a EuroMillions result: refused with what is expected, nothing drawn.
    refused = post_form(client, page, {"entropy": "7 19 23 38 44"}, follow_redirects=True)
    assert "Each value must be a EuroMillions result: 5 numbers from 1 to 50" in refused.get_data(
        as_text=True
    )
    with pytest.raises(ValidationFailed):
        perform_draw(contest, ["1 2 3 4 5 + 6 6"], None, datetime.now(UTC))
    db.session.rollback()
    draw = perform_draw(contest, ["44 38 23 19 7 9 2"], None, datetime.now(UTC))
    db.session.commit()
    record = json.loads(draw.record)
    assert record["entropy"] == ["7 19 23 38 44 + 2 9"]
    (tmp_path / "r.json").write_text(draw.record)
    (tmp_path / "e.txt").write_bytes(draw.entrants_file)
    checked = subprocess.run(
        [
            sys.executable,
            "-S",
            "-m",
            "contests.draw.verify",
            tmp_path / "r.json",
            tmp_path / "e.txt",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0 and "canonical form (euromillions)" in checked.stdout


def test_the_verifier_refuses_a_record_drawn_from_another_spelling(app, db, contest):
    """An operator who recomputes a whole consistent record from a reformatted value (another
    seed, other winners) is caught: the value is not the canonical one."""
    draw = perform_draw(contest, ["7 19 23 38 44 + 2 9"], None, datetime.now(UTC))
    db.session.commit()
    record = json.loads(draw.record)
    frozen = protocol.FrozenList.from_file(draw.entrants_file)
    forged = protocol.build_record(
        record["spec"],
        record["server_secret"],
        ["7-19-23-38-44 2-9"],
        frozen,
        record["drawn_at"],
        "x",
    )
    assert forged["seed"] != record["seed"]
    with pytest.raises(CheckFailed, match="not written as the specification's euromillions"):
        verify(forged, draw.entrants_file)
    assert verify(record, draw.entrants_file)
