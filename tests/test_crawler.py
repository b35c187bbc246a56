"""Every route, asked with hostile values, answers without a server error, on both backends.

The crawler reads the app's own URL map, so a route added later is crawled too. Each path
argument is replaced in turn by values that overflow the database's integers (SQLite's 64 bits,
PostgreSQL's 32), carry a NUL byte (which PostgreSQL refuses in text) or are absurdly long; the
query string carries the same; POST routes get the same values in their fields. Requests go as an
organizer of the organization in the URL (so the views are reached) and anonymously.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from contests.models import Award
from contests.winners.drawing import perform_draw
from contests.winners.records import draw_of
from helpers import csrf_from, sign_in

HUGE_INTEGERS = ["9223372036854775808", "2147483648", "99999999999999999999", "0"]
HOSTILE_TEXT = ["a%00b", "%00", "x" * 3000, "%ff%fe", "..%2f..%2fetc%2fpasswd"]
QUERY = {
    "page": str(10**30),
    "q": "\x00",
    "receipt": "\x00AB",
    "draw": "99999999999999999999",
    "status": "\x00",
    "src": "\x00",
    "channel": "\x00",
    "sep": "\x00",
    "city": "\x00" * 3,
    "next": "\x00",
    "host": "\x00",
}
FIELDS = {
    "title": "T\x00",
    "name": "N\x00",
    "email": "a\x00@example.org",
    "q": "\x00",
    "reason": "\x00",
    "entropy": "1\x002",
    "entropy_sources": "\x00",
    "summary": "\x00",
    "entry_id": "99999999999999999999",
    "draw_id": "2147483648",
    "starts_at": "9999-12-31T23:59",
    "ends_at": "9999-12-31T23:59",
    "timezone": "Etc/GMT+12",
    "lang": "\x00",
    "first_name": "\x00",
    "form_token": "\x00",
}


@pytest.fixture
def world(app, db, factory, museum):
    """Real ids for every kind of path argument: a drawn contest with an entry, a prize, a
    question, a draw."""
    from contests.contest.editing import add_question

    contest = factory.contest(museum, publish=False, slug="crawl", min_age=0)
    add_question(contest, {"label": "Q ?", "kind": "text", "required": False}, None)
    db.session.commit()
    from contests.contest.publishing import publish_contest

    publish_contest(contest, None, factory.now)
    db.session.commit()
    entry = factory.entry(contest, email="crawl@example.org")
    contest.ends_at = datetime.now(UTC) - timedelta(minutes=1)
    contest.draw_at = contest.ends_at  # the draw date the rules announce
    db.session.commit()
    perform_draw(contest, ["1 2 3 4 5"], None, datetime.now(UTC))
    db.session.commit()
    return {
        "org_id": str(museum.id),
        "contest_id": str(contest.id),
        "prize_id": str(contest.prizes[0].id),
        "question_id": str(contest.questions[0].id),
        "entry_id": str(entry.id),
        "draw_id": str(draw_of(contest).id),
        "award_id": str(db.session.execute(select(Award.id)).scalars().first()),
        "kind": "won",
        "step": "delivered",
        "code": "ABCD",
        "request_id": "1",
        "membership_id": "1",
        "invitation_id": "1",
        "juror_id": "1",
        "slug": "crawl",
        "number": "1",
        "token": "x",
        "fmt": "png",
        "filename": "app.css",
    }


def _paths(app, real: dict) -> list[tuple[str, str]]:
    """(method, path) for every rule: all arguments real, then each one hostile in turn."""
    requests = []
    for rule in app.url_map.iter_rules():
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        arguments = [name for name in rule.arguments if name not in (rule.defaults or {})]
        variants = [dict(real)]
        for name in arguments:
            hostile = HUGE_INTEGERS if name.endswith("_id") or name == "number" else HOSTILE_TEXT
            variants += [{**real, name: value} for value in hostile]
        for values in variants:
            path = rule.rule
            for name in arguments:
                path = path.replace(f"<{name}>", values[name])
                for converter in ("int", "path", "any(png, svg)"):
                    path = path.replace(f"<{converter}:{name}>", values[name])
            requests += [(method, path) for method in methods]
    return sorted(set(requests))


def test_no_route_answers_a_server_error(app, client, db, world):
    sign_in(client, "alice@example.org")
    token = csrf_from(client.get("/admin/organizations").get_data(as_text=True))
    anonymous = app.test_client()
    failures = []
    crawled = 0
    for method, path in _paths(app, world):
        for who in (client, anonymous):
            try:
                if method == "GET":
                    response = who.get(path, query_string=QUERY)
                else:
                    response = who.post(path, data={**FIELDS, "csrf_token": token})
            except Exception as error:  # noqa: BLE001 - TESTING propagates what would be a 500
                failures.append(f"{method} {path[:80]} -> {type(error).__name__}: {error}"[:300])
                continue
            finally:
                crawled += 1
            if response.status_code >= 500:
                failures.append(f"{method} {path[:80]} -> {response.status_code}")
    assert crawled > 400
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("depth", [50, 100_000])
def test_deeply_nested_json_import_is_refused_kindly(app, client, db, museum, depth):
    import io

    sign_in(client, "alice@example.org")
    page = f"/admin/o/{museum.id}/contests/import"
    token = csrf_from(client.get(page).get_data(as_text=True))
    nested = "[" * depth + "]" * depth
    data = {"csrf_token": token, "file": (io.BytesIO(nested.encode()), "c.json")}
    response = client.post(page, data=data, content_type="multipart/form-data")
    assert response.status_code == 400


def test_a_contest_closing_at_the_end_of_time_is_refused_with_a_message(app, client, db, museum):
    sign_in(client, "alice@example.org")
    page = f"/admin/o/{museum.id}/contests/new"
    token = csrf_from(client.get(page).get_data(as_text=True))
    form = {
        "csrf_token": token,
        "title": "Fin des temps",
        "language": "fr",
        "jurisdiction": "FR",
        "mechanic": "random_draw",
        "timezone": "Etc/GMT+12",
        "entry_policy": "once",
        "alternates_per_prize": "1",
        "draw_algorithm": "vdraw-v1",
        "phone_field": "off",
        "postal_code_field": "off",
        "ends_at": "9999-12-31T23:59",
    }
    response = client.post(page, data=form)
    assert response.status_code == 400
    assert "between" in response.get_data(as_text=True)


@pytest.mark.parametrize("name", ["Musée\x00", "Musée\u202eeésuM", "Mu\x07sée"])
def test_control_characters_in_an_admin_form_are_refused_on_the_field(
    app, client, db, museum, name
):
    from sqlalchemy import func, select

    from contests.models import Organization

    sign_in(client, "alice@example.org")
    token = csrf_from(client.get("/admin/organizations").get_data(as_text=True))
    before = db.session.execute(select(func.count()).select_from(Organization)).scalar()
    response = client.post("/admin/organizations", data={"csrf_token": token, "name": name})
    assert response.status_code == 400
    assert "invisible control characters" in response.get_data(as_text=True)
    assert db.session.execute(select(func.count()).select_from(Organization)).scalar() == before
