"""Organizations and their members, from the organizer's workspace."""

from sqlalchemy import func, select

from contests.models import Membership, Organization, User
from helpers import post_form, sign_in


def test_create_organization_and_switch(app, client, factory, db):
    factory.user("alice@example.org")
    sign_in(client, "alice@example.org")
    assert client.get("/admin/").headers["Location"].endswith("/admin/organizations")
    response = post_form(client, "/admin/organizations", {"name": "  Théâtre   du Rond-Point "})
    assert response.status_code == 302
    organization = db.session.execute(select(Organization)).scalar_one()
    assert organization.name == "Théâtre du Rond-Point"
    # The workspace remembers the organization used last.
    assert client.get("/admin/").headers["Location"].endswith(f"/admin/o/{organization.id}/")
    response = post_form(client, "/admin/organizations", {"name": "x" * 201})
    assert (
        response.status_code == 400
        and "Field cannot be longer than 200 characters." in response.get_data(as_text=True)
    )


def test_add_members(app, client, factory, db):
    alice = factory.user("alice@example.org")
    factory.user("bob@example.org")
    museum = factory.organization("Musée", owner=alice)
    sign_in(client, "alice@example.org")
    url = f"/admin/o/{museum.id}/members"
    # An existing organizer joins without a password.
    assert post_form(client, url, {"email": "Bob@example.org"}).status_code == 302
    # A new one needs an initial password, long enough.
    response = post_form(client, url, {"email": "carol@example.org"})
    assert response.status_code == 400 and "give an initial password" in response.get_data(
        as_text=True
    )
    response = post_form(client, url, {"email": "carol@example.org", "password": "short"})
    assert response.status_code == 400 and "at least 10 characters" in response.get_data(
        as_text=True
    )
    response = post_form(client, url, {"email": "not an email", "password": "long enough pw"})
    assert response.status_code == 400 and "Enter a valid email address" in response.get_data(
        as_text=True
    )
    assert (
        post_form(
            client, url, {"email": "carol@example.org", "password": "long enough pw"}
        ).status_code
        == 302
    )
    db.session.expire_all()
    assert db.session.execute(select(func.count()).select_from(User)).scalar() == 3
    assert db.session.execute(select(func.count()).select_from(Membership)).scalar() == 3
    page = client.get(url).get_data(as_text=True)
    assert "bob@example.org" in page and "carol@example.org" in page
    # Carol can sign in and sees the museum.
    other = app.test_client()
    sign_in(other, "carol@example.org", "long enough pw")
    assert "Musée" in other.get("/admin/organizations").get_data(as_text=True)


def test_oversized_upload_is_refused_cleanly(app, client, factory):
    alice = factory.user("alice@example.org")
    museum = factory.organization("Musée", owner=alice)
    sign_in(client, "alice@example.org")

    from helpers import csrf_from

    url = f"/admin/o/{museum.id}/contests/import"
    token = csrf_from(client.get(url).get_data(as_text=True))
    # A raw body (not the test client's multipart encoder, which spools it to a temp file).
    response = client.post(
        url,
        data=b"x" * (5 * 1024 * 1024),
        content_type="multipart/form-data; boundary=----bound",
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 413
    assert "File too large" in response.get_data(as_text=True)
