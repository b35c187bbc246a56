"""The public entry form: states, deduplication, consents, bad input, bots."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from contests.models import Consent, Entry
from helpers import enter


def _entries(db):
    db.session.expire_all()
    return db.session.execute(select(Entry).order_by(Entry.id)).scalars().all()


@pytest.fixture
def museum(factory):
    return factory.organization("Musée")


@pytest.fixture
def open_contest(factory, museum):
    return factory.contest(museum, publish=True, slug="noel", min_age=0)


def test_enter_and_get_a_receipt(app, client, db, open_contest):
    response = enter(client, "noel", email="Zoe.Durand+jeu@gmail.com", marketing_opt_in="y")
    assert response.status_code == 303
    (entry,) = _entries(db)
    assert entry.status == "confirmed" and entry.email_key == "zoedurand@gmail.com"
    assert entry.receipt_code in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert entry.receipt_code in page and "Merci" in page  # the contest is in French
    consents = {c.kind: c.text.text for c in entry.consents}
    assert consents == {
        "rules": "J’ai lu et j’accepte le règlement du jeu.",
        "marketing": consents["marketing"],
    }
    assert "Société Test SAS" in consents["marketing"]


@pytest.mark.parametrize(
    "twin", ["zoedurand@gmail.com", "ZOE.DURAND@googlemail.com", "z.o.e.durand+autre@gmail.com"]
)
def test_second_entry_of_the_same_person_is_refused_kindly(app, client, db, open_contest, twin):
    assert enter(client, "noel", email="zoe.durand@gmail.com").status_code == 303
    response = enter(client, "noel", email=twin, first_name="Z")
    assert response.status_code == 409
    assert "Vous avez déjà participé" in response.get_data(as_text=True)
    assert len(_entries(db)) == 1


def test_daily_contest_says_when_to_come_back(app, client, db, factory, museum):
    contest = factory.contest(
        museum, publish=True, slug="quotidien", entry_policy="daily", language="en", min_age=0
    )
    assert enter(client, "quotidien").status_code == 303
    response = enter(client, "quotidien")
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "You can enter once a day. Come back from" in html
    assert "12:00\u202fAM (Europe/Paris)" in html
    # The next day in Paris, the same person may enter again.
    from contests.entries.submission import EntryInput, period_for, submit_entry

    tomorrow = datetime.now(UTC) + timedelta(days=1)
    submit_entry(
        contest, EntryInput(first_name="Zoé", last_name="Durand", email="zoe@example.org"), tomorrow
    )
    db.session.commit()
    assert [e.period for e in _entries(db)] == [
        period_for(contest, datetime.now(UTC)),
        period_for(contest, tomorrow),
    ]


def test_upcoming_and_closed_contests_have_no_form(app, client, db, factory, museum):
    soon = datetime.now(UTC) + timedelta(days=3)
    from contests.timezones import utc_to_local

    start = utc_to_local(soon, "Europe/Paris").replace(second=0, microsecond=0)
    factory.contest(
        museum, publish=True, slug="bientot", starts_at=start, ends_at=start + timedelta(days=5)
    )
    html = client.get("/c/bientot").get_data(as_text=True)
    assert "Ce jeu ouvre le" in html and 'name="form_token"' not in html
    contest = factory.contest(museum, publish=True, slug="fini")
    contest.ends_at = datetime.now(UTC) - timedelta(minutes=1)
    contest.draw_at = contest.ends_at  # the draw date the rules announce
    db.session.commit()
    html = client.get("/c/fini").get_data(as_text=True)
    assert "Ce jeu a pris fin" in html and 'name="form_token"' not in html


def test_post_after_closing_is_refused_without_saving(app, client, db, open_contest):
    html = client.get("/c/noel").get_data(as_text=True)
    import re

    token = re.search(r'name="form_token" type="hidden" value="([^"]+)"', html).group(1)
    open_contest.ends_at = datetime.now(UTC) - timedelta(seconds=1)
    open_contest.draw_at = open_contest.ends_at  # the draw date the rules announce
    db.session.commit()
    response = client.post(
        "/c/noel",
        data={
            "form_token": token,
            "first_name": "A",
            "last_name": "B",
            "email": "a@example.org",
            "accept_rules": "y",
        },
    )
    assert response.status_code == 409 and _entries(db) == []


BAD = [
    ({"email": "pas-un-email"}, "Saisissez une adresse e-mail valide"),
    ({"email": "x@yopmail.com"}, "Les adresses e-mail temporaires ne sont pas acceptées"),
    ({"first_name": ""}, "Ce champ est requis."),
    ({"last_name": "x" * 101}, "Le champ ne peut pas contenir plus de 100 caractères."),
    ({"first_name": "Zo\u202ee"}, "Retirez les caractères de contrôle invisibles"),
    ({"accept_rules": None}, "Acceptez le règlement pour participer."),
]


@pytest.mark.parametrize("fields, message", BAD)
def test_bad_input_explained_in_the_contest_language(
    app, client, db, open_contest, fields, message
):
    response = enter(client, "noel", **fields)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html, html[html.find("errors") :][:400]
    assert 'aria-invalid="true"' in html
    assert _entries(db) == []


def test_wtforms_own_messages_follow_each_contest_language(app, client, db, factory, museum):
    """WTForms' catalog is loaded once per language: a French page must not get the English one, nor
    back."""
    for slug, language, message in (
        ("fr-jeu", "fr", "N&#39;est pas un entier valide."),
        ("en-game", "en", "Not a valid integer value."),
        ("fr-jeu-2", "fr", "N&#39;est pas un entier valide."),
    ):
        factory.contest(
            museum,
            publish=True,
            slug=slug,
            language=language,
            min_age=0,
            mechanic="skill",
            tie_breaker_question="Combien ?",
            jury_description="Jury",
        )
        html = enter(client, slug, tie_breaker="beaucoup").get_data(as_text=True)
        assert message in html, slug
    assert _entries(db) == []


def test_phone_postal_code_birth_date_questions_and_tie_breaker(app, client, db, factory, museum):
    contest = factory.contest(
        museum,
        slug="complet",
        language="en",
        min_age=18,
        phone_field="required",
        postal_code_field="required",
        ask_birth_date=True,
        mechanic="skill",
        tie_breaker_question="How many entries will we receive?",
        jury_description="Jury",
    )
    from contests.models import Question

    db.session.add_all(
        [
            Question(
                contest_id=contest.id,
                position=1,
                label="Your favourite painting?",
                kind="text",
                required=True,
            ),
            Question(
                contest_id=contest.id,
                position=2,
                label="How did you hear of us?",
                kind="choice",
                choices="Poster\nNewsletter\nFriends",
                required=True,
            ),
        ]
    )
    from contests.contest.publishing import publish_contest

    publish_contest(contest, None, datetime.now(UTC))
    db.session.commit()
    q1, q2 = contest.questions
    young = (datetime.now(UTC) - timedelta(days=365 * 17)).date().isoformat()
    response = enter(
        client,
        "complet",
        phone="12",
        postal_code="75<011",
        birth_date=young,
        **{f"q_{q1.id}": "", f"q_{q2.id}": "TV", "tie_breaker": "beaucoup"},
    )
    html = response.get_data(as_text=True)
    for message in (
        "Use letters, digits, spaces and hyphens only.",
        "This field is required.",
        "Not a valid choice.",
        "Not a valid integer value.",
    ):
        assert message in html, message
    response = enter(
        client,
        "complet",
        phone="12",
        postal_code="75011",
        birth_date=young,
        **{f"q_{q1.id}": "La Joconde", f"q_{q2.id}": "Poster", "tie_breaker": "1200"},
    )
    html = response.get_data(as_text=True)
    assert "Enter a valid phone number" in html and "open to people aged 18 or over" in html
    adult = (datetime.now(UTC) - timedelta(days=365 * 30)).date().isoformat()
    response = enter(
        client,
        "complet",
        phone="06 12 34 56 78",
        postal_code="75 011",
        birth_date=adult,
        **{f"q_{q1.id}": "La Joconde", f"q_{q2.id}": "Poster", "tie_breaker": "1200"},
    )
    assert response.status_code == 303
    (entry,) = _entries(db)
    assert (
        entry.phone == "+33612345678" and entry.postal_code == "75011" and entry.tie_breaker == 1200
    )
    assert json.loads(entry.answers) == {str(q1.id): "La Joconde", str(q2.id): "Poster"}


def test_age_checkbox_when_no_birth_date(app, client, db, factory, museum):
    factory.contest(museum, publish=True, slug="majeurs", min_age=18)
    response = enter(client, "majeurs")
    assert response.status_code == 400
    assert "Ce jeu est ouvert aux personnes âgées de 18 ans ou plus." in response.get_data(
        as_text=True
    )
    assert enter(client, "majeurs", age_confirmed="y").status_code == 303
    (entry,) = _entries(db)
    assert {c.kind for c in entry.consents} == {"rules", "age"}


def test_honeypot_pretends_success_and_stores_nothing(app, client, db, open_contest):
    response = enter(client, "noel", website="http://spam.example")
    assert response.status_code == 200 and "Merci" in response.get_data(as_text=True)
    assert _entries(db) == []


@pytest.mark.parametrize("app", [{"MIN_FILL_SECONDS": 60}], indirect=True)
def test_too_fast_submission_keeps_the_answers(app, client, db, open_contest):
    response = enter(client, "noel", first_name="Très", email="rapide@example.org")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "C’était très rapide" in html
    assert 'value="rapide@example.org"' in html and 'value="Très"' in html
    assert _entries(db) == []


def test_forged_or_foreign_tokens_are_refused(app, client, db, open_contest, factory, museum):
    factory.contest(museum, publish=True, slug="autre", min_age=0)
    import re

    other_token = re.search(
        r'name="form_token" type="hidden" value="([^"]+)"',
        client.get("/c/autre").get_data(as_text=True),
    ).group(1)
    for token in ("", "forged", other_token):
        response = client.post(
            "/c/noel",
            data={
                "form_token": token,
                "first_name": "A",
                "last_name": "B",
                "email": "a@example.org",
                "accept_rules": "y",
            },
        )
        assert response.status_code == 400, token
    assert _entries(db) == []


def test_cross_site_post_is_refused(app, client, db, open_contest):
    response = enter(client, "noel", headers={"Origin": "https://evil.example"})
    assert response.status_code == 403 and _entries(db) == []
    assert enter(client, "noel", headers={"Origin": "http://localhost"}).status_code == 303


def test_html_in_fields_is_stored_as_typed_and_shown_escaped(
    app, client, db, factory, museum, open_contest
):
    from contests.organizations import add_member
    from helpers import sign_in

    assert (
        enter(
            client, "noel", first_name="<script>alert(1)</script>", last_name='=HYPERLINK("x")'
        ).status_code
        == 303
    )
    (entry,) = _entries(db)
    assert entry.first_name == "<script>alert(1)</script>"
    add_member(museum, "alice@example.org", "long enough pw", None)
    db.session.commit()
    sign_in(client, "alice@example.org", "long enough pw")
    for page in ("entries", "review"):
        html = client.get(f"/admin/o/{museum.id}/contests/{open_contest.id}/{page}").get_data(
            as_text=True
        )
        assert "<script>alert(1)</script>" not in html, page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in client.get(
        f"/admin/o/{museum.id}/contests/{open_contest.id}/entries"
    ).get_data(as_text=True)


def test_oversized_body_gets_a_readable_413(app, client, db, open_contest):
    response = client.post(
        "/c/noel", data=b"x" * (5 * 1024 * 1024), content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 413
    assert "Fichier trop volumineux" in response.get_data(
        as_text=True
    ) or "File too large" in response.get_data(as_text=True)
    assert db.session.execute(select(func.count()).select_from(Consent)).scalar() == 0


def test_cached_page_gets_a_fresh_token_and_follows_changes(app, client, db, open_contest):
    import re

    pattern = re.compile(r'name="form_token" type="hidden" value="([^"]+)"')
    first = client.get("/c/noel").get_data(as_text=True)
    second = client.get("/c/noel").get_data(as_text=True)
    assert pattern.search(first).group(1) != pattern.search(second).group(1)
    assert "form-token-slot" not in first
    # A change of phase (here: the contest closes) is seen at once.
    open_contest.ends_at = datetime.now(UTC) - timedelta(seconds=1)
    open_contest.draw_at = open_contest.ends_at  # the draw date the rules announce
    db.session.commit()
    assert 'name="form_token"' not in client.get("/c/noel").get_data(as_text=True)


def test_a_contest_updated_on_the_exact_second_takes_entries(app, client, db, open_contest):
    """The entry's INSERT checks the contest's ``updated_at`` against the one the request read.
    An instant on the exact second must be bound as the ORM stored it (on SQLite: with its
    fraction of a second), or every entry is refused as if the contest had just changed."""
    open_contest.updated_at = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=5)
    db.session.commit()
    response = enter(client, "noel", email="seconde@example.org")
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    assert len(_entries(db)) == 1


def test_all_problems_are_shown_at_once(app, client, db, factory, museum):
    factory.contest(museum, publish=True, slug="tout", min_age=0, phone_field="required")
    html = enter(client, "tout", first_name="", email="pas-un-email", phone="12").get_data(
        as_text=True
    )
    for message in (
        "Ce champ est requis.",
        "Saisissez une adresse e-mail valide",
        "Saisissez un numéro de téléphone valide",
    ):
        assert message in html, message


def test_cached_form_keeps_working_after_commits(app, client, db, factory, museum):
    """Form classes outlive the request that built them; their checks must not touch its session."""
    factory.contest(
        museum, publish=True, slug="tel", min_age=18, phone_field="required", ask_birth_date=True
    )
    adult = (datetime.now(UTC) - timedelta(days=365 * 30)).date().isoformat()
    for n in range(3):
        response = enter(
            client, "tel", email=f"p{n}@example.org", phone=f"06 12 34 56 7{n}", birth_date=adult
        )
        assert response.status_code == 303, n
    young = (datetime.now(UTC) - timedelta(days=365 * 10)).date().isoformat()
    html = enter(
        client, "tel", email="kid@example.org", phone="0612345679", birth_date=young
    ).get_data(as_text=True)
    assert "Ce jeu est ouvert aux personnes âgées de 18 ans ou plus." in html


def test_the_form_explains_the_draw_in_words_and_keeps_the_fingerprint_one_click_away(
    app, client, db, open_contest
):
    """Entrants read a sentence; the SHA-256 fingerprint is behind "how the draw can be checked"
    (the radio layout is checked in Chromium, test_browser)."""
    html = client.get("/c/noel").get_data(as_text=True)
    words = html.index("Les gagnants seront tirés au sort selon une procédure publique")
    details = html.index("<details", words)
    assert html.index("data-spec-hash") > details
