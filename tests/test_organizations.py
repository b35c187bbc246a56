"""Organizations and their members, from the organizer's workspace."""

import re

from sqlalchemy import func, select

from contests.members import role_of
from contests.models import Contest, Membership, Organization, OutboxMessage, User
from contests.organizations import add_member
from helpers import csrf_from, post_form, sign_in


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


def _invitation_link(db, email: str) -> str:
    body = db.session.execute(
        select(OutboxMessage.body)
        .where(OutboxMessage.recipient == email)
        .order_by(OutboxMessage.id.desc())
    ).scalar()
    return (
        re.search(r"https?://\S+/auth/invitation/\S+", body)
        .group(0)
        .replace("http://localhost", "")
    )


def test_an_invitation_is_accepted_by_the_invitee_not_imposed(app, client, factory, db):
    alice = factory.user("alice@example.org")
    factory.user("bob@example.org")
    museum = factory.organization("Musée", owner=alice)
    sign_in(client, "alice@example.org")
    url = f"/admin/o/{museum.id}/members"
    # An existing organizer and a new address: the same answer, and nobody joins yet.
    for email in ("Bob@example.org", "carol@example.org"):
        response = post_form(client, url, {"email": email, "role": "editor"})
        assert response.status_code == 302
    response = post_form(client, url, {"email": "not an email", "role": "editor"})
    assert response.status_code == 400 and "Enter a valid email address" in response.get_data(
        as_text=True
    )
    db.session.expire_all()
    assert db.session.execute(select(func.count()).select_from(Membership)).scalar() == 1
    page = client.get(url).get_data(as_text=True)
    assert 'data-invitation="bob@example.org"' in page
    assert 'data-invitation="carol@example.org"' in page

    # Bob signs in and accepts; signed in as somebody else, he could not.
    bob = app.test_client()
    link = _invitation_link(db, "bob@example.org")
    assert "An account exists for bob@example.org" in bob.get(link).get_data(as_text=True)
    sign_in(bob, "bob@example.org")
    post_form(bob, link)
    bob_user = db.session.execute(select(User).where(User.email == "bob@example.org")).scalar()
    assert role_of(bob_user, museum.id) == "editor"
    assert bob.get(link).status_code == 410  # used once

    # Carol has no account: she chooses her password on the page, and is signed in.
    carol = app.test_client()
    link = _invitation_link(db, "carol@example.org")
    response = post_form(carol, link, {"password": "short"})
    assert response.status_code == 400 and "at least 10 characters" in response.get_data(
        as_text=True
    )
    assert post_form(carol, link, {"password": "mots de passe longs"}).status_code == 302
    assert "Musée" in carol.get("/admin/organizations").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.execute(select(func.count()).select_from(Membership)).scalar() == 3
    # A forged or tampered link is nothing.
    assert app.test_client().get("/auth/invitation/xyz").status_code == 404


def test_a_viewer_sees_but_cannot_change_anything(app, client, factory, db):
    """The client's read-only login: every page opens, every change is refused (403), on every
    POST route of the workspace."""
    alice = factory.user("alice@example.org")
    museum = factory.organization("Musée", owner=alice)
    contest = factory.contest(museum, slug="vue", prizes=1)
    add_member(museum, "client@example.org", "mots de passe longs", None, role="viewer")
    db.session.commit()
    sign_in(client, "client@example.org", "mots de passe longs")
    page = client.get(f"/admin/o/{museum.id}/contests/{contest.id}")
    assert page.status_code == 200
    # Nothing offered that would only answer 403, and the page says why.
    text = page.get_data(as_text=True)
    assert "Read-only access" in text
    for action in ("/duplicate", "/publish", "/edit", "/prizes/new", "/questions/new"):
        assert action not in text, action
    dashboard = client.get(f"/admin/o/{museum.id}/").get_data(as_text=True)
    assert "/contests/new" not in dashboard and "/contests/import" not in dashboard
    assert client.get(f"/admin/o/{museum.id}/members").status_code == 200
    ids = {
        "org_id": museum.id,
        "contest_id": contest.id,
        "prize_id": contest.prizes[0].id,
        "question_id": 1,
        "entry_id": 1,
        "draw_id": 1,
        "award_id": 1,
        "request_id": 1,
        "membership_id": 1,
        "invitation_id": 1,
        "juror_id": 1,
        "kind": "won",
        "step": "delivered",
        "fmt": "png",
    }
    html = client.get(f"/admin/o/{museum.id}/").get_data(as_text=True)
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/admin/o/") or "POST" not in rule.methods:
            continue
        path = rule.build({k: ids[k] for k in rule.arguments}, append_unknown=False)[1]
        response = client.post(path, data={"csrf_token": csrf_from(html)})
        assert response.status_code == 403, f"POST {path} answered {response.status_code}"
        checked += 1
    assert checked > 20
    db.session.expire_all()
    assert db.session.get(Contest, contest.id).title == contest.title


