"""Draws against the real database: commitment, the draw, the public record, substitutions."""

import getpass
import json
import re
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from contests.draw import merkle, protocol
from contests.errors import ValidationFailed, WrongState
from contests.models import AuditEvent, Draw, Entry
from contests.winners import freezing
from contests.winners.commitment import commit_draw, commit_supplementary
from contests.winners.drawing import perform_draw
from contests.winners.records import draw_of, draws_of, open_vacancies
from contests.winners.substitution import substitute_winner
from helpers import guards_removed, post_form, sign_in

ROOT = Path(__file__).resolve().parent.parent
VALUES = ["3 14 25 36 47"]


@pytest.fixture
def contest(factory, museum, db):
    """A published contest with 12 entries: 10 confirmed, 1 pending, 1 disqualified; then closed."""
    contest = factory.contest(
        museum, publish=True, closed=True, slug="noel", min_age=0, prizes=2, alternates_per_prize=2
    )
    entries = [factory.entry(contest, email=f"p{n}@example.org") for n in range(12)]
    entries[10].status = "pending"
    entries[11].status = "disqualified"
    db.session.commit()
    return contest


def test_publishing_commits_the_draw_and_shows_its_hash(app, client, db, factory, museum):
    contest = factory.contest(museum, publish=True, slug="pub", min_age=0)
    draw = draw_of(contest)
    assert draw.state == "committed" and len(draw.spec_hash) == 64
    spec = json.loads(draw.spec)
    assert (
        spec["commitment"]
        == __import__("hashlib").sha256(bytes.fromhex(draw.server_secret)).hexdigest()
    )
    assert spec["entropy_sources"] == ["EuroMillions draw after the close: the five main numbers"]
    assert draw.spec_hash in client.get("/c/pub").get_data(as_text=True)
    # The specification itself is public from publication on, byte for byte what is hashed.
    published = client.get(f"/d/{draw.id}/spec.json")
    assert __import__("hashlib").sha256(published.data).hexdigest() == draw.spec_hash
    assert f"/d/{draw.id}/spec.json" in client.get(f"/d/{draw.id}").get_data(as_text=True)
    with pytest.raises(WrongState):
        commit_draw(contest, None, datetime.now(UTC))
    db.session.rollback()
    from sqlalchemy.exc import IntegrityError

    db.session.add(
        Draw(
            contest_id=contest.id,
            algorithm="vdraw-v1",
            spec="{}",
            spec_hash="0" * 64,
            server_secret="0" * 64,
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()  # the database itself refuses a second commitment
    db.session.rollback()


def test_publish_needs_named_sources(app, factory, museum):
    from contests.contest.publishing import missing_for_publish

    contest = factory.contest(museum, entropy_sources="")
    assert "Public sources of randomness for the draw" in [
        str(m) for m in missing_for_publish(contest, factory.now)
    ]


def test_draw_is_refused_when_it_should_be(app, db, factory, museum):
    open_contest = factory.contest(museum, publish=True, slug="ouvert", min_age=0)
    now = datetime.now(UTC)
    with pytest.raises(WrongState, match="after the contest closes"):
        perform_draw(open_contest, VALUES, None, now)
    open_contest.ends_at = now - timedelta(seconds=1)
    open_contest.draw_at = now + timedelta(hours=1)
    db.session.commit()
    with pytest.raises(WrongState, match="rules announce the draw for"):
        perform_draw(open_contest, VALUES, None, now)  # closed, but before the announced date
    db.session.rollback()
    open_contest.draw_at = open_contest.ends_at  # the draw date the rules announce
    db.session.commit()
    with pytest.raises(ValidationFailed):
        perform_draw(open_contest, [], None, now)
    for hidden in ("7 19\x00 23", "7 19 \u202e23"):  # NUL, right-to-left override
        with pytest.raises(ValidationFailed, match="invisible control characters"):
            perform_draw(open_contest, [hidden], None, now)
    with pytest.raises(WrongState, match="no eligible entry"):
        perform_draw(open_contest, VALUES, None, now)


def test_draw_publishes_a_record_a_stranger_can_verify(app, client, db, contest, tmp_path):
    sign_in(client, "alice@example.org")
    base = f"/admin/o/{contest.organization_id}/contests/{contest.id}/draw"
    # First the values as the draw will hash them, for an explicit confirmation: nothing drawn.
    confirm = post_form(client, base, {"entropy": "  3   14 25\t36 47 "})
    html = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "<code data-canonical-value>3 14 25 36 47</code>" in html
    assert draw_of(contest).state == "committed"
    assert 'name="drawn_by"' in html and "Your name, as the draw certificate prints it" in html
    # Without the name of the person running it, nothing is drawn and the page says why.
    refused = post_form(client, base, {"entropy": VALUES[0], "confirmed": "yes", "drawn_by": " "})
    assert refused.status_code == 302
    assert "Give your name as the draw certificate" in client.get(base).get_data(as_text=True)
    db.session.expire_all()
    assert draw_of(contest).state == "committed"
    response = post_form(
        client, base, {"entropy": VALUES[0], "confirmed": "yes", "drawn_by": "Alice Lenoir"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    draw = draw_of(contest)
    assert draw.state == "drawn" and contest.state == "drawn" and draw.drawn_by == "Alice Lenoir"
    record = json.loads(client.get(f"/d/{draw.id}.json").get_data(as_text=True))
    entrants = client.get(f"/d/{draw.id}/entrants.txt").data
    # The page says in plain French what an entrant can check, the sealing date included.
    public = client.get(f"/d/{draw.id}").get_data(as_text=True)
    assert "Ce que vous pouvez vérifier" in public and "elle a été scellée le" in public
    assert "choisi les gagnants" in public
    assert record["entrants"]["count"] == 10  # pending and disqualified entries are not in the draw
    assert len(record["winners"]) == 2 and len(record["alternates"]) == 4
    assert b"@" not in entrants and b"Durand" not in entrants
    (tmp_path / "record.json").write_text(json.dumps(record))
    (tmp_path / "entrants.txt").write_bytes(entrants)
    result = subprocess.run(
        [
            sys.executable,
            "-S",
            "-m",
            "contests.draw.verify",
            str(tmp_path / "record.json"),
            str(tmp_path / "entrants.txt"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0 and "PASS" in result.stdout, result.stdout
    html = client.get(f"/d/{draw.id}").get_data(as_text=True)
    assert "Gagnants" in html and record["seed"] in html
    assert "Ce jeu est terminé" in client.get("/c/noel").get_data(as_text=True)
    actions = db.session.execute(select(AuditEvent.action)).scalars().all()
    assert actions.count("draw.committed") == 1 and actions.count("draw.performed") == 1


def test_receipt_check_gives_a_valid_inclusion_proof(app, client, db, contest):
    draw = perform_draw(contest, VALUES, None, datetime.now(UTC))
    db.session.commit()
    record = json.loads(draw.record)
    entry = (
        db.session.execute(
            select(Entry).where(Entry.status == "confirmed").order_by(Entry.id.desc())
        )
        .scalars()
        .first()
    )
    html = client.get(f"/d/{draw.id}?receipt={entry.receipt_code.lower()}").get_data(as_text=True)
    line = re.search(r"de la ligne « ([^»]+) »", html).group(1).strip()
    proof = [
        bytes.fromhex(h)
        for h in re.search(r'<pre class="proof">([^<]*)</pre>', html).group(1).split()
    ]
    index = int(re.search(r"est la ligne (\d+) de la liste", html).group(1)) - 1
    assert merkle.verify_inclusion(
        line.encode(),
        index,
        record["entrants"]["count"],
        proof,
        bytes.fromhex(record["entrants"]["merkle_root"]),
    )
    pending = db.session.execute(select(Entry).where(Entry.status == "pending")).scalar_one()
    assert "n’a pas pris part au tirage" in client.get(
        f"/d/{draw.id}?receipt={pending.receipt_code}"
    ).get_data(as_text=True)


def test_substitutions_through_admin_and_cli(app, client, runner, db, contest, tmp_path):
    draw = perform_draw(contest, VALUES, None, datetime.now(UTC))
    db.session.commit()
    record = json.loads(draw.record)
    first, second = record["winners"][0]["entry_id"], record["winners"][1]["entry_id"]
    sign_in(client, "alice@example.org")
    page = f"/admin/o/{contest.organization_id}/contests/{contest.id}/draw"
    post_form(
        client, page + "/substitute", {"entry_id": str(first), "reason": "unclaimed"}, page=page
    )
    result = runner.invoke(args=["substitute", str(draw.id), str(second), "--reason", "declined"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    record = json.loads(draw_of(contest).record)
    assert [s["by_entry_id"] for s in record["substitutions"]] == [
        a["entry_id"] for a in record["alternates"][:2]
    ]
    result = runner.invoke(args=["substitute", str(draw.id), str(first), "--reason", "unclaimed"])
    assert result.exit_code == 1 and "not a current winner" in result.output
    (tmp_path / "r.json").write_text(draw_of(contest).record)
    (tmp_path / "e.txt").write_bytes(draw_of(contest).entrants_file)
    result = runner.invoke(args=["verify-draw", str(tmp_path / "r.json"), str(tmp_path / "e.txt")])
    assert result.exit_code == 0 and "2 substitution(s) in published order" in result.output


def test_cli_commit_and_draw(app, runner, db, contest):
    result = runner.invoke(args=["commit", "noel"])
    assert result.exit_code == 0 and draw_of(contest).spec_hash in result.output
    result = runner.invoke(args=["draw", "noel"])
    assert result.exit_code == 2  # --entropy is required
    # The values are shown as the draw will use them, and confirmed (or not) before it.
    result = runner.invoke(args=["draw", "noel", "--entropy", " 3  14 25 36 47"], input="n\n")
    assert result.exit_code == 1 and "'3 14 25 36 47'" in result.output, result.output
    assert draw_of(contest).state == "committed"
    result = runner.invoke(args=["draw", "noel", "--entropy", VALUES[0]], input="y\n")
    assert result.exit_code == 0, result.output
    assert "Drawn from 10 entries" in result.output and "/d/" in result.output
    # Who ran it, for the certificate: --by, or the shell's login.
    db.session.expire_all()
    assert draw_of(contest).drawn_by == f"{getpass.getuser()} (command line)"
    result = runner.invoke(args=["draw", "noel", "--entropy", VALUES[0], "--yes"])
    assert result.exit_code == 1 and "already been drawn" in result.output


def test_two_organizers_pressing_draw_at_once_make_one_draw(app, db, contest, backend):
    results, barrier = [], threading.Barrier(4, timeout=30)
    contest_id = contest.id  # read here: the fixture's object belongs to this thread's session

    def press():
        with app.app_context():
            from contests.models import Contest

            try:
                mine = db.session.get(Contest, contest_id)
                barrier.wait()
                perform_draw(mine, VALUES, None, datetime.now(UTC))
                db.session.commit()
                results.append("drawn")
            except WrongState:
                db.session.rollback()
                results.append("refused")
            except Exception as error:  # noqa: BLE001 - reported by the assertion
                db.session.rollback()
                results.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=press) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["drawn", "refused", "refused", "refused"], results
    db.session.expire_all()
    performed = (
        db.session.execute(select(AuditEvent).where(AuditEvent.action == "draw.performed"))
        .scalars()
        .all()
    )
    assert len(performed) == 1


def test_a_draw_interrupted_midway_leaves_nothing(app, db, contest, monkeypatch):
    from contests.draw import protocol

    def crash(*args, **kwargs):
        raise RuntimeError("power cut")

    monkeypatch.setattr(protocol, "build_record", crash)
    with pytest.raises(RuntimeError):
        perform_draw(contest, VALUES, None, datetime.now(UTC))
    db.session.rollback()
    db.session.expire_all()
    draw = draw_of(contest)
    assert draw.state == "committed" and draw.record is None and contest.state == "published"


def test_audit_log_page_and_tamper_detection(app, client, runner, db, contest):
    sign_in(client, "alice@example.org")
    page = client.get(f"/admin/o/{contest.organization_id}/contests/{contest.id}/audit").get_data(
        as_text=True
    )
    assert "draw.committed" in page and "The hash chain is intact." in page
    event = db.session.execute(
        select(AuditEvent).where(AuditEvent.action == "draw.committed")
    ).scalar_one()
    event.action = "draw.forgotten"
    with pytest.raises(IntegrityError, match="append-only"):
        db.session.commit()
    db.session.rollback()
    with guards_removed(db):
        event.action = "draw.forgotten"
    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 1 and f"broken at event {event.id}" in result.output
    assert "The chain is broken at event" in client.get(
        f"/admin/o/{contest.organization_id}/contests/{contest.id}/audit"
    ).get_data(as_text=True)


def test_entries_without_a_stored_commitment_get_it_at_the_draw(app, db, contest, tmp_path):
    """Rows written without the app (an import, an old database) still freeze to the right line."""
    from sqlalchemy import update as sql_update

    from contests.draw.canonical import entrant_commit

    db.session.execute(sql_update(Entry).values(entrant_commit=""))
    db.session.commit()
    draw = perform_draw(contest, VALUES, None, datetime.now(UTC))
    db.session.commit()
    entries = (
        db.session.execute(select(Entry).where(Entry.status == "confirmed").order_by(Entry.id))
        .scalars()
        .all()
    )
    expected = b"".join(
        b"%d,1,%s\n" % (e.number, entrant_commit(e.salt, e.identity_key).encode()) for e in entries
    )
    assert draw.entrants_file == expected


def test_a_list_returned_out_of_order_is_read_again_row_by_row(app, db, contest, monkeypatch):
    """The database builds the entrant file; if its order were wrong, the draw notices."""

    def shuffled(contest, progress=None):
        rows = db.session.execute(
            select(Entry.number, Entry.weight, Entry.entrant_commit)
            .where(Entry.contest_id == contest.id, Entry.status == "confirmed")
            .order_by(Entry.number.desc())
        ).all()
        yield b"".join(b"%d,%d,%s\n" % (i, w, c.encode()) for i, w, c in rows)

    monkeypatch.setattr(freezing, "_file_chunks", shuffled)
    draw = perform_draw(contest, VALUES, None, datetime.now(UTC))
    db.session.commit()
    ids = [int(line.split(b",")[0]) for line in draw.entrants_file.splitlines()]
    assert ids == sorted(ids) and len(ids) == 10


def _lose_every_prize(draw, db):
    """Every winner, then every alternate in turn, fails to claim: the prizes end up vacant."""
    while True:
        current = [
            w
            for w in protocol.current_winners(json.loads(draw.record))
            if w["entry_id"] is not None
        ]
        if not current:
            return
        substitute_winner(draw, current[0]["entry_id"], "unclaimed", None, datetime.now(UTC))
        db.session.commit()


def test_supplementary_draw_when_the_alternates_run_out(app, client, runner, db, contest, tmp_path):
    """1 prize x 2 positions, 4 alternates, 10 eligible entries: all 6 ranked entries fail to claim,
    a supplementary draw with a new commitment fills both prizes from the 4 others."""
    draw = perform_draw(contest, VALUES, None, datetime.now(UTC))
    db.session.commit()
    record = json.loads(draw.record)
    ranked = protocol.ranked_ids(record)
    assert len(ranked) == 6
    sign_in(client, "alice@example.org")
    page = f"/admin/o/{contest.organization_id}/contests/{contest.id}/draw"
    # Nothing vacant yet: no supplementary draw on offer, and the domain refuses one.
    assert 'id="supplementary"' not in client.get(page).get_data(as_text=True)
    with pytest.raises(WrongState, match="No prize is vacant"):
        commit_supplementary(contest, ["Loto"], None, datetime.now(UTC))
    db.session.rollback()
    _lose_every_prize(draw, db)
    record = json.loads(draw_of(contest).record)
    assert [s["by_entry_id"] for s in record["substitutions"][-2:]] == [None, None]
    assert [v["prize_position"] for v in protocol.vacancies(record)] == [1, 2]
    # The list is frozen: an entry cannot be disqualified after the draw, not even by the
    # database's own hand (an ineligible entry drawn later is replaced by substitution).
    unranked = (
        db.session.execute(
            select(Entry)
            .where(Entry.status == "confirmed", Entry.number.not_in(ranked))
            .order_by(Entry.id)
        )
        .scalars()
        .all()
    )
    assert len(unranked) == 4
    unranked[0].status = "disqualified"
    with pytest.raises(IntegrityError, match="entrant list of this contest is frozen"):
        db.session.commit()
    db.session.rollback()

    html = client.get(page).get_data(as_text=True)
    assert 'id="supplementary"' in html and "Vacant" in html
    post_form(client, page + "/supplementary", {"entropy_sources": " \n"}, page=page)
    assert len(draws_of(contest)) == 1  # no source named: refused
    post_form(
        client,
        page + "/supplementary",
        {"entropy_sources": "Loto of 2 February 2027: the five numbers\n"},
        page=page,
    )
    db.session.expire_all()
    first, second = draws_of(contest)
    assert (second.sequence, second.parent_id, second.state) == (2, first.id, "committed")
    spec = json.loads(second.spec)
    assert spec["prizes"] == [
        {"position": 1, "title": record["spec"]["prizes"][0]["title"], "quantity": 1},
        {"position": 2, "title": record["spec"]["prizes"][1]["title"], "quantity": 1},
    ]
    assert set(spec["supplementary"]["excluded"]) == ranked
    assert (
        spec["commitment"] != record["spec"]["commitment"]
        and second.server_secret != first.server_secret
    )
    with pytest.raises(WrongState):
        commit_supplementary(contest, ["Loto"], None, datetime.now(UTC))  # one pending at a time
    db.session.rollback()
    pending = client.get(f"/d/{second.id}").get_data(as_text=True)
    assert second.spec_hash in pending and "6 participations exclues" in pending
    assert 'id="supplementary"' not in client.get(page).get_data(as_text=True)

    result = runner.invoke(args=["draw", "noel", "--entropy", "4 8 15 16 23", "--yes"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    second = draws_of(contest)[1]
    supplementary = json.loads(second.record)
    drawn = protocol.ranked_ids(supplementary)
    assert drawn and drawn <= {e.number for e in unranked}
    assert [f["fills"] for f in protocol.filled_vacancies(spec, supplementary)] == [
        v["entry_id"] for v in protocol.vacancies(record)
    ]
    assert open_vacancies(draws_of(contest)) == (None, [])

    # Anyone can check it: the verifier, given the first draw's list, rebuilds the supplementary
    # list.
    (tmp_path / "s.json").write_text(second.record)
    (tmp_path / "s.txt").write_bytes(second.entrants_file)
    (tmp_path / "p.txt").write_bytes(first.entrants_file)
    command = [
        sys.executable,
        "-S",
        "-m",
        "contests.draw.verify",
        str(tmp_path / "s.json"),
        str(tmp_path / "s.txt"),
        str(tmp_path / "p.txt"),
    ]
    checked = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert checked.returncode == 0 and "less the excluded entries" in checked.stdout, checked.stdout
    (tmp_path / "p.txt").write_bytes(first.entrants_file[:-2] + b"\n")
    assert subprocess.run(command, cwd=ROOT, capture_output=True, text=True).returncode == 1

    # Public pages in the contest's language link the two draws; the admin offers the winners'
    # certificates.
    main_page = client.get(f"/d/{first.id}").get_data(as_text=True)
    assert f"/d/{second.id}" in main_page and "Tirage complémentaire n° 1" in main_page
    public = client.get(f"/d/{second.id}").get_data(as_text=True)
    winner = supplementary["winners"][0]["entry_id"]
    assert f"Participation n° {winner}" in public and f"/d/{first.id}/entrants.txt" in public
    # The organizer's page, in French for a French-speaking organizer: both draws, who fills what.
    from contests.models import User

    db.session.execute(
        select(User).where(User.email == "alice@example.org")
    ).scalar_one().ui_locale = "fr"
    db.session.commit()
    admin = client.get(page).get_data(as_text=True)
    assert "Tirage complémentaire n° 1" in admin and "Premier tirage" in admin
    assert (
        f"reprend le lot perdu par la participation {protocol.vacancies(record)[0]['entry_id']}"
        in admin
    )
    certificate = client.get(
        f"/admin/o/{contest.organization_id}/contests/{contest.id}/draw/winners/{winner}/certificate.pdf"
    )
    assert certificate.status_code == 200 and certificate.data.startswith(b"%PDF")
    organizer_copy = client.get(page + f"/certificate.pdf?draw={second.id}")
    assert organizer_copy.status_code == 200 and organizer_copy.data.startswith(b"%PDF")
    actions = db.session.execute(select(AuditEvent.action).order_by(AuditEvent.id)).scalars().all()
    assert actions.count("draw.committed") == 2 and actions.count("draw.performed") == 2
    assert runner.invoke(args=["audit-verify"]).exit_code == 0


def test_supplementary_commitments_are_unique_per_contest_and_sequence(app, db, contest):
    from sqlalchemy.exc import IntegrityError

    first = draw_of(contest)
    for values in ({"sequence": 2, "parent_id": None}, {"sequence": 1, "parent_id": first.id}):
        db.session.add(
            Draw(
                contest_id=contest.id,
                algorithm="vdraw-v1",
                spec="{}",
                spec_hash="0" * 64,
                server_secret="0" * 64,
                **values,
            )
        )
        with pytest.raises(IntegrityError):
            db.session.flush()  # a supplementary draw has a parent, the first has none
        db.session.rollback()
    for _ in range(2):
        db.session.add(
            Draw(
                contest_id=contest.id,
                sequence=2,
                parent_id=first.id,
                algorithm="vdraw-v1",
                spec="{}",
                spec_hash="0" * 64,
                server_secret="0" * 64,
            )
        )
    with pytest.raises(IntegrityError):
        db.session.flush()  # two supplementary commitments at once: the database keeps one
    db.session.rollback()


def test_cli_commits_a_supplementary_draw(app, runner, db, contest):
    draw = perform_draw(contest, VALUES, None, datetime.now(UTC))
    db.session.commit()
    result = runner.invoke(args=["commit", "noel", "--supplementary", "--source", "Loto"])
    assert result.exit_code == 1 and "No prize is vacant" in result.output
    _lose_every_prize(draw, db)
    result = runner.invoke(args=["commit", "noel", "--source", "Loto"])
    assert result.exit_code == 2 and "--source" in result.output
    result = runner.invoke(
        args=["commit", "noel", "--supplementary", "--source", "Loto of 2 February 2027"]
    )
    assert result.exit_code == 0 and "Supplementary draw committed" in result.output, result.output
    result = runner.invoke(args=["draw", "noel", "--entropy", "4 8 15 16 23", "--yes"])
    assert result.exit_code == 0 and "Drawn from 4 entries" in result.output, result.output


def test_long_draws_report_progress(app, runner, db, contest, monkeypatch):
    """The CLI shows how far the freeze has gone (every 100,000 entries; every 3 here)."""
    monkeypatch.setattr(freezing, "PROGRESS_EVERY", 3)
    result = runner.invoke(args=["draw", "noel", "--entropy", VALUES[0], "--yes"])
    assert result.exit_code == 0, result.output
    reported = re.findall(r"(\d+) entries frozen", result.output)
    # The database sends the list in chunks of 2^16 lines, reported as they come: one here.
    assert reported == ["10"]


@pytest.mark.parametrize(("sub", "block"), [(1, 65536), (4, 8), (8, 8)])
def test_receipt_proof_from_one_sub_block_is_the_whole_list_proof(
    app, db, factory, museum, monkeypatch, sub, block
):
    """The draw keeps each sub-block's root and offset; a receipt's proof reads one sub-block
    (PostgreSQL: a slice of the value; SQLite: blob I/O) and equals the proof over every leaf.
    With blocks of 8 lines, the database streams the list in three chunks to forked workers."""
    from contests.draw import parallel
    from contests.winners.records import receipt_inclusion

    monkeypatch.setattr(parallel, "SUB", sub)
    monkeypatch.setattr(parallel, "BLOCK", block)
    monkeypatch.setattr(parallel, "THRESHOLD", 0 if block == 8 else parallel.THRESHOLD)
    contest = factory.contest(museum, publish=True, slug="blocs", min_age=0)
    entries = [factory.entry(contest, email=f"b{n}@example.org") for n in range(21)]
    entries[5].status = "pending"  # not in the list: no proof
    contest.ends_at = datetime.now(UTC) - timedelta(minutes=1)
    contest.draw_at = contest.ends_at  # the draw date the rules announce
    db.session.commit()
    draw = perform_draw(contest, VALUES, None, datetime.now(UTC))
    db.session.commit()
    assert len(draw.entrant_list.receipt_index) == (-(-20 // sub)) * 48 + 8
    lines = draw.entrants_file.split(b"\n")[:-1]
    leaves = [merkle.leaf_hash(line) for line in lines]
    root = bytes.fromhex(json.loads(draw.record)["entrants"]["merkle_root"])
    included = [e for e in entries if e.status == "confirmed"]
    for position, entry in enumerate(included):
        found = receipt_inclusion(draw, contest, entry.receipt_code)
        assert found["index"] == position and found["line"].encode() == lines[position]
        proof = [bytes.fromhex(h) for h in found["proof"]]
        assert proof == merkle.inclusion_proof(leaves, position)
        assert merkle.verify_inclusion(lines[position], position, len(lines), proof, root)
    assert receipt_inclusion(draw, contest, entries[5].receipt_code)["included"] is False


def test_a_substitution_is_never_dated_before_the_one_it_follows(app, db, contest):
    """Two workers each take their ``now`` when their batch starts; the later append must not
    carry the earlier time (the verifier checks the order)."""
    from contests.draw.verify import verify

    draw = perform_draw(contest, VALUES, None, datetime.now(UTC))
    db.session.commit()
    winners = [w["entry_id"] for w in json.loads(draw.record)["winners"]]
    late, early = datetime.now(UTC) + timedelta(minutes=5), datetime.now(UTC)
    substitute_winner(draw, winners[0], "declined", None, late)
    substitute_winner(draw, winners[1], "unclaimed", None, early)
    db.session.commit()
    record = json.loads(draw_of(contest).record)
    assert [s["at"] for s in record["substitutions"]] == [late.isoformat()] * 2
    assert verify(record, draw.entrants_file)
