"""A client's brand kit: typed once, inherited by new contests (form, look, mail sender), and
never rewriting a contest already created."""

import html
import io
import json

from PIL import Image
from sqlalchemy import select
from test_mail import smtp  # noqa: F401 - the real SMTP server fixture

from contests.models import AuditEvent, Contest
from helpers import enter, post_form, sign_in

KIT = {
    "name": "Théâtre du Rond-Point",
    "language": "en",
    "jurisdiction": "GB",
    "timezone": "Europe/London",
    "legal_name": "Rond-Point Productions Ltd",
    "legal_form": "Private limited company",
    "registration_number": "Company no. 01234567",
    "share_capital": "",
    "legal_address": "2 Avenue Franklin D. Roosevelt, 75008 Paris",
    "contact_email": "jeux@theatre.example",
    "agency": "Agence Lumière",
    "dpo_contact": "dpo@theatre.example",
    "data_retention_months": "6",
    "winners_retention_months": "24",
    "data_recipients": "",
    "data_transfers": "",
    "embed_origins": "https://www.theatre.example",
    "brand_color": "#7c2d12",
    "mail_sender_name": "Le Rond-Point",
    "mail_reply_to": "billetterie@theatre.example",
}


def _png(color=(124, 45, 18)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 100), color).save(out, format="PNG")
    return out.getvalue()


def _save_kit(client, org_id, **changes):
    return post_form(
        client,
        f"/admin/o/{org_id}/brand-kit",
        {**KIT, **changes},
        content_type="multipart/form-data",
    )


def test_bad_values_are_refused_together_and_nothing_is_saved(app, client, db, museum):
    sign_in(client, "alice@example.org")
    # Field by field (the contest form's own validators)...
    response = _save_kit(
        client,
        museum.id,
        name="  ",
        contact_email="not an address",
        mail_reply_to="nope@",
        timezone="Mars/Olympus",
        data_retention_months="0",
    )
    assert response.status_code == 400
    text = html.unescape(response.get_data(as_text=True))
    for message in (
        "This field is required.",
        "Enter a valid email address",
        "“Mars/Olympus” is not a known time zone",
        "Number must be between 1 and 120.",
    ):
        assert message in text, message
    # ...then the look, through the embed page's checks, every problem at once.
    response = _save_kit(
        client,
        museum.id,
        brand_color="#ffff00",
        embed_origins="ftp://x",
        logo=(io.BytesIO(b"<svg onload=alert(1)>"), "logo.png"),
    )
    assert response.status_code == 400
    text = html.unescape(response.get_data(as_text=True))
    for message in ("contrast", "ftp://x", "not a PNG, JPEG, GIF or WebP picture"):
        assert message in text, message
    db.session.expire_all()
    assert museum.name == "Musée" and museum.legal_name == "" and not museum.logo_sha256


