"""A jury contest (issue 18): works with the entries, jurors scoring blind on the published
criteria, the tie-breaker applied, the ranking frozen, the winners mailed, the signed
procès-verbal read back from its PDF."""

import io
import json
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date
from PIL import Image
from sqlalchemy import func, select
from test_certificates import pdf_text

from contests.models import Entry, Juror, JuryScore, OutboxMessage, Work
from helpers import enter, post_form, sign_in

TEXT = "Les feuilles tombent sur le parvis du musée, rousses et lentes."


def _jury_contest(factory, museum, db, slug="poemes", **overrides):
    terms = dict(
        min_age=0,
        prizes=1,
        alternates_per_prize=1,
        claim_days=15,
        mechanic="skill",
        tie_breaker_question="Combien de poèmes recevrons-nous ?",
        jury_description="Deux poètes de la région.",
        jury_criteria="Originalité : 10\nStyle : 5",
        work_kind="text",
        work_prompt="Un poème sur l'automne.",
    )
    contest = factory.contest(museum, publish=True, slug=slug, **{**terms, **overrides})
    db.session.commit()
    return contest


def _close(contest, db):
    contest.ends_at = datetime.now(UTC) - timedelta(minutes=1)
    contest.draw_at = contest.ends_at
    db.session.commit()


def _entries(db, contest):
    return db.session.execute(
        select(func.count()).select_from(Entry).where(Entry.contest_id == contest.id)
    ).scalar()


def _add_juror(client, museum, contest, name, email) -> str:
    page = f"/admin/o/{museum.id}/contests/{contest.id}/jury"
    response = post_form(client, page, {"name": name, "email": email})
    assert response.status_code == 200, response.get_data(as_text=True)
    link = re.search(r'readonly value="(http[^"]+/jury/[^"]+)"', response.get_data(as_text=True))
    return link[1].split("localhost", 1)[1]


def _score(client, link, scores: dict, action="save", token=None):
    html = client.get(link).get_data(as_text=True)
    token = token or re.search(r'name="csrf_token" value="([^"]+)"', html)[1]
    data = {"csrf_token": token, "action": action}
    data.update({f"s_{number}_{criterion}": str(v) for (number, criterion), v in scores.items()})
    return client.post(link, data=data)


