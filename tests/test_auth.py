"""Sign-in, throttling, session cookie flags, CSRF, redirects."""

import pytest
from sqlalchemy import select

from contests.models import AuditEvent, User
from helpers import PASSWORD, csrf_from, post_form, sign_in


def test_sign_in_and_out(app, client, factory):
    factory.user("alice@example.org")
    response = sign_in(client, "ALICE@example.org ")  # case and spaces do not matter
    assert response.status_code == 302
    assert client.get("/admin/organizations").status_code == 200
    response = post_form(client, "/auth/logout", page="/admin/organizations")
    assert response.status_code == 302
    assert client.get("/admin/organizations").status_code == 302


def test_wrong_password_is_refused_in_the_users_language(app, client, factory):
    factory.user("alice@example.org")
    response = sign_in(client, "alice@example.org", "not the password")
    assert response.status_code == 401
    assert "Wrong email or password." in response.get_data(as_text=True)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr-FR,fr;q=0.9"
    response = sign_in(client, "nobody@example.org", "whatever-whatever")
    assert response.status_code == 401
    assert "E-mail ou mot de passe incorrect." in response.get_data(as_text=True)


def test_password_is_stored_with_a_slow_hash(app, factory, db):
    factory.user("alice@example.org")
    stored = db.session.execute(select(User.password_hash)).scalar_one()
    assert stored.startswith("scrypt:") and PASSWORD not in stored


def test_production_hash_keeps_werkzeugs_full_work_factor(tmp_path):
    """The tests lower scrypt's work factor; an installation keeps Werkzeug's (n=32768, r=8)."""
    from contests import create_app
    from contests.accounts import set_password
    from contests.models import User as Organizer

    app = create_app({"SECRET_KEY": "x" * 40, "INSTANCE_PATH": str(tmp_path)})
    assert app.config["PASSWORD_HASH_METHOD"] == "scrypt"
    with app.app_context():
        organizer = Organizer(email="a@example.org")
        set_password(organizer, PASSWORD)
    assert organizer.password_hash.startswith("scrypt:32768:8:1$")


def test_sign_in_is_throttled_per_account_after_failures(app, client, factory):
    factory.user("alice@example.org")
    for _ in range(5):
        assert sign_in(client, "alice@example.org", "wrong-password").status_code == 401
    # Even the right password is refused now, with a clear message and Retry-After.
    response = sign_in(client, "alice@example.org")
    assert response.status_code == 429
    assert response.headers["Retry-After"]
    assert "Too many attempts" in response.get_data(as_text=True)
    # Another account from the same address is not locked out by Alice's failures.
    factory.user("bob@example.org")
    assert sign_in(client, "bob@example.org").status_code == 302


@pytest.mark.parametrize("alias", ["carol@ｃ.example", "Carol@C.EXAMPLE", " carol@c.example "])
def test_the_account_throttle_counts_every_spelling_of_one_address(app, client, factory, alias):
    """Sign-in normalizes the address; so does the throttle, or each spelling had its own budget."""
    factory.user("carol@c.example")
    for _ in range(5):
        assert sign_in(client, "carol@c.example", "wrong-password").status_code == 401
    assert sign_in(client, alias).status_code == 429


def test_successful_sign_ins_do_not_count_towards_the_throttle(app, client, factory):
    factory.user("alice@example.org")
    for _ in range(8):
        assert sign_in(client, "alice@example.org").status_code == 302
        post_form(client, "/auth/logout", page="/admin/organizations")


def test_session_cookie_flags(app, client, factory):
    factory.user("alice@example.org")
    response = sign_in(client, "alice@example.org")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    https = app.test_client()
    html = https.get("/auth/login", base_url="https://localhost").get_data(as_text=True)
    response = https.post(
        "/auth/login",
        base_url="https://localhost",
        data={"csrf_token": csrf_from(html), "email": "alice@example.org", "password": PASSWORD},
        headers={"Referer": "https://localhost/auth/login"},
    )
    assert response.status_code == 302
    assert "Secure" in response.headers["Set-Cookie"]
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_forms_without_csrf_token_are_refused(app, client, factory):
    factory.user("alice@example.org")
    response = client.post("/auth/login", data={"email": "alice@example.org", "password": PASSWORD})
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)
    sign_in(client, "alice@example.org")
    response = client.post("/admin/organizations", data={"name": "Sans jeton"})
    assert response.status_code == 400


def test_next_parameter_never_leaves_the_site(app, client, factory):
    factory.user("alice@example.org")
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        html = client.get("/auth/login").get_data(as_text=True)
        response = client.post(
            f"/auth/login?next={target}",
            data={
                "csrf_token": csrf_from(html),
                "email": "alice@example.org",
                "password": PASSWORD,
            },
        )
        assert response.status_code == 302
        assert "evil" not in response.headers["Location"], target
        post_form(client, "/auth/logout", page="/admin/organizations")
    html = client.get("/auth/login").get_data(as_text=True)
    response = client.post(
        "/auth/login?next=/admin/organizations",
        data={"csrf_token": csrf_from(html), "email": "alice@example.org", "password": PASSWORD},
    )
    assert response.headers["Location"].endswith("/admin/organizations")


def test_sign_in_is_audited(app, client, factory, db):
    factory.user("alice@example.org")
    sign_in(client, "alice@example.org")
    db.session.expire_all()
    actions = db.session.execute(select(AuditEvent.action)).scalars().all()
    assert "user.signed_in" in actions


def _signed_in_client(app, email: str):
    other = app.test_client()
    assert sign_in(other, email).status_code == 302
    return other


def test_a_saved_cookie_stops_working_after_sign_out(app, client, factory):
    """Sign-out revokes the session on the server: a copy of the cookie is worth nothing."""
    factory.user("alice@example.org")
    sign_in(client, "alice@example.org")
    saved = client.get_cookie("session").value
    assert client.get("/admin/organizations").status_code == 200
    post_form(client, "/auth/logout", page="/admin/organizations")
    client.set_cookie("session", saved)
    response = client.get("/admin/organizations")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_sign_out_everywhere_ends_every_other_session(app, client, factory, db):
    factory.user("alice@example.org")
    factory.user("bob@example.org")
    laptop, phone = _signed_in_client(app, "alice@example.org"), client
    sign_in(phone, "alice@example.org")
    bob = _signed_in_client(app, "bob@example.org")
    response = post_form(phone, "/auth/logout-everywhere", page="/admin/organizations")
    assert response.status_code == 302
    assert laptop.get("/admin/organizations").status_code == 302
    assert bob.get("/admin/organizations").status_code == 200  # nobody else is signed out
    event = db.session.execute(
        select(AuditEvent).where(AuditEvent.action == "user.signed_out_everywhere")
    ).scalar_one()
    assert '"sessions":2' in event.data


def test_a_session_ends_after_its_lifetime(app, db, factory):
    from datetime import UTC, datetime, timedelta

    from contests.accounts import SESSION_HOURS, open_session, session_user

    alice = factory.user("alice@example.org")
    now = datetime.now(UTC)
    token = open_session(alice, now)
    db.session.commit()
    assert (
        session_user(token, now + timedelta(hours=SESSION_HOURS - 1)).email == "alice@example.org"
    )
    assert session_user(token, now + timedelta(hours=SESSION_HOURS, seconds=1)) is None
    assert session_user(str(alice.id), now) is None  # an old cookie held the account id