def test_new_contests_start_from_the_kit_and_keep_their_copy(app, client, db, museum, factory):
    sign_in(client, "alice@example.org")
    older = factory.contest(museum, slug="avant")
    response = _save_kit(client, museum.id, logo=(io.BytesIO(_png()), "logo.png"))
    assert response.status_code == 302
    db.session.expire_all()
    assert museum.name == "Théâtre du Rond-Point" and museum.brand_color == "#7c2d12"
    assert Image.open(io.BytesIO(museum.logo_png)).format == "PNG"
    event = db.session.execute(
        select(AuditEvent).where(AuditEvent.action == "organization.brand_kit_updated")
    ).scalar_one()
    assert {"legal_name", "mail_sender_name", "logo"} <= set(json.loads(event.data)["fields"])

    # The new-contest form shows the kit's values, to keep or change.
    page = html.unescape(client.get(f"/admin/o/{museum.id}/contests/new").get_data(as_text=True))
    assert 'value="Rond-Point Productions Ltd"' in page
    assert '<option selected value="GB">' in page and 'value="Europe/London"' in page
    assert 'value="6"' in page

    # One value changed on the way (the contest overrides the kit), the rest kept.
    form = {
        **{k: v for k, v in KIT.items() if k not in ("name", "embed_origins", "brand_color")},
        "mail_sender_name": None,
        "mail_reply_to": None,
        "title": "Win two seats",
        "slug": "seats",
        "registration_number": "Company no. 07654321",
        "entry_policy": "once",
        "alternates_per_prize": "2",
        "phone_field": "off",
        "postal_code_field": "off",
        "draw_algorithm": "vdraw-v1",
        "entropy_format": "free",
        "mechanic": "random_draw",
    }
    form = {k: v for k, v in form.items() if v is not None}
    response = post_form(client, f"/admin/o/{museum.id}/contests/new", form)
    assert response.status_code == 302, response.get_data(as_text=True)
    new = db.session.execute(select(Contest).where(Contest.slug == "seats")).scalar_one()
    assert (new.language, new.jurisdiction, new.timezone) == ("en", "GB", "Europe/London")
    assert new.legal_name == "Rond-Point Productions Ltd" and new.agency == "Agence Lumière"
    assert new.registration_number == "Company no. 07654321"
    assert new.data_retention_months == 6 and new.winners_retention_months == 24
    assert new.embed_origins == "https://www.theatre.example" and new.brand_color == "#7c2d12"
    assert new.logo_png == museum.logo_png and new.logo_sha256 == museum.logo_sha256
    assert (new.mail_sender_name, new.mail_reply_to) == (
        "Le Rond-Point",
        "billetterie@theatre.example",
    )

    # A later change of the kit leaves both contests as they were.
    assert _save_kit(client, museum.id, legal_name="Autre SAS").status_code == 302
    db.session.expire_all()
    assert new.legal_name == "Rond-Point Productions Ltd"
    assert older.legal_name == "Société Test SAS" and older.brand_color == ""


def test_mails_to_entrants_come_from_the_kits_sender(app, client, db, museum, factory, smtp):  # noqa: F811
    app.config["SMTP_URL"] = smtp.url
    sign_in(client, "alice@example.org")
    assert _save_kit(client, museum.id, language="fr").status_code == 302
    db.session.expire_all()
    contest = factory.contest(museum, publish=True, slug="sender", min_age=0, double_opt_in=True)
    assert contest.mail_sender_name == "Le Rond-Point"
    enter(client, "sender", email="jeanne@example.org").close()
    (mail,) = smtp.messages
    assert mail["From"].addresses[0].display_name == "Le Rond-Point"
    assert mail["Reply-To"] == "billetterie@theatre.example"

    # The contest's own sender, set on its embed page, wins over the kit's.
    page = f"/admin/o/{museum.id}/contests/{contest.id}/embed"
    response = post_form(
        client, page, {"mail_sender_name": "Rond-Point : jeu", "mail_reply_to": "bad@"}
    )
    assert response.status_code == 400
    assert "Enter a valid email address" in response.get_data(as_text=True)
    response = post_form(
        client,
        page,
        {"mail_sender_name": "Rond-Point : jeu", "mail_reply_to": "jeu@theatre.example"},
    )
    assert response.status_code == 302
    enter(client, "sender", email="paul@example.org").close()
    assert smtp.messages[-1]["From"].addresses[0].display_name == "Rond-Point : jeu"
    assert smtp.messages[-1]["Reply-To"] == "jeu@theatre.example"


def test_viewers_see_the_kit_but_cannot_change_it(app, client, db, museum, factory):
    from contests.organizations import add_member

    add_member(museum, "client@example.org", "a long enough password 1", None, role="viewer")
    db.session.commit()
    sign_in(client, "client@example.org", "a long enough password 1")
    assert client.get(f"/admin/o/{museum.id}/brand-kit").status_code == 200
    response = post_form(client, f"/admin/o/{museum.id}/brand-kit", KIT)
    assert response.status_code == 403
    db.session.expire_all()
    assert museum.name == "Musée"