def test_a_jury_contest_from_the_entries_to_the_signed_report(app, client, db, factory, museum):
    contest = _jury_contest(factory, museum, db)
    page = client.get("/c/poemes").get_data(as_text=True)
    assert "Votre texte" in page and "Un poème sur l&#39;automne." in page
    # A text too short is refused in French, and nothing is stored.
    refused = enter(client, "poemes", email="court@example.org", work="Trop court", tie_breaker="3")
    assert refused.status_code == 400
    assert "Votre texte doit compter de 20 à 5000 caractères (il en a 10)." in refused.get_data(
        as_text=True
    ).replace("\u202f", "").replace("\xa0", "")
    assert _entries(db, contest) == 0
    # Four poets; B and C will tie on score, and the tie-breaker (45) puts C (47) before B (40).
    for name, answer in (("Alba", 30), ("Basile", 40), ("Capucine", 47), ("Dante", 90)):
        response = enter(
            client,
            "poemes",
            first_name=name,
            last_name="Poète",
            email=f"{name.lower()}@example.org",
            work=f"  {TEXT}\r\n({name}) ",
            tie_breaker=str(answer),
        )
        assert response.status_code == 303, response.get_data(as_text=True)
    works = db.session.execute(select(Work).order_by(Work.entry_id)).scalars().all()
    assert len(works) == 4 and works[0].text == f"{TEXT}\n(Alba)"  # trimmed, one kind of newline
    numbers = {
        e.first_name: e.number
        for e in db.session.execute(select(Entry).where(Entry.contest_id == contest.id)).scalars()
    }

    sign_in(client, "alice@example.org")
    jury_page = f"/admin/o/{museum.id}/contests/{contest.id}/jury"
    first = _add_juror(client, museum, contest, "Louise Labé", "louise@example.org")
    second = _add_juror(client, museum, contest, "Paul Verlaine", "paul@example.org")
    invitation = db.session.execute(
        select(OutboxMessage).where(OutboxMessage.recipient == "louise@example.org")
    ).scalar_one()
    assert first in invitation.body and "membre du jury" in invitation.body
    # Before the close, the works cannot be scored.
    juror_client = app.test_client()
    assert "une fois le jeu clos" in juror_client.get(first).get_data(as_text=True)
    _close(contest, db)

    # The juror judges blind: numbers, never names.
    html = juror_client.get(first).get_data(as_text=True)
    assert f"Participation n° {numbers['Alba']}" in html and "Poète" not in html
    assert TEXT in html
    # A score over the criterion's maximum: explained in French, nothing saved.
    bad = _score(juror_client, first, {(numbers["Alba"], 1): 11})
    assert bad.status_code == 400 and "Un nombre entier de 0 à 10." in bad.get_data(as_text=True)
    assert db.session.execute(select(func.count()).select_from(JuryScore)).scalar() == 0
    # Signing before every work is scored is refused.
    partial = {(numbers["Alba"], 1): 5}
    refused = _score(juror_client, first, partial, "sign").get_data(as_text=True)
    assert "Notez chaque œuvre sur chaque critère avant de signer." in refused
    assert 'value="5"' in refused  # what the juror typed is still in the form
    signed_at = select(Juror.signed_at).where(Juror.name == "Louise Labé")
    assert db.session.execute(signed_at).scalar() is None

    # Scores: A 7+3+6+3 = 9.5 (mean 6.5 + 3), B and C 8 + 4 = 12 each, D 3.
    louise = {
        (numbers["Alba"], 1): 7, (numbers["Alba"], 2): 3,
        (numbers["Basile"], 1): 8, (numbers["Basile"], 2): 4,
        (numbers["Capucine"], 1): 9, (numbers["Capucine"], 2): 3,
        (numbers["Dante"], 1): 2, (numbers["Dante"], 2): 1,
    }  # fmt: skip
    paul = {
        (numbers["Alba"], 1): 6, (numbers["Alba"], 2): 3,
        (numbers["Basile"], 1): 8, (numbers["Basile"], 2): 4,
        (numbers["Capucine"], 1): 7, (numbers["Capucine"], 2): 5,
        (numbers["Dante"], 1): 2, (numbers["Dante"], 2): 1,
    }  # fmt: skip
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', juror_client.get(first).get_data(True))[
        1
    ]
    assert _score(juror_client, first, louise, "sign").status_code == 303
    signed = juror_client.get(first).get_data(as_text=True)
    assert "Vous avez signé le procès-verbal" in signed and 'name="s_' not in signed
    # Signed scores are final: a later post changes nothing.
    _score(juror_client, first, {(numbers["Dante"], 1): 10}, token=csrf)
    dante = select(Entry.id).where(Entry.contest_id == contest.id, Entry.number == numbers["Dante"])
    kept = (
        select(JuryScore.points)
        .join(Juror)
        .where(
            Juror.name == "Louise Labé",
            JuryScore.criterion == 1,
            JuryScore.entry_id == dante.scalar_subquery(),
        )
    )
    assert db.session.execute(kept).scalar() == 2
    assert _score(app.test_client(), second, paul, "sign").status_code == 303

    # The organizer notes the exact value, then closes the deliberation.
    assert post_form(client, jury_page + "/close", page=jury_page).status_code == 302
    refusal = client.get(jury_page).get_data(as_text=True)
    assert "Note the exact answer to the tie-breaker question first." in refusal
    db.session.expire_all()
    assert contest.jury_closed_at is None
    post_form(client, jury_page + "/tie-breaker", {"tie_breaker_value": "45"}, page=jury_page)
    post_form(client, jury_page + "/close", page=jury_page)
    db.session.expire_all()
    assert contest.jury_closed_at is not None and len(contest.jury_ranking_sha256) == 64
    ranking = json.loads(contest.jury_ranking)
    order = [row["entry"] for row in ranking["ranking"]]
    assert order == [numbers[n] for n in ("Capucine", "Basile", "Alba", "Dante")]
    assert ranking["winners"] == [{"rank": 1, "entry": numbers["Capucine"], "prize_position": 1}]
    assert ranking["alternates"] == [{"rank": 2, "entry": numbers["Basile"]}]
    # The winner is mailed, in French, with the deadline; nobody else.
    won = (
        db.session.execute(
            select(OutboxMessage).where(OutboxMessage.subject.startswith("Vous avez gagné"))
        )
        .scalars()
        .all()
    )
    assert [m.recipient for m in won] == ["capucine@example.org"]
    assert "classé votre participation" in won[0].body and "15" not in won[0].subject
    # The deadline the rules give: claim_days (15) from the mail, in the contest's zone.
    deadline = (contest.jury_closed_at + timedelta(days=15)).astimezone(ZoneInfo("Europe/Paris"))
    assert f"avant le {format_date(deadline, 'long', locale='fr')}" in won[0].body
    # Closing twice changes nothing.
    post_form(client, jury_page + "/close", page=jury_page)
    db.session.expire_all()
    mailed = select(func.count()).where(OutboxMessage.subject.startswith("Vous avez gagné"))
    assert db.session.execute(mailed).scalar() == 1

    report = client.get(jury_page + "/report.pdf")
    assert report.status_code == 200 and report.mimetype == "application/pdf"
    text = pdf_text(report.data)
    for expected in (
        "Procès-verbal du jury",
        "Louise Labé",
        "Paul Verlaine",
        "Originalité",
        "12.00",
        "réponse 47, à 2 de la valeur exacte",
        "réponse 40, à 5 de la valeur exacte",
        "Capucine Poète",
        "Basile Poète",
        contest.jury_ranking_sha256,
        "signé sur sa page personnelle",
    ):
        assert expected in text, expected
    # Another organization cannot reach this jury.
    other = app.test_client()
    factory.organization("Théâtre", owner=factory.user("bob@example.org"))
    sign_in(other, "bob@example.org")
    assert other.get(jury_page).status_code == 404
    assert other.get(jury_page + "/report.pdf").status_code == 404


