"""Typed public sources (issue 14, item 2 in part): a lottery's result has one accepted spelling,
enforced at the draw and re-derived by the verifier, so retyping the same real numbers cannot
choose among seeds."""

import json
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from contests.contest.publishing import publish_contest
from contests.draw import protocol
from contests.draw.sources import FORMATS, BadValue, canonical, is_canonical
from contests.draw.verify import CheckFailed, verify
from contests.errors import ValidationFailed, WrongState
from contests.winners.drawing import perform_draw
from contests.winners.freezing import freeze_entrants
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
    """A EuroMillions contest that closed on Sunday 22 November 2026 at 18:00 Paris time: the
    draw uses the EuroMillions draw of Tuesday 24 November, its list frozen by the worker at the
    close."""
    contest = factory.contest(
        museum,
        slug="loto",
        min_age=0,
        prizes=2,
        starts_at=datetime(2026, 11, 16, 9, 0),
        ends_at=datetime(2026, 11, 22, 18, 0),
        draw_at=datetime(2026, 11, 22, 18, 0),
        entropy_sources="ignored: the lottery's format names its draw",
        entropy_format="euromillions",
    )
    publish_contest(contest, None, datetime(2026, 11, 1, tzinfo=UTC))
    db.session.commit()
    for n in range(6):
        factory.entry(contest, email=f"l{n}@example.org", now=datetime(2026, 11, 20, tzinfo=UTC))
    freeze_entrants(contest, CLOSE + timedelta(minutes=1))
    db.session.commit()
    return contest


CLOSE = datetime(2026, 11, 22, 17, 0, tzinfo=UTC)
#: EuroMillions, Tuesday 24 November 2026, 21:10 Paris time; its result is public two hours later.
HELD = datetime(2026, 11, 24, 20, 10, tzinfo=UTC)
PUBLIC = HELD + timedelta(hours=2)


def test_the_specification_names_the_first_lottery_draw_after_the_close(db, contest):
    spec = json.loads(draw_of(contest).spec)
    assert spec["entropy_sources"] == [
        "EuroMillions · 2026-11-24 21:10 (Europe/Paris) · 5 of 1-50 + 2 of 1-12"
    ]
    assert spec["lottery"] == {
        "name": "EuroMillions",
        "draw": HELD.isoformat(),
        "published_after": PUBLIC.isoformat(),
        "calendar": "https://www.fdj.fr/jeux-de-tirage/euromillions-my-million",
    }
    # Before the result is public, nothing is drawn, whatever is typed.
    with pytest.raises(WrongState, match="EuroMillions draw of 2026-11-24 21:10"):
        perform_draw(contest, ["7 19 23 38 44 + 2 9"], None, PUBLIC - timedelta(minutes=1))
    db.session.rollback()
    assert perform_draw(contest, ["7 19 23 38 44 + 2 9"], None, PUBLIC).record


def test_calendars_give_the_next_draw_across_time_zones_and_daylight_saving():
    paris = FORMATS["euromillions"]
    # Friday 27 March 2026 21:10 is CET (UTC+1); Tuesday 31 March is CEST (UTC+2).
    assert paris.next_draw(datetime(2026, 3, 25, tzinfo=UTC)) == datetime(
        2026, 3, 27, 20, 10, tzinfo=UTC
    )
    assert paris.next_draw(datetime(2026, 3, 28, tzinfo=UTC)) == datetime(
        2026, 3, 31, 19, 10, tzinfo=UTC
    )
    # Strictly after: a close one minute after a draw goes to the next one.
    assert paris.next_draw(HELD + timedelta(minutes=1)) == datetime(
        2026, 11, 27, 20, 10, tzinfo=UTC
    )
    # Powerball: Saturday 10:59 p.m. Eastern is Sunday 03:59 UTC in winter.
    assert FORMATS["us-powerball"].next_draw(datetime(2026, 12, 5, 12, tzinfo=UTC)) == datetime(
        2026, 12, 6, 3, 59, tzinfo=UTC
    )
    assert FORMATS["fdj-loto"].next_draw(datetime(2026, 12, 1, tzinfo=UTC)) == datetime(
        2026, 12, 2, 19, 30, tzinfo=UTC
    )


def test_a_matrix_is_the_one_of_the_draw_the_value_comes_from():
    """Mega Millions dropped its 25th Mega Ball with the drawing of 8 April 2025."""
    assert canonical("us-mega-millions", "70 1 2 3 4 25", date(2025, 4, 4)) == "1 2 3 4 70 + 25"
    with pytest.raises(BadValue, match="from 1 to 24"):
        canonical("us-mega-millions", "70 1 2 3 4 25", date(2025, 4, 8))
    assert canonical("us-mega-millions", "70 1 2 3 4 24") == "1 2 3 4 70 + 24"


def test_the_verifier_re_derives_the_lottery_draw_and_the_order_of_events(db, contest):
    draw = perform_draw(contest, ["7 19 23 38 44 + 2 9"], None, PUBLIC)
    db.session.commit()
    record = json.loads(draw.record)
    assert any("EuroMillions draw of" in line for line in verify(record, draw.entrants_file))

    def forged(**changes):
        spec = {**record["spec"], **changes.pop("spec", {})}
        return {**record, "spec": spec, "spec_hash": protocol.spec_hash(spec), **changes}

    later = {**record["spec"]["lottery"], "draw": "2026-11-27T20:10:00+00:00"}
    later["published_after"] = "2026-11-27T22:10:00+00:00"
    with pytest.raises(CheckFailed, match="the first after the close is that of 2026-11-24"):
        verify(forged(spec={"lottery": later}), draw.entrants_file)
    with pytest.raises(CheckFailed, match="not frozen before the EuroMillions draw"):
        verify(forged(frozen_at=(HELD + timedelta(minutes=5)).isoformat()), draw.entrants_file)
    with pytest.raises(CheckFailed, match="before the EuroMillions result of"):
        verify(forged(drawn_at=(HELD + timedelta(minutes=30)).isoformat()), draw.entrants_file)


def test_a_list_frozen_after_the_lottery_draw_cannot_use_it(factory, museum, db):
    """Without the worker, the first visit freezes the list: after the lottery draw, too late."""
    late = factory.contest(
        museum,
        slug="tard",
        min_age=0,
        starts_at=datetime(2026, 11, 16, 9, 0),
        ends_at=datetime(2026, 11, 22, 18, 0),
        draw_at=datetime(2026, 11, 22, 18, 0),
        entropy_format="euromillions",
    )
    publish_contest(late, None, datetime(2026, 11, 1, tzinfo=UTC))
    db.session.commit()
    factory.entry(late, email="t@example.org", now=datetime(2026, 11, 20, tzinfo=UTC))
    with pytest.raises(WrongState, match="frozen after the EuroMillions draw"):
        perform_draw(late, ["7 19 23 38 44 + 2 9"], None, PUBLIC)


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
        perform_draw(contest, ["1 2 3 4 5 + 6 6"], None, PUBLIC)
    db.session.rollback()
    draw = perform_draw(contest, ["44 38 23 19 7 9 2"], None, PUBLIC)
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
    draw = perform_draw(contest, ["7 19 23 38 44 + 2 9"], None, PUBLIC)
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
