"""An organizer never reaches another organization's data: every admin route answers 404."""

import pytest

from helpers import sign_in

#: Admin routes that take no organization id; each must be safe for any signed-in organizer.
UNSCOPED_ADMIN_ENDPOINTS = {"admin.home", "admin.organizations"}


def _admin_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("admin.")]


@pytest.fixture
def two_tenants(app, factory, db):
    """Alice works for the museum, Bob for the theatre; each has a contest with a prize."""
    alice = factory.user("alice@example.org")
    bob = factory.user("bob@example.org")
    museum = factory.organization("Musée", owner=alice)
    theatre = factory.organization("Théâtre", owner=bob)
    museum_contest = factory.contest(museum, title="Jeu du musée")
    theatre_contest = factory.contest(theatre, title="Jeu du théâtre", slug="theatre", min_age=0)
    from contests.contest.editing import add_question
    from contests.contest.publishing import publish_contest

    add_question(
        theatre_contest, {"label": "Pièce préférée ?", "kind": "text", "required": True}, None
    )
    publish_contest(theatre_contest, None, factory.now)
    db.session.commit()
    theatre_entry = factory.entry(theatre_contest, email="spectateur@example.org")
    return {
        "alice": alice,
        "museum": museum,
        "theatre": theatre,
        "museum_contest": museum_contest,
        "theatre_contest": theatre_contest,
        "theatre_entry": theatre_entry,
    }


def test_every_admin_route_is_scoped_or_known(app):
    """A new admin route without org_id must be reviewed and added to the list above."""
    unscoped = {rule.endpoint for rule in _admin_rules(app) if "org_id" not in rule.arguments}
    assert unscoped == UNSCOPED_ADMIN_ENDPOINTS


