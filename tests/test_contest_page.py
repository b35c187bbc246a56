"""What the public contest page adds for entrants (issue 16): prize pictures (uploaded, re-encoded,
served cacheable, carried by the JSON file and the duplicate), a countdown to the close and a
share link on the configured public address, within the CSP."""

import base64
import html
import io
import json
import re

import pytest
from PIL import Image
from sqlalchemy import select

from contests.contest.transfer import duplicate_contest, export_contest
from contests.models import Contest
from helpers import post_form, sign_in


def _jpeg(size=(1600, 1200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 90, 160)).save(out, format="JPEG")
    return out.getvalue()


def test_a_prize_picture_is_reencoded_shown_and_carried(app, client, db, factory, museum):
    contest = factory.contest(museum, slug="photos", min_age=0)
    prize = contest.prizes[0]
    sign_in(client, "alice@example.org")
    url = f"/admin/o/{museum.id}/contests/{contest.id}/prizes/{prize.id}/edit"
    fields = {
        "title": "Pass annuel",
        "quantity": "1",
        "unit_value": "50",
        "currency": "EUR",
        "delivery": "collected",
    }
    refused = post_form(
        client,
        url,
        {**fields, "picture": (io.BytesIO(b"<svg onload=alert(1)>"), "p.png")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 400
    assert "not a PNG, JPEG, GIF or WebP picture" in html.unescape(refused.get_data(as_text=True))
    db.session.expire_all()
    assert prize.title == "Lot 1" and not prize.picture_sha256  # nothing saved
    saved = post_form(
        client,
        url,
        {**fields, "picture": (io.BytesIO(_jpeg()), "photo.jpg")},
        content_type="multipart/form-data",
    )
    assert saved.status_code == 302
    db.session.expire_all()
    stored = Image.open(io.BytesIO(prize.picture_png))
    assert stored.format == "PNG" and stored.size == (800, 600)
    assert prize.delivery == "collected" and prize.title == "Pass annuel"

    # Carried by the JSON file and by "duplicate".
    document = json.loads(json.dumps(export_contest(contest)))
    assert base64.b64decode(document["prizes"][0]["picture_png"]) == prize.picture_png
    copy = duplicate_contest(contest, None)
    db.session.commit()
    assert copy.prizes[0].picture_sha256 == prize.picture_sha256

    # Published: on the public page, with its title as text alternative, cached by its hash.
    from contests.contest.publishing import publish_contest

    publish_contest(contest, None, factory.now)
    db.session.commit()
    page = client.get("/c/photos").get_data(as_text=True)
    src = f"/c/photos/prizes/{prize.id}.png?v={prize.picture_sha256[:12]}"
    assert f'<img class="prize-picture" src="{src}" alt="Pass annuel"' in page
    picture = client.get(src)
    assert picture.mimetype == "image/png" and picture.data == prize.picture_png
    assert "max-age=86400" in picture.headers["Cache-Control"]
    again = client.get(src, headers={"If-None-Match": picture.headers["ETag"]})
    assert again.status_code == 304
    # A draft's picture is not public; another contest's prize id is not found.
    assert client.get(f"/c/{copy.slug}/prizes/{copy.prizes[0].id}.png").status_code == 404
    assert client.get(f"/c/photos/prizes/{copy.prizes[0].id}.png").status_code == 404


@pytest.mark.parametrize(
    ("language", "closes", "share"),
    [("fr", "dans 4 semaines", "Partager ce jeu"), ("en", "in 4 weeks", "Share this contest")],
)
def test_the_page_counts_down_and_offers_a_share_link(
    app, client, db, factory, museum, language, closes, share
):
    contest = factory.contest(museum, publish=True, slug=f"bientot-{language}", language=language)
    page = html.unescape(
        client.get(f"/c/{contest.slug}", headers={"Host": "localhost"}).get_data(as_text=True)
    )
    countdown = re.search(r'<time datetime="([^"]+)" data-countdown>([^<]+)</time>', page)
    assert countdown and countdown.group(1) == contest.ends_at.isoformat()
    assert countdown.group(2) == closes  # 29 to 30 days
    assert share in page
    # The address shared is the configured public one, whatever Host the request named.
    assert f'data-share="{app.config["BASE_URL"].rstrip("/")}/c/{contest.slug}"' in page
    assert '<script src="/static/public.js" defer></script>' in page
    db.session.expire_all()
    assert (
        db.session.execute(select(Contest.state).where(Contest.id == contest.id)).scalar()
        == "published"
    )