def test_only_an_owner_manages_members_and_one_owner_always_stays(app, client, factory, db):
    alice = factory.user("alice@example.org")
    museum = factory.organization("Musée", owner=alice)
    add_member(museum, "ed@example.org", "mots de passe longs", None, role="editor")
    db.session.commit()
    editor = app.test_client()
    sign_in(editor, "ed@example.org", "mots de passe longs")
    url = f"/admin/o/{museum.id}/members"
    assert post_form(editor, url, {"email": "x@example.org", "role": "owner"}).status_code == 403
    page = editor.get(url).get_data(as_text=True)
    assert "Send the invitation" not in page
    sign_in(client, "alice@example.org")
    alice_membership = db.session.execute(
        select(Membership.id).where(Membership.user_id == alice.id)
    ).scalar()
    response = post_form(
        client, f"{url}/{alice_membership}", {"action": "role", "role": "editor"}, page=url
    )
    assert "at least one owner" in client.get(url).get_data(as_text=True)
    db.session.expire_all()
    assert role_of(alice, museum.id) == "owner" and response.status_code == 302


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


def test_the_overview_shows_what_each_client_needs_today(app, client, factory, db):
    """A museum with entries to review and a contest closing this week, a theatre with a draw to
    make and prizes not settled; another organizer's client is not there."""
    from datetime import UTC, datetime, timedelta

    from contests.winners.drawing import perform_draw

    alice = factory.user("alice@example.org")
    museum = factory.organization("Musée", owner=alice)
    theatre = factory.organization("Théâtre", owner=alice)
    factory.organization("Autre client", owner=factory.user("bob@example.org"))
    from contests.timezones import utc_to_local

    soon = utc_to_local(datetime.now(UTC) + timedelta(days=3), "Europe/Paris").replace(
        second=0, microsecond=0
    )
    open_contest = factory.contest(
        museum, publish=True, slug="ouvert", min_age=0, ends_at=soon, draw_at=soon
    )
    for n in range(5):  # one address, minutes apart: a burst to review
        factory.entry(open_contest, email=f"m{n}@example.org", ip_address="198.51.100.7")
    to_draw = factory.contest(theatre, publish=True, closed=True, slug="a-tirer", min_age=0)
    drawn = factory.contest(theatre, publish=True, closed=True, slug="tire", min_age=0, prizes=2)
    for n in range(3):
        factory.entry(to_draw, email=f"t{n}@example.org")
        factory.entry(drawn, email=f"d{n}@example.org")
    perform_draw(drawn, ["1 2 3"], None, datetime.now(UTC))
    db.session.commit()
    sign_in(client, "alice@example.org")
    html = client.get("/admin/organizations").get_data(as_text=True)
    museum_row = html[html.index('data-organization="Musée"') :]
    museum_row = museum_row[: museum_row.index("</tr>")]
    assert 'data-to-review="5"' in museum_row and open_contest.title in museum_row
    theatre_row = html[html.index('data-organization="Théâtre"') :]
    theatre_row = theatre_row[: theatre_row.index("</tr>")]
    assert f"/contests/{to_draw.id}/draw" in theatre_row and 'data-claims="2"' in theatre_row
    assert "Autre client" not in html


def test_accepting_after_joining_another_way_changes_nothing(app, client, factory, db):
    """Bob, invited, is added by the operator's CLI meanwhile: the link still answers kindly."""
    alice = factory.user("alice@example.org")
    factory.user("bob@example.org")
    museum = factory.organization("Musée", owner=alice)
    sign_in(client, "alice@example.org")
    post_form(client, f"/admin/o/{museum.id}/members", {"email": "bob@example.org"})
    add_member(museum, "bob@example.org", None, None, role="viewer")
    db.session.commit()
    bob = app.test_client()
    sign_in(bob, "bob@example.org")
    response = post_form(bob, _invitation_link(db, "bob@example.org"))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.execute(select(func.count()).select_from(Membership)).scalar() == 2
