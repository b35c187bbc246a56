"""Organizer passwords: strength, change, reset by mail; each ends the sessions it should."""

import re

import pytest
from sqlalchemy import func, select

from contests.models import AuditEvent, OutboxMessage
from helpers import PASSWORD, post_form, sign_in

STRONG = "velo marmotte cerise 1987 nuage"


def _count(db, model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar()


@pytest.mark.parametrize(
    "weak",
    ["Password123!", "azertyuiop12", "motdepasse2026", "carol@example.org1", "Théâtre Carol 2026"],
)
def test_common_and_personal_passwords_are_refused(app, runner, db, weak):
    result = runner.invoke(
        args=[
            "create-organizer",
            "carol@example.org",
            "--password",
            weak,
            "--organization",
            "Théâtre",
        ]
    )
    assert result.exit_code == 1 and "too easy to guess" in result.output, result.output
    result = runner.invoke(
        args=[
            "create-organizer",
            "carol@example.org",
            "--password",
            STRONG,
            "--organization",
            "Théâtre",
        ]
    )
    assert result.exit_code == 0, result.output


def test_change_password_keeps_this_session_and_ends_the_others(app, client, db, factory):
    factory.user("alice@example.org")
    laptop = app.test_client()
    sign_in(laptop, "alice@example.org")
    sign_in(client, "alice@example.org")
    page = "/auth/password"
    wrong = post_form(client, page, {"current_password": "nope-nope-nope", "password": STRONG})
    assert wrong.status_code == 400 and "not your current password" in wrong.get_data(as_text=True)
    weak = post_form(client, page, {"current_password": PASSWORD, "password": "azertyuiop12"})
    assert weak.status_code == 400 and "too easy to guess" in weak.get_data(as_text=True)
    done = post_form(client, page, {"current_password": PASSWORD, "password": STRONG})
    assert done.status_code == 302
    assert client.get("/admin/organizations").status_code == 200  # this browser stays in
    assert laptop.get("/admin/organizations").status_code == 302  # the other one is out
    other = app.test_client()
    assert sign_in(other, "alice@example.org").status_code == 401
    assert sign_in(other, "alice@example.org", STRONG).status_code == 302


def test_password_reset_by_mail(app, client, db, factory):
    factory.user("alice@example.org")
    signed_in = app.test_client()
    sign_in(signed_in, "alice@example.org")
    known = post_form(client, "/auth/reset", {"email": "ALICE@example.org"})
    unknown = post_form(client, "/auth/reset", {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert "on its way" in known.get_data(as_text=True) and "on its way" in unknown.get_data(
        as_text=True
    )
    (mail,) = db.session.execute(select(OutboxMessage)).scalars().all()
    assert mail.recipient == "alice@example.org"
    link = re.search(r"http://localhost(/auth/reset/\S+)", mail.body).group(1)
    assert "Choose a new password" in client.get(link).get_data(as_text=True)
    weak = post_form(client, link, {"password": "azertyuiop12"})
    assert weak.status_code == 400 and "too easy to guess" in weak.get_data(as_text=True)
    assert post_form(client, link, {"password": STRONG}).status_code == 302
    assert signed_in.get("/admin/organizations").status_code == 302  # every session ended
    assert sign_in(app.test_client(), "alice@example.org").status_code == 401
    assert sign_in(app.test_client(), "alice@example.org", STRONG).status_code == 302
    # The link works once: the password it was made for is gone.
    again = client.get(link).get_data(as_text=True)
    assert "already been used" in again and 'name="password"' not in again
    actions = db.session.execute(select(AuditEvent.action)).scalars().all()
    assert "user.password_reset_requested" in actions and "user.password_reset" in actions


def test_an_expired_or_forged_reset_link_is_refused(app, client, db, factory, monkeypatch):
    from contests import accounts

    alice = factory.user("alice@example.org")
    with app.test_request_context():
        token = accounts.reset_token(alice)
    monkeypatch.setattr(accounts, "RESET_MAX_AGE", -1)
    expired = client.get(f"/auth/reset/{token}")
    assert expired.status_code == 400 and "expired" in expired.get_data(as_text=True)
    forged = client.get(f"/auth/reset/{token[:-4]}AAAA")
    assert forged.status_code == 400 and "not valid" in forged.get_data(as_text=True)
    assert _count(db, OutboxMessage) == 0