def _picture(size=(2400, 1200), fmt="JPEG") -> bytes:
    image = Image.new("RGB", size, (200, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x8825] = {2: (48.0, 51.0, 24.0)}  # GPS latitude
    out = io.BytesIO()
    image.save(out, fmt, exif=exif.tobytes()) if fmt == "JPEG" else image.save(out, fmt)
    return out.getvalue()


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (b"not a picture at all", "n’est pas une image que nous pouvons lire"),
        ("bomb", "trop de pixels"),
        (b"", "Choisissez une image à envoyer"),
    ],
)
def test_a_bad_picture_is_refused_in_french_and_nothing_is_stored(
    app, client, db, factory, museum, upload, message
):
    contest = _jury_contest(factory, museum, db, slug="photos", work_kind="image")
    if upload == "bomb":
        out = io.BytesIO()
        Image.new("1", (8000, 6000)).save(out, "PNG")  # 48 megapixels in a few kilobytes
        upload = out.getvalue()
    response = _enter_with_picture(client, upload)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True).replace("'", "’")
    assert _entries(db, contest) == 0


def _enter_with_picture(client, data: bytes, email="photo@example.org"):
    html = client.get("/c/photos").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in html
    token = re.search(r'name="form_token" type="hidden" value="([^"]+)"', html)[1]
    return client.post(
        "/c/photos",
        data={
            "form_token": token,
            "first_name": "Zoé",
            "last_name": "Durand",
            "email": email,
            "accept_rules": "y",
            "tie_breaker": "12",
            "work": (io.BytesIO(data), "photo.jpg"),
        },
        content_type="multipart/form-data",
    )


