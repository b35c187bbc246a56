"""Defining contests and prizes through the admin: validation, time zones, states, totals."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from contests.models import AuditEvent, Contest, Prize
from helpers import post_form, sign_in


@pytest.fixture
def museum(app, factory, client):
    alice = factory.user("alice@example.org")
    organization = factory.organization("Musée", owner=alice)
    sign_in(client, "alice@example.org")
    return organization


def _form(**overrides):
    data = {
        "title": "Gagnez un séjour à Noël",
        "slug": "",
        "description": "Un beau jeu.",
        "language": "fr",
        "jurisdiction": "FR",
        "mechanic": "random_draw",
        "timezone": "Europe/Paris",
        "starts_at": "2031-07-01T10:00",
        "ends_at": "2031-07-31T23:59",
        "min_age": "18",
        "territory": "fr, be",
        "exclusions": "",
        "entry_policy": "once",
        "alternates_per_prize": "2",
        "tie_breaker_question": "",
        "jury_description": "",
        "legal_name": "Musée SAS",
        "legal_form": "SAS",
        "registration_number": "SIREN 123 456 789",
        "legal_address": "1 rue de Rivoli, 75001 Paris",
        "contact_email": "jeu@example.org",
        "dpo_contact": "dpo@example.org",
        "data_retention_months": "12",
    }
    data.update(overrides)
    return data


def _count(db, model) -> int:
    db.session.expire_all()
    return db.session.execute(select(func.count()).select_from(model)).scalar()


def test_create_contest_stores_utc_and_derives_slug(app, client, museum, db):
    response = post_form(client, f"/admin/o/{museum.id}/contests/new", _form())
    assert response.status_code == 302, response.get_data(as_text=True)
    contest = db.session.execute(select(Contest)).scalar_one()
    assert contest.slug == "gagnez-un-sejour-a-noel"
    # 10:00 in Paris in July (UTC+2) is 08:00 UTC; stored as such, shown back in Paris time.
    assert contest.starts_at == datetime(2031, 7, 1, 8, 0, tzinfo=UTC)
    assert contest.territory == "FR,BE"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "July 1, 2031 10:00\u202fAM (Europe/Paris)" in page
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 juillet 2031 10:00 (Europe/Paris)" in page
    edit = client.get(f"/admin/o/{museum.id}/contests/{contest.id}/edit").get_data(as_text=True)
    assert 'value="2031-07-01T10:00"' in edit


def test_winter_dates_use_winter_offset(app, client, museum, db):
    post_form(
        client,
        f"/admin/o/{museum.id}/contests/new",
        _form(starts_at="2031-01-10T10:00", ends_at="2031-02-01T10:00"),
    )
    contest = db.session.execute(select(Contest)).scalar_one()
    assert contest.starts_at == datetime(2031, 1, 10, 9, 0, tzinfo=UTC)


BAD_INPUTS = [
    ({"title": ""}, "This field is required."),
    ({"title": "x" * 201}, "Field cannot be longer than 200 characters."),
    ({"ends_at": "2031-06-01T10:00"}, "The closing date must come after the opening date."),
    ({"timezone": "Europe/Atlantis"}, "is not a known time zone"),
    ({"starts_at": "2031-03-30T02:30"}, "does not exist in Europe/Paris"),
    ({"starts_at": "31/12/2031"}, "Not a valid datetime value."),
    ({"slug": "Pas Bon!"}, "Use lower-case letters, digits and single hyphens only"),
    ({"territory": "FR, XX, France"}, "Unknown country codes: XX, FRANCE"),
    ({"min_age": "-3"}, "Number must be between 0 and 120."),
    ({"min_age": "dix-huit"}, "Not a valid integer value."),
    ({"contact_email": "pas-un-email"}, "Enter a valid email address"),
    ({"alternates_per_prize": "500"}, "Number must be between 0 and 20."),
    ({"language": "de"}, "Not a valid choice."),
    ({"description": "x" * 5001}, "Field cannot be longer than 5000 characters."),
]


@pytest.mark.parametrize("overrides, message", BAD_INPUTS)
def test_bad_contest_input_is_explained_and_nothing_saved(
    app, client, museum, db, overrides, message
):
    response = post_form(client, f"/admin/o/{museum.id}/contests/new", _form(**overrides))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html.replace("&#39;", "'")
    assert 'aria-invalid="true"' in html
    assert _count(db, Contest) == 0


def test_slug_collision_is_a_field_error(app, client, museum, factory, db):
    factory.contest(museum, slug="noel")
    response = post_form(client, f"/admin/o/{museum.id}/contests/new", _form(slug="noel"))
    assert response.status_code == 400
    assert "already used by another contest" in response.get_data(as_text=True)
    assert _count(db, Contest) == 1


def test_errors_in_french(app, client, museum, db):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr"
    response = post_form(
        client,
        f"/admin/o/{museum.id}/contests/new",
        _form(title="", ends_at="2031-06-01T10:00", timezone="Paris"),
    )
    html = response.get_data(as_text=True)
    assert "Ce champ est requis." in html
    assert "La date de clôture doit être postérieure à la date d’ouverture." in html
    assert "« Paris » n’est pas un fuseau horaire connu." in html


PRIZE_BAD_INPUTS = [
    ({"quantity": "0"}, "Number must be between 1 and 100000."),
    ({"quantity": "-2"}, "Number must be between 1 and 100000."),
    ({"unit_value": "12,345"}, "Enter an amount such as 49.90"),
    ({"unit_value": "1.234,50"}, "Enter an amount such as 49.90"),
    ({"unit_value": "abc"}, "Enter an amount such as 49.90"),
    ({"unit_value": ""}, "Enter the value of one unit"),
    ({"currency": "BTC"}, "Not a valid choice."),
    ({"title": ""}, "This field is required."),
]


@pytest.mark.parametrize("overrides, message", PRIZE_BAD_INPUTS)
def test_bad_prize_input(app, client, museum, factory, db, overrides, message):
    contest = factory.contest(museum, prizes=0)
    data = {
        "title": "Pass annuel",
        "description": "",
        "quantity": "2",
        "unit_value": "49,90",
        "currency": "EUR",
    }
    data.update(overrides)
    response = post_form(client, f"/admin/o/{museum.id}/contests/{contest.id}/prizes/new", data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _count(db, Prize) == 0


def test_prizes_and_total_value(app, client, museum, factory, db):
    contest = factory.contest(museum, prizes=0)
    url = f"/admin/o/{museum.id}/contests/{contest.id}/prizes/new"
    for title, quantity, value in (("Pass annuel", "2", "1 250,50"), ("Catalogue", "3", "39.9")):
        data = {"title": title, "quantity": quantity, "unit_value": value, "currency": "EUR"}
        assert post_form(client, url, data).status_code == 302
    db.session.expire_all()
    prizes = db.session.execute(select(Prize).order_by(Prize.position)).scalars().all()
    assert [(p.title, p.unit_value_minor, p.position) for p in prizes] == [
        ("Pass annuel", 125050, 1),
        ("Catalogue", 3990, 2),
    ]
    page = client.get(f"/admin/o/{museum.id}/contests/{contest.id}").get_data(as_text=True)
    assert "$2,620.70" not in page and "€2,620.70" in page  # 2 × 1250.50 + 3 × 39.90, in English
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr"
    page = client.get(f"/admin/o/{museum.id}/contests/{contest.id}").get_data(as_text=True)
    assert "2\u202f620,70\xa0€" in page


def test_prize_edit_and_delete(app, client, museum, factory, db):
    contest = factory.contest(museum, prizes=2)
    prize = contest.prizes[0]
    url = f"/admin/o/{museum.id}/contests/{contest.id}/prizes/{prize.id}"
    data = {
        "title": "Nouveau titre",
        "quantity": "4",
        "unit_value": "10",
        "currency": "GBP",
        "position": "7",
    }
    assert post_form(client, url + "/edit", data).status_code == 302
    db.session.expire_all()
    assert (prize.title, prize.quantity, prize.unit_value_minor, prize.currency) == (
        "Nouveau titre",
        4,
        1000,
        "GBP",
    )
    assert (
        post_form(
            client, url + "/delete", page=f"/admin/o/{museum.id}/contests/{contest.id}"
        ).status_code
        == 302
    )
    assert _count(db, Prize) == 1


def test_publish_lists_what_is_missing(app, client, museum, factory, db):
    contest = factory.contest(museum, prizes=0, legal_name="", dpo_contact="", min_age=None)
    page = f"/admin/o/{museum.id}/contests/{contest.id}"
    response = post_form(client, page + "/publish", page=page)
    assert response.status_code == 302
    html = client.get(page).get_data(as_text=True)
    for label in (
        "Organizer&#39;s legal name",
        "Data protection contact",
        "Minimum age",
        "At least one prize",
    ):
        assert label in html
    db.session.expire_all()
    assert contest.state == "draft"


def test_skill_contest_needs_tie_breaker_and_jury(app, factory, museum):
    from contests.contest.publishing import missing_for_publish

    contest = factory.contest(museum, mechanic="skill", jury_criteria="")
    missing = [str(m) for m in missing_for_publish(contest, factory.now)]
    assert missing == [
        "Tie-breaker question (numeric answer)",
        "Members of the jury",
        "Judging criteria (one per line, with maximum points)",
    ]


def test_publish_then_edits_are_refused(app, client, museum, factory, db):
    contest = factory.contest(museum)
    page = f"/admin/o/{museum.id}/contests/{contest.id}"
    post_form(client, page + "/publish", page=page)
    db.session.expire_all()
    assert contest.state == "published" and contest.phase(datetime.now(UTC)) == "open"
    response = post_form(client, page + "/edit", _form(title="Changed"), page=page)
    assert response.status_code == 302
    db.session.expire_all()
    assert contest.title == "Jeu de Noël"
    prize = contest.prizes[0]
    post_form(client, f"{page}/prizes/{prize.id}/delete", page=page)
    assert _count(db, Prize) == 1
    actions = db.session.execute(select(AuditEvent.action)).scalars().all()
    assert "contest.published" in actions


def test_phases_derive_from_dates(app, factory, museum):
    now = datetime.now(UTC)
    contest = factory.contest(museum, publish=True)
    assert contest.phase(now) == "open"
    assert contest.phase(contest.starts_at - timedelta(seconds=1)) == "upcoming"
    assert contest.phase(contest.ends_at) == "closed"


def test_archive_only_when_not_running(app, client, museum, factory, db):
    running = factory.contest(museum, publish=True, slug="running")
    page = f"/admin/o/{museum.id}/contests/{running.id}"
    post_form(client, page + "/archive", page=page)
    db.session.expire_all()
    assert running.state == "published"
    draft = factory.contest(museum, slug="old-draft")
    page = f"/admin/o/{museum.id}/contests/{draft.id}"
    post_form(client, page + "/archive", page=page)
    db.session.expire_all()
    assert draft.state == "archived"


def test_database_refuses_what_forms_refuse(app, db, museum, factory):
    """The constraints hold even for code that skips the forms."""
    from sqlalchemy.exc import IntegrityError

    contest = factory.contest(museum)
    for bad in ({"quantity": 0}, {"unit_value_minor": -1}, {"currency": "XXX"}):
        prize = Prize(
            contest_id=contest.id,
            title="x",
            **{"quantity": 1, "unit_value_minor": 1, "currency": "EUR", **bad},
        )
        db.session.add(prize)
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
    contest = db.session.get(Contest, contest.id)
    contest.ends_at = contest.starts_at - timedelta(days=1)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_dashboard_groups_by_phase_with_entry_counts(app, client, museum, factory, db):
    open_contest = factory.contest(museum, publish=True, title="Jeu ouvert", slug="ouvert")
    factory.contest(museum, title="Brouillon", slug="brouillon")
    for n in range(3):
        factory.entry(open_contest, email=f"entrant{n}@example.org")
    html = client.get(f"/admin/o/{museum.id}/").get_data(as_text=True)
    assert (
        html.index("Open contests")
        < html.index("Jeu ouvert")
        < html.index("Drafts")
        < html.index("Brouillon")
    )
    assert 'data-entries="ouvert">3<' in html
    assert 'data-entries="brouillon">0<' in html


def test_slug_race_lost_at_the_database_is_a_field_error(
    app, client, museum, factory, db, monkeypatch
):
    """If another request claims the slug between our check and our insert, the UNIQUE
    constraint refuses it and the organizer sees the same field error, not a 500."""
    import contests.contest.editing as editing

    factory.contest(museum, slug="noel")
    monkeypatch.setattr(editing, "slug_taken", lambda slug, exclude_id=None: False)
    response = post_form(client, f"/admin/o/{museum.id}/contests/new", _form(slug="noel"))
    assert response.status_code == 400
    assert "already used by another contest" in response.get_data(as_text=True)
    assert _count(db, Contest) == 1
