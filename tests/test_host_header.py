"""Links come from the configured public address, never from the request's Host header."""

import html
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from contests.models import Entry, OutboxMessage
from contests.winners.drawing import perform_draw
from helpers import enter, sign_in

PUBLIC = "https://jeux.example.org"
ON_PUBLIC_ADDRESS = [{"BASE_URL": PUBLIC}]


def _count(db, model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar()


@pytest.fixture
def optin(factory, museum):
    return factory.contest(museum, publish=True, slug="hote", min_age=0, double_opt_in=True)


@pytest.mark.parametrize(
    "host", ["attacker.example", "attacker.example:443", "jeux.example.org.evil"]
)
@pytest.mark.parametrize("app", ON_PUBLIC_ADDRESS, indirect=True)
def test_a_request_for_an_unknown_host_is_refused_and_queues_nothing(app, client, db, optin, host):
    response = enter(client, "hote", headers={"Host": host})
    assert response.status_code == 400
    assert _count(db, Entry) == 0 and _count(db, OutboxMessage) == 0
    assert client.get("/c/hote", headers={"Host": host}).status_code == 400


@pytest.mark.parametrize("app", ON_PUBLIC_ADDRESS, indirect=True)
def test_mailed_links_use_the_public_address_whatever_host_was_asked(app, client, db, optin):
    """A trusted but different name (the box's own loopback) still gets links on BASE_URL."""
    response = enter(client, "hote", headers={"Host": "127.0.0.1"})
    assert response.status_code == 303
    body = db.session.execute(select(OutboxMessage.body)).scalar_one()
    assert f"{PUBLIC}/c/hote/confirm/" in body and "127.0.0.1" not in body
    resent = client.post("/c/hote/resend", headers={"Host": "127.0.0.1"})
    assert resent.status_code == 400  # no form token: refused before anything is queued
    assert _count(db, OutboxMessage) == 1


@pytest.mark.parametrize("app", ON_PUBLIC_ADDRESS, indirect=True)
def test_rules_qr_codes_and_snippets_use_the_public_address(app, client, db, factory, museum):
    contest = factory.contest(museum, publish=True, slug="liens")
    sign_in(client, "alice@example.org")
    rules = client.get("/c/liens/rules").get_data(as_text=True)
    assert f"{PUBLIC}/c/liens/rules" in rules and "http://localhost/c/liens" not in rules
    admin = f"/admin/o/{museum.id}/contests/{contest.id}"
    assert f"{PUBLIC}/c/liens" in client.get(admin).get_data(as_text=True)
    snippet = html.unescape(client.get(f"{admin}/embed").get_data(as_text=True))
    assert f'src="{PUBLIC}/embed.js"' in snippet and "http://localhost/embed" not in snippet


@pytest.mark.parametrize("app", ON_PUBLIC_ADDRESS, indirect=True)
def test_public_certificate_is_rendered_once_per_record_whatever_the_host(
    app, client, db, factory, museum
):
    contest = factory.contest(museum, publish=True, slug="pv", min_age=0)
    for n in range(3):
        factory.entry(contest, email=f"p{n}@example.org")
    contest.ends_at = datetime.now(UTC) - timedelta(minutes=1)
    contest.draw_at = contest.ends_at  # the draw date the rules announce
    db.session.commit()
    draw = perform_draw(contest, ["1 2 3 4 5"], None, datetime.now(UTC))
    db.session.commit()
    first = client.get(f"/d/{draw.id}/certificate.pdf", headers={"Host": "localhost"})
    second = client.get(f"/d/{draw.id}/certificate.pdf", headers={"Host": "127.0.0.1"})
    assert first.status_code == second.status_code == 200 and first.data == second.data
    assert len(app.extensions["contests.public_certificates"]) == 1


def test_trusted_hosts_follow_the_setting(app):
    from contests.config import trusted_hosts

    assert trusted_hosts("", "https://Jeux.Example.org/") == [
        "jeux.example.org",
        "localhost",
        "127.0.0.1",
    ]
    assert trusted_hosts("a.example, .b.example", "https://x.example") == [
        "a.example",
        ".b.example",
    ]
    assert trusted_hosts("*", "https://x.example") is None