def test_a_picture_is_re_encoded_without_its_metadata_and_shown_only_to_the_jury(
    app, client, db, factory, museum
):
    contest = _jury_contest(factory, museum, db, slug="photos", work_kind="image")
    upload = _picture()
    assert b"SpyCam" in upload
    response = _enter_with_picture(client, upload)
    assert response.status_code == 303, response.get_data(as_text=True)
    work = db.session.execute(select(Work)).scalar_one()
    stored = Image.open(io.BytesIO(work.image))
    assert stored.format == "JPEG" and stored.size == (2000, 1000) == (work.width, work.height)
    assert not stored.getexif() and b"SpyCam" not in work.image
    number = db.session.execute(select(Entry.number)).scalar()
    admin_image = f"/admin/o/{museum.id}/contests/{contest.id}/jury/works/{number}.jpg"
    assert client.get(admin_image).status_code == 302  # sign-in first
    sign_in(client, "alice@example.org")
    picture = client.get(admin_image)
    assert picture.mimetype == "image/jpeg" and picture.data == work.image
    link = _add_juror(client, museum, contest, "Nadar", "nadar@example.org")
    juror = app.test_client()
    assert juror.get(f"{link}/works/{number}.jpg").data == work.image
    assert juror.get(f"/jury/not-a-token/works/{number}.jpg").status_code == 404
    # The entrant's data, as their rights page gives it, includes the work.
    from contests.entries.rights import held_data

    held = held_data(db.session.get(Entry, work.entry_id))
    assert held["entries"][0]["work"] == {"picture": "2000x1000 JPEG", "sha256": work.sha256}
    # Erasing the entry's data erases the work with it.
    from contests.entries.retention import erase

    erase([work.entry_id], datetime.now(UTC))
    db.session.commit()
    assert db.session.execute(select(func.count()).select_from(Work)).scalar() == 0


def test_the_rules_of_a_jury_contest_are_a_contest_s_not_a_draw_s(app, client, db, factory, museum):
    contest = _jury_contest(factory, museum, db)
    text = pdf_text(client.get(f"/c/{contest.slug}/rules.pdf").data)
    for expected in (
        "sans aucun tirage au sort",
        "Originalité 10 points",
        "Style 5 points",
        "la plus proche de la valeur exacte",
        "dès la clôture de la délibération du jury",
        "au suppléant suivant, dans l’ordre du classement du jury",
        "Œuvres et droits d’auteur",
        "pour une durée de deux ans",
        "Un poème sur l’automne.",
        "œuvres comprises",
    ):
        assert expected in text.replace("'", "’"), expected
    for draw_words in ("tirage complémentaire", "sans nouveau tirage", "page du tirage"):
        assert draw_words not in text
    plain = _jury_contest(factory, museum, db, slug="sans-oeuvre", work_kind="")
    text = pdf_text(client.get(f"/c/{plain.slug}/rules.pdf").data)
    assert "droits d" not in text and "Œuvres" not in text


def test_the_purge_waits_for_a_jury_on_the_product_not_for_one_judged_elsewhere(
    app, db, factory, museum
):
    from dateutil.relativedelta import relativedelta

    from contests.entries.retention import due, waiting_for
    from contests.jury.panel import add_juror

    judged_here = _jury_contest(factory, museum, db, slug="ici")
    elsewhere = _jury_contest(factory, museum, db, slug="ailleurs")
    for contest in (judged_here, elsewhere):
        factory.entry(contest, email=f"{contest.slug}@example.org", work_text=TEXT)
        contest.ends_at = datetime.now(UTC) - relativedelta(months=13)
        contest.starts_at = contest.ends_at - timedelta(days=10)
    add_juror(judged_here, "Louise Labé", "louise@example.org", None, "http://localhost")
    db.session.commit()
    assert waiting_for(judged_here) == "jury" and waiting_for(elsewhere) is None
    ids = {contest_id for contest_id, _ in due(datetime.now(UTC))}
    assert elsewhere.id in ids and judged_here.id not in ids