def test_other_organizations_routes_answer_404(app, client, two_tenants):
    """Alice, signed in, gets 404 on every scoped admin route with the theatre's ids."""
    t = two_tenants
    theatre_contest = t["theatre_contest"]
    ids = {
        "org_id": t["theatre"].id,
        "contest_id": theatre_contest.id,
        "prize_id": theatre_contest.prizes[0].id,
        "question_id": theatre_contest.questions[0].id,
        "entry_id": t["theatre_entry"].id,
        "fmt": "png",
        # Not drawn: no draw or award exists yet; the contest in the path is what is refused.
        "draw_id": 1,
        "award_id": 1,
        "request_id": 1,
        "membership_id": 1,
        "invitation_id": 1,
        "juror_id": 1,
        "number": 1,
        "kind": "won",
        "step": "delivered",
    }
    assert sign_in(client, "alice@example.org").status_code == 302
    checked = 0
    for rule in _admin_rules(app):
        if "org_id" not in rule.arguments:
            continue
        url = rule.build({k: ids[k] for k in rule.arguments}, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            # A valid CSRF token so that a 404 cannot come from a CSRF refusal instead.
            html = client.get("/admin/organizations").get_data(as_text=True)
            from helpers import csrf_from

            response = client.open(url, method=method, data={"csrf_token": csrf_from(html)})
            assert response.status_code == 404, f"{method} {url} answered {response.status_code}"
            body = response.get_data(as_text=True)
            assert "Théâtre" not in body and "spectateur@example.org" not in body
            checked += 1
    assert checked >= 20


def test_own_organization_with_foreign_contest_is_404(app, client, two_tenants):
    """Mixing Alice's organization id with the theatre's contest id does not leak either."""
    t = two_tenants
    sign_in(client, "alice@example.org")
    museum_id, theatre_contest = t["museum"].id, t["theatre_contest"]
    for path in (
        f"/admin/o/{museum_id}/contests/{theatre_contest.id}",
        f"/admin/o/{museum_id}/contests/{theatre_contest.id}/edit",
        f"/admin/o/{museum_id}/contests/{theatre_contest.id}/export.json",
        f"/admin/o/{museum_id}/contests/{t['museum_contest'].id}/prizes/{theatre_contest.prizes[0].id}/edit",
    ):
        assert client.get(path).status_code == 404, path
    # ...while her own pages answer.
    assert client.get(f"/admin/o/{museum_id}/contests/{t['museum_contest'].id}").status_code == 200


def test_lists_show_only_own_organizations(app, client, two_tenants):
    sign_in(client, "alice@example.org")
    page = client.get("/admin/organizations").get_data(as_text=True)
    assert "Musée" in page and "Théâtre" not in page
    dashboard = client.get(f"/admin/o/{two_tenants['museum'].id}/").get_data(as_text=True)
    assert "Jeu du musée" in dashboard and "Jeu du théâtre" not in dashboard


def test_admin_requires_sign_in(app, client, two_tenants):
    response = client.get(f"/admin/o/{two_tenants['museum'].id}/")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def _snapshot(db, t) -> dict:
    """What Alice must not be able to change in the theatre's contest."""
    from sqlalchemy import select

    from contests.models import Draw, Entry, Prize, Question

    db.session.expire_all()
    contest_id = t["theatre_contest"].id
    return {
        "entries": sorted(
            db.session.execute(
                select(Entry.id, Entry.status, Entry.flags, Entry.disqualified_reason).where(
                    Entry.contest_id == contest_id
                )
            ).all()
        ),
        "prizes": sorted(
            db.session.execute(
                select(Prize.id, Prize.title, Prize.quantity).where(Prize.contest_id == contest_id)
            ).all()
        ),
        "questions": sorted(
            db.session.execute(
                select(Question.id, Question.label).where(Question.contest_id == contest_id)
            ).all()
        ),
        "draws": sorted(
            db.session.execute(
                select(Draw.id, Draw.state, Draw.record).where(Draw.contest_id == contest_id)
            ).all()
        ),
    }


def test_foreign_child_ids_under_ones_own_contest_change_nothing(app, client, db, two_tenants):
    """Alice's organization and contest in the URL, the theatre's entry, prize, question or draw
    as the child: every route answers 404 and the theatre's rows stay as they were."""
    from datetime import UTC, datetime, timedelta

    from contests.winners.drawing import perform_draw
    from helpers import csrf_from

    t = two_tenants
    theatre_contest = t["theatre_contest"]
    theatre_contest.ends_at = datetime.now(UTC) - timedelta(minutes=1)
    theatre_contest.draw_at = theatre_contest.ends_at  # the draw date the rules announce
    db.session.commit()
    theatre_draw = perform_draw(theatre_contest, ["1 2 3 4 5"], None, datetime.now(UTC))
    db.session.commit()
    ids = {
        "org_id": t["museum"].id,
        "contest_id": t["museum_contest"].id,
        "prize_id": theatre_contest.prizes[0].id,
        "question_id": theatre_contest.questions[0].id,
        "entry_id": t["theatre_entry"].id,
        "fmt": "png",
    }
    before = _snapshot(db, t)
    sign_in(client, "alice@example.org")
    token = csrf_from(client.get("/admin/organizations").get_data(as_text=True))
    checked = 0
    for rule in _admin_rules(app):
        children = set(rule.arguments) & {"prize_id", "question_id", "entry_id"}
        if not children:
            continue
        url = rule.build({k: ids[k] for k in rule.arguments}, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            data = {
                "csrf_token": token,
                "reason": "Doublon",
                "title": "Volé",
                "quantity": "9",
                "unit_value": "1",
                "currency": "EUR",
            }
            response = client.open(url, method=method, data=data)
            assert response.status_code == 404, f"{method} {url} answered {response.status_code}"
            checked += 1
    base = f"/admin/o/{t['museum'].id}/contests/{t['museum_contest'].id}"
    # A draw is named in the query string or in a form field rather than in the path.
    assert client.get(f"{base}/draw/certificate.pdf?draw={theatre_draw.id}").status_code == 404
    winner = t["theatre_entry"].id
    response = client.post(
        f"{base}/draw/substitute",
        data={
            "csrf_token": token,
            "draw_id": theatre_draw.id,
            "entry_id": winner,
            "reason": "fraud",
        },
    )
    assert response.status_code == 404
    assert checked >= 7
    assert _snapshot(db, t) == before
