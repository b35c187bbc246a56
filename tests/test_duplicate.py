"""Reusing a contest (issue 16, "duplicate" in part): the JSON file round-trips everything a draft
holds (terms, prizes, custom questions, allowed sites, colour, logo), and "Duplicate this contest"
makes a new draft of it without dates."""

import base64
import io
import json

from PIL import Image
from sqlalchemy import select

from contests.contest.editing import add_question
from contests.contest.embedding import update_embed_settings
from contests.contest.transfer import export_contest, import_contest
from contests.errors import ValidationFailed
from contests.models import Contest
from helpers import post_form, sign_in


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), (200, 30, 60)).save(buffer, "PNG")
    return buffer.getvalue()


def _full_draft(factory, museum, db):
    contest = factory.contest(museum, prizes=2, slug="complet", description="Deux lots")
    add_question(
        contest, {"label": "Votre musée préféré ?", "kind": "text", "required": True}, None
    )
    add_question(
        contest,
        {
            "label": "Vous venez…",
            "kind": "choice",
            "choices": "seul\nen famille",
            "required": False,
        },
        None,
    )
    update_embed_settings(
        contest,
        "https://www.musee.example\nhttps://blog.musee.example",
        "#1d4ed8",
        _png(),
        False,
        None,
        ("Musée : jeux", "jeux@musee.example"),
    )
    db.session.commit()
    return contest


def _shape(contest):
    return {
        "questions": [(q.label, q.kind, q.choices, q.required) for q in contest.questions],
        "prizes": [(p.title, p.quantity, p.unit_value_minor, p.delivery) for p in contest.prizes],
        "look": (
            contest.embed_origins,
            contest.brand_color,
            contest.logo_sha256,
            contest.mail_sender_name,
            contest.mail_reply_to,
        ),
        "terms": (contest.description, contest.legal_name, contest.data_retention_months),
    }


def test_the_file_round_trips_everything_a_draft_holds(app, db, factory, museum):
    original = _full_draft(factory, museum, db)
    document = json.loads(json.dumps(export_contest(original)))  # through real JSON
    assert [q["choices"] for q in document["questions"]] == [[], ["seul", "en famille"]]
    assert document["look"]["embed_origins"] == [
        "https://www.musee.example",
        "https://blog.musee.example",
    ]
    theatre = factory.organization("Théâtre")
    copy = import_contest(theatre, document, None, slug="complet-theatre")
    db.session.commit()
    assert _shape(copy) == _shape(original) and copy.organization_id == theatre.id
    assert copy.logo_png == original.logo_png


def test_a_bad_question_or_look_is_named_with_its_path_and_nothing_is_written(
    app, db, factory, museum
):
    document = export_contest(_full_draft(factory, museum, db))
    document["contest"]["slug"] = "autre"
    document["questions"][1]["choices"] = ["seul"]
    document["questions"].append({"label": "", "kind": "text", "surprise": 1})
    document["look"]["brand_color"] = "#ffff00"  # white text on yellow: unreadable
    document["look"]["logo_png"] = base64.b64encode(b"not a png").decode()
    before = db.session.execute(select(Contest.id)).all()
    try:
        import_contest(museum, document, None)
    except ValidationFailed as error:
        problems = error.errors["file"]
    else:
        raise AssertionError("the import should have been refused")
    db.session.rollback()
    text = "\n".join(str(p) for p in problems)
    assert "questions[1].choices: Give at least two options" in text
    assert "questions[2].surprise: unknown field" in text
    assert "questions[2].label: This field is required." in text
    assert "look.brand_color: Text on this color is hard to read" in text
    assert "look.logo_png:" in text
    assert db.session.execute(select(Contest.id)).all() == before


def test_duplicate_makes_a_dateless_draft_with_everything_else(app, client, db, factory, museum):
    original = _full_draft(factory, museum, db)
    sign_in(client, "alice@example.org")
    page = f"/admin/o/{museum.id}/contests/{original.id}"
    response = post_form(client, page + "/duplicate", page=page)
    assert response.status_code == 302 and response.headers["Location"].endswith("/edit")
    copy = db.session.execute(select(Contest).where(Contest.id != original.id)).scalar_one()
    assert copy.title == f"{original.title} (copie)" and copy.state == "draft"
    assert copy.slug != original.slug
    assert (copy.starts_at, copy.ends_at, copy.draw_at) == (None, None, None)
    assert _shape(copy) == _shape(original)


def test_a_published_contest_can_be_duplicated_too(app, client, db, factory, museum):
    original = factory.contest(museum, publish=True, slug="publie", language="en")
    sign_in(client, "alice@example.org")
    page = f"/admin/o/{museum.id}/contests/{original.id}"
    post_form(client, page + "/duplicate", page=page)
    copy = db.session.execute(select(Contest).where(Contest.id != original.id)).scalar_one()
    assert copy.state == "draft" and copy.title == "Jeu de Noël (copy)"  # in the contest's English
