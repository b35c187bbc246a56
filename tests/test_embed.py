"""The embeddable form, server side: framing rules, caching, attribution, settings.

The same flows in a real browser, third-party cookies blocked, are in test_browser.py.
"""

import html
import io
import json
import re
from html.parser import HTMLParser

import pytest
from PIL import Image
from sqlalchemy import event, select

from contests.models import AuditEvent, Entry
from helpers import post_form, sign_in

TOKEN = re.compile(r'name="form_token" type="hidden" value="([^"]+)"')


@pytest.fixture
def contest(factory, museum):
    return factory.contest(museum, publish=True, slug="widget", min_age=0)


def _embed_post(client, slug, token, **fields):
    data = {
        "form_token": token,
        "first_name": "Léa",
        "last_name": "Petit",
        "email": "lea@example.org",
        "accept_rules": "y",
        **fields,
    }
    return client.post(f"/embed/{slug}", data=data, headers={"Origin": "http://localhost"})


def test_embed_is_framable_only_as_configured_and_admin_never(app, client, db, contest, museum):
    response = client.get("/embed/widget")
    assert response.status_code == 200
    assert "frame-ancestors *" in response.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in response.headers
    contest.embed_origins = "https://www.musee.fr\nhttp://127.0.0.2:8000"
    db.session.commit()
    csp = client.get("/embed/widget").headers["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://www.musee.fr http://127.0.0.2:8000" in csp
    for path in (
        "/c/widget",
        "/auth/login",
        f"/admin/o/{museum.id}/contests/{contest.id}/embed",
        "/c/widget/rules",
    ):
        response = client.get(path)
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"], path
        assert response.headers["X-Frame-Options"] == "DENY", path


def test_embed_page_is_cacheable_and_writes_nothing(app, client, db, contest):
    statements = []

    def count(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        first = client.get("/embed/widget")
        second = client.get("/embed/widget", headers={"If-None-Match": first.headers["ETag"]})
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert statements == []
    assert (
        "public" in first.headers["Cache-Control"] and "max-age=" in first.headers["Cache-Control"]
    )
    assert second.status_code == 304
    assert "Set-Cookie" not in first.headers


def test_embedded_entry_records_attribution_and_stays_in_the_frame(app, client, db, contest):
    token = TOKEN.search(client.get("/embed/widget").get_data(as_text=True)).group(1)
    app.config["MIN_FILL_SECONDS"] = 0
    response = _embed_post(
        client,
        "widget",
        token,
        host_page="https://www.musee.fr/expo?id=3",
        utm_source="newsletter",
        utm_campaign="noel<script>",
    )
    assert response.status_code == 303
    thanks = response.headers["Location"]
    assert thanks.startswith("/embed/widget/thanks?receipt=") and "host=https" in thanks
    page = client.get(thanks)
    assert "frame-ancestors *" in page.headers["Content-Security-Policy"]
    entry = db.session.execute(select(Entry)).scalar_one()
    assert entry.source == "newsletter"
    assert json.loads(entry.attribution) == {
        "host": "https://www.musee.fr/expo?id=3",
        "utm_source": "newsletter",
        "utm_campaign": "noel<script>",
    }
    # The second click (or the second tab) of the same person: a friendly, framable refusal.
    again = _embed_post(client, "widget", token, host_page="https://www.musee.fr/expo?id=3")
    assert (
        again.status_code == 409 and "frame-ancestors *" in again.headers["Content-Security-Policy"]
    )
    assert db.session.execute(select(Entry)).scalars().all() == [entry]


def test_host_not_allowed_cannot_send_the_form(app, client, db, contest):
    contest.embed_origins = "https://www.musee.fr"
    db.session.commit()
    app.config["MIN_FILL_SECONDS"] = 0
    token = TOKEN.search(client.get("/embed/widget").get_data(as_text=True)).group(1)
    response = _embed_post(client, "widget", token, host_page="https://evil.example/page")
    assert response.status_code == 403
    assert "ne peut pas être utilisé sur ce site" in response.get_data(as_text=True)
    response = client.post(
        "/embed/widget",
        data={
            "form_token": token,
            "first_name": "A",
            "last_name": "B",
            "email": "x@example.org",
            "accept_rules": "y",
        },
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403
    assert db.session.execute(select(Entry)).scalars().all() == []


def _png(size=(800, 400), color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


def test_embed_settings_validate_and_apply(app, client, db, contest, museum):
    sign_in(client, "alice@example.org")
    page = f"/admin/o/{museum.id}/contests/{contest.id}/embed"
    shown = html.unescape(client.get(page).get_data(as_text=True))  # the text boxes, as read
    assert 'data-contest="widget"' in shown and "/embed.js" in shown and "<iframe src=" in shown
    response = post_form(
        client,
        page,
        {
            "embed_origins": "https://www.musee.fr/page\nftp://x",
            "brand_color": "#ffff00",
            "logo": (io.BytesIO(b"<svg onload=alert(1)>"), "logo.png"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "https://www.musee.fr/page, ftp://x" in text
    assert "contrast" in text and "4.5:1" in text
    assert "not a PNG, JPEG, GIF or WebP picture" in text
    db.session.expire_all()
    assert contest.embed_origins == "" and contest.brand_color == "" and not contest.logo_sha256
    response = post_form(
        client,
        page,
        {
            "embed_origins": "HTTPS://www.Musee.fr/\nhttps://blog.musee.fr",
            "brand_color": "#1D4ED8",
            "logo": (io.BytesIO(_png()), "logo.png"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert (
        contest.embed_origins == "https://www.musee.fr\nhttps://blog.musee.fr"
        and contest.brand_color == "#1d4ed8"
    )
    stored = Image.open(io.BytesIO(contest.logo_png))
    assert stored.format == "PNG" and stored.size == (400, 200)  # fitted in 600 x 200
    assert (
        client.get("/c/widget/theme.css").get_data(as_text=True).strip()
        == ":root { --accent: #1d4ed8; }"
    )
    logo = client.get(f"/c/widget/logo.png?v={contest.logo_sha256[:12]}")
    assert logo.mimetype == "image/png" and logo.data == contest.logo_png
    assert "/c/widget/theme.css" in client.get("/embed/widget").get_data(as_text=True)
    assert "contest.embed_updated" in db.session.execute(select(AuditEvent.action)).scalars().all()


class _Tags(HTMLParser):
    """The elements and attributes a browser would build from pasted HTML."""

    def __init__(self):
        super().__init__()
        self.tags, self.text = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


@pytest.mark.parametrize(
    "title", ['"><img src=x onerror=alert(1)>', "Jeu « été » & </textarea><script>x()</script>"]
)
def test_snippets_keep_the_title_as_text_on_the_clients_page(
    app, client, db, factory, museum, title
):
    """What the organizer copies from the text box and pastes on the client's site is inert."""
    contest = factory.contest(museum, publish=True, slug="extrait", title=title)
    sign_in(client, "alice@example.org")
    page = client.get(f"/admin/o/{museum.id}/contests/{contest.id}/embed").get_data(as_text=True)
    for box, elements in (("snippet-script", ["a", "script"]), ("snippet-iframe", ["iframe"])):
        start = page.index(">", page.index(f'id="{box}"')) + 1
        copied = html.unescape(page[start : page.index("</textarea>", start)])  # what a copy gives
        pasted = _Tags()
        pasted.feed(copied)
        assert [tag for tag, _ in pasted.tags] == elements, pasted.tags
        titles = [attrs.get("data-title") or attrs.get("title") for _, attrs in pasted.tags]
        assert title in titles
    assert "</textarea><script>" not in page


def test_a_huge_picture_is_refused_before_it_is_decoded(app, client, db, contest, museum):
    """A 5000 x 5000 PNG weighs little, and 100 MB decoded: its header is enough to say no."""
    picture = io.BytesIO()
    Image.new("P", (5000, 5000)).save(picture, format="PNG")
    assert len(picture.getvalue()) < 512 * 1024
    sign_in(client, "alice@example.org")
    response = post_form(
        client,
        f"/admin/o/{museum.id}/contests/{contest.id}/embed",
        {"logo": (io.BytesIO(picture.getvalue()), "logo.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "5000 x 5000 pixels" in response.get_data(as_text=True)
    db.session.expire_all()
    assert not contest.logo_sha256
