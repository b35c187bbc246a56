"""The `contests` commands, through Click's runner on the real database."""

import json
import os
import re
import stat

import pytest
from sqlalchemy import func, select

from contests.models import AuditEvent, Contest, Membership, Organization, Prize, User
from helpers import guards_removed


def _count(db, model):
    db.session.expire_all()
    return db.session.execute(select(func.count()).select_from(model)).scalar()


def test_create_organizer(app, runner, db):
    result = runner.invoke(
        args=[
            "create-organizer",
            "Alice@Example.org",
            "--password",
            "long enough pw",
            "--organization",
            "Musée",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "alice@example.org" in result.output
    user = db.session.execute(select(User)).scalar_one()
    assert user.email == "alice@example.org"
    membership = db.session.execute(select(Membership)).scalar_one()
    assert membership.organization.name == "Musée" and membership.role == "owner"
    # A second organizer joins the same organization by name.
    result = runner.invoke(
        args=[
            "create-organizer",
            "bob@example.org",
            "--password",
            "long enough pw",
            "--organization",
            "Musée",
        ]
    )
    assert result.exit_code == 0, result.output
    assert _count(db, Organization) == 1 and _count(db, Membership) == 2


@pytest.mark.parametrize(
    "args, message",
    [
        (["not-an-email", "--password", "long enough pw"], "Enter a valid email address"),
        (["a@example.org", "--password", "short"], "at least 10 characters"),
    ],
)
def test_create_organizer_refuses_bad_input(app, runner, db, args, message):
    result = runner.invoke(args=["create-organizer", *args, "--organization", "Musée"])
    assert result.exit_code == 1
    assert message in result.output
    assert _count(db, User) == 0 and _count(db, Organization) == 0


def test_create_organizer_refuses_duplicates(app, runner, db):
    args = [
        "create-organizer",
        "a@example.org",
        "--password",
        "long enough pw",
        "--organization",
        "Musée",
    ]
    assert runner.invoke(args=args).exit_code == 0
    result = runner.invoke(args=args)
    assert result.exit_code == 1 and "already exists" in result.output
    assert _count(db, User) == 1


def test_cli_speaks_french_to_a_french_shell(app, runner, db, monkeypatch):
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    result = runner.invoke(
        args=["create-organizer", "a@example.org", "--password", "court", "--organization", "M"]
    )
    assert result.exit_code == 1
    assert "Le mot de passe doit comporter au moins 10 caractères." in result.output


def test_demo_is_idempotent_and_prints_a_working_login(app, runner, db, client):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "Demo ready." in result.output
    password = next(line.split()[-1] for line in result.output.splitlines() if "Password:" in line)
    assert (
        "http://localhost/auth/login" in result.output
        and "http://localhost/c/demo" in result.output
    )
    counts = {m: _count(db, m) for m in (User, Organization, Contest, Prize, Membership)}
    # The open demo, a finished one with its draw, an old one past its retention, purged,
    # three months of the client's history, and a jury contest in deliberation.
    assert counts[Contest] == 5 and counts[Prize] == 9
    from contests.jury.panel import jurors_of, works_to_judge
    from contests.jury.ranking import compute_ranking

    poems = db.session.execute(select(Contest).where(Contest.slug == "poesie")).scalar_one()
    assert [(j.name, j.signed_at is not None) for j in jurors_of(poems)] == [
        ("Louise Labé", True),
        ("Paul Verlaine", False),
    ]
    assert len(works_to_judge(poems)) == 5 and poems.jury_closed_at is None
    assert len(compute_ranking(poems)["ranking"]) == 5
    draw_url = next(
        line.split()[-1] for line in result.output.splitlines() if "Verifiable draw" in line
    )
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0 and "Demo already there." in result.output
    assert password in result.output
    assert {m: _count(db, m) for m in counts} == counts
    secret = os.stat(os.path.join(app.instance_path, "demo-login.txt"))
    assert stat.S_IMODE(secret.st_mode) == 0o600

    from helpers import sign_in

    assert sign_in(client, "demo@example.org", password).status_code == 302
    contest = db.session.execute(select(Contest).where(Contest.slug == "demo")).scalar_one()
    assert contest.state == "published"
    draw_path = draw_url.replace("http://localhost", "")
    assert "parmi 300 participations éligibles" in client.get(draw_path).get_data(as_text=True)
    from contests.draw.verify import verify

    record = json.loads(client.get(draw_path + ".json").get_data(as_text=True))
    assert verify(record, client.get(draw_path + "/entrants.txt").data)
    purged = db.session.execute(
        select(Contest).where(Contest.slug == "printemps-2021")
    ).scalar_one()
    from contests.models import Entry
    from contests.winners.records import draw_of

    entries = db.session.execute(select(Entry).where(Entry.contest_id == purged.id)).scalars().all()
    assert len(entries) == 40 and all(e.erased_at and e.email == "" for e in entries)
    old_draw = draw_of(purged)
    assert verify(json.loads(old_draw.record), old_draw.entrants_file)
    page = client.get("/c/demo").get_data(as_text=True)
    assert "Pass annuel duo" in page and "Catalogue de l’exposition" in page.replace(
        "&#39;", "’"
    ).replace("'", "’")
    assert "Ouvert jusqu’au" in page
    # The client's monthly report is full at once: last month beside the month before, each with
    # views and entries; the autumn contest's statistics have every section.
    report = client.get(f"/admin/o/{contest.organization_id}/report").get_data(as_text=True)
    for key in ("views", "entries", "confirmed", "opt_in"):
        row = re.search(
            rf'data-figure="{key}"><th scope="row">[^<]+</th><td>(\d+)</td><td>(\d+)', report
        )
        assert row and int(row[1]) > 0 and int(row[2]) > 0, key
    assert "Jeu-concours de l’automne" in report.replace("&#39;", "’").replace("'", "’")
    autumn = db.session.execute(select(Contest).where(Contest.slug == "automne")).scalar_one()
    stats = client.get(
        f"/admin/o/{contest.organization_id}/contests/{autumn.id}/statistics"
    ).get_data(as_text=True)
    for section in ("newsletter / email / automne", "musee-demo.example", "2A", "974"):
        assert section in stats, section
    returning = re.search(r'data-figure="new-returning">(\d+) / (\d+)<', stats)
    assert int(returning[1]) > 0 and int(returning[2]) > 0
    assert int(re.search(r'data-figure="repeats">(\d+)<', stats)[1]) > 0


def test_export_then_import_into_another_client(app, runner, db, factory, tmp_path):
    museum = factory.organization("Musée")
    theatre = factory.organization("Théâtre")
    factory.contest(museum, prizes=2, slug="noel", description="Lignes\navec « guillemets »")
    exported = tmp_path / "noel.json"
    result = runner.invoke(args=["export-contest", "noel", "-o", str(exported)])
    assert result.exit_code == 0, result.output
    document = json.loads(exported.read_text(encoding="utf-8"))
    assert document["format"] == "contests/contest" and len(document["prizes"]) == 2
    assert document["contest"]["starts_at"].count(":") == 1  # wall-clock, minutes precision

    result = runner.invoke(
        args=[
            "import-contest",
            str(exported),
            "--organization",
            "Théâtre",
            "--slug",
            "noel-theatre",
        ]
    )
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    copy = db.session.execute(select(Contest).where(Contest.slug == "noel-theatre")).scalar_one()
    original = db.session.execute(select(Contest).where(Contest.slug == "noel")).scalar_one()
    assert copy.organization_id == theatre.id and copy.state == "draft"
    for field in (
        "title",
        "description",
        "starts_at",
        "ends_at",
        "territory",
        "legal_name",
        "data_retention_months",
    ):
        assert getattr(copy, field) == getattr(original, field), field
    assert [(p.title, p.unit_value_minor) for p in copy.prizes] == [
        (p.title, p.unit_value_minor) for p in original.prizes
    ]
    # The same file again without --slug collides with the original and says so.
    result = runner.invoke(
        args=["import-contest", str(exported), "--organization", str(theatre.id)]
    )
    assert result.exit_code == 1 and "already used" in result.output


def test_import_lists_every_problem_and_writes_nothing(app, runner, db, factory, tmp_path):
    factory.organization("Théâtre")
    before = _count(db, AuditEvent)
    bad = {
        "format": "contests/contest",
        "version": 1,
        "contest": {
            "title": "",
            "timezone": "Mars/Olympus",
            "starts_at": "2031-05-01T10:00",
            "ends_at": "2031-04-01T10:00",
            "min_age": -1,
            "surprise": True,
        },
        "prizes": [
            {"title": "Ok", "quantity": 1, "unit_value": "10", "currency": "EUR"},
            {"title": "Bad", "quantity": 0, "unit_value": "dix euros", "currency": "EUR"},
            "not an object",
        ],
    }
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    result = runner.invoke(args=["import-contest", str(path), "--organization", "Théâtre"])
    assert result.exit_code == 1
    for expected in (
        "contest.surprise: unknown field",
        "contest.title: This field is required.",
        "contest.timezone: “Mars/Olympus” is not a known time zone",
        "contest.ends_at: The closing date must come after the opening date.",
        "contest.min_age: Number must be between 0 and 120.",
        "prizes[1].quantity: Number must be between 1 and 100000.",
        "prizes[1].unit_value: Enter an amount",
        "prizes[2]: must be an object",
    ):
        assert expected in result.output, expected
    assert _count(db, Contest) == 0 and _count(db, Prize) == 0 and _count(db, AuditEvent) == before


@pytest.mark.parametrize(
    "content, message",
    [
        (b"{not json", "not a valid JSON file"),
        (b"\xff\xfe", "not a valid JSON file"),
        (b"[1, 2]", "must hold a JSON object"),
    ],
)
def test_import_refuses_unreadable_files(app, runner, db, factory, tmp_path, content, message):
    factory.organization("Théâtre")
    path = tmp_path / "file.json"
    path.write_bytes(content)
    result = runner.invoke(args=["import-contest", str(path), "--organization", "Théâtre"])
    assert result.exit_code == 1 and message in result.output


def test_unknown_slug_and_organization_are_usage_errors(app, runner, tmp_path):
    result = runner.invoke(args=["export-contest", "nope"])
    assert result.exit_code == 2 and "no contest with slug" in result.output
    path = tmp_path / "x.json"
    path.write_text("{}")
    result = runner.invoke(args=["import-contest", str(path), "--organization", "Nobody"])
    assert result.exit_code == 2 and "no organization" in result.output


def test_admin_import_upload(app, client, db, factory):
    from io import BytesIO

    from helpers import csrf_from, sign_in

    alice = factory.user("alice@example.org")
    museum = factory.organization("Musée", owner=alice)
    factory.contest(museum, slug="noel")
    sign_in(client, "alice@example.org")
    exported = client.get(
        f"/admin/o/{museum.id}/contests/{db.session.execute(select(Contest.id)).scalar()}/export.json"
    )
    assert exported.headers["Content-Disposition"] == 'attachment; filename="contest-noel.json"'
    url = f"/admin/o/{museum.id}/contests/import"
    token = csrf_from(client.get(url).get_data(as_text=True))
    response = client.post(
        url,
        data={"csrf_token": token, "slug": "noel-2", "file": (BytesIO(exported.data), "noel.json")},
    )
    assert response.status_code == 302
    assert _count(db, Contest) == 2
    token = csrf_from(client.get(url).get_data(as_text=True))
    response = client.post(
        url, data={"csrf_token": token, "file": (BytesIO(b'{"format": "x"}'), "x.json")}
    )
    assert response.status_code == 400
    assert "Problems found" in response.get_data(as_text=True)
    token = csrf_from(client.get(url).get_data(as_text=True))
    response = client.post(url, data={"csrf_token": token, "file": (BytesIO(b"x"), "photo.png")})
    assert response.status_code == 400 and "Choose a .json file" in response.get_data(as_text=True)
    assert _count(db, Contest) == 2


def test_audit_verify_detects_tampering(app, runner, db, factory):
    factory.contest(factory.organization("Musée"), publish=True)
    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 0 and "PASS" in result.output
    event = db.session.execute(
        select(AuditEvent).where(AuditEvent.action == "contest.published")
    ).scalar_one()
    with guards_removed(db):
        event.data = '{"slug":"something-else"}'
    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 1 and f"broken at event {event.id}" in result.output
