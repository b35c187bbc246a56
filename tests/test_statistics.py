"""A contest's statistics against hand-counted fixtures, on SQLite and PostgreSQL (issue 17):
days and hours in the contest's zone across a daylight-saving change, channels, host pages and
campaigns, confirmation and opt-in, flags, new versus returning entrants, postal areas; the page
and its charts."""

import base64
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from contests.reporting.charts import render
from contests.reporting.statistics import contest_statistics
from helpers import sign_in


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _published(factory, museum, slug: str, starts: datetime, ends: datetime, **fields):
    """A contest of the museum open from ``starts`` to ``ends`` (naive, the contest's zone),
    drawn a day later, published two days before it opens."""
    return factory.contest(
        museum,
        slug=slug,
        starts_at=starts,
        ends_at=ends,
        draw_at=ends + timedelta(days=1),
        min_age=0,
        published_at=(starts - timedelta(days=2)).replace(tzinfo=UTC),
        **fields,
    )


@pytest.fixture
def spring(factory, museum, db):
    """Paris moves its clocks from 02:00 to 03:00 on Sunday 29 March 2026."""
    earlier = _published(
        factory, museum, "hiver", datetime(2026, 2, 1, 10, 0), datetime(2026, 2, 20, 10, 0)
    )
    factory.entry(earlier, email="fidele@example.org", now=_at("2026-02-02T10:00:00"))
    contest = _published(
        factory,
        museum,
        "printemps",
        datetime(2026, 3, 27, 12, 0),
        datetime(2026, 4, 2, 12, 0),
        postal_code_field="optional",
    )
    rows = [
        # UTC instant, email, postal code, channel, opt-in, attribution
        ("2026-03-28T22:30:00", "a@example.org", "75011", "", False, ""),  # Sat 23:30 CET
        ("2026-03-29T00:30:00", "b@example.org", "20200", "poster", True, ""),  # Sun 01:30 CET
        ("2026-03-29T01:30:00", "c@example.org", "97400", "poster", False, ""),  # Sun 03:30 CEST
        ("2026-03-29T22:30:00", "fidele@example.org", "69001", "", True, ""),  # Mon 00:30 CEST
        (
            "2026-03-30T10:15:00",
            "e@example.org",
            "",
            "",
            False,
            json.dumps(
                {
                    "host": "https://www.musee.example/expo?x=1",
                    "utm_source": "newsletter",
                    "utm_medium": "email",
                    "utm_campaign": "printemps",
                }
            ),
        ),  # Mon 12:15 CEST
    ]
    for when, email, postal, source, opt_in, attribution in rows:
        factory.entry(
            contest,
            email=email,
            now=_at(when),
            postal_code=postal,
            source=source,
            marketing_opt_in=opt_in,
            attribution=attribution,
            ip_address=f"198.51.100.{len(email)}",
        )
    return contest


def test_the_figures_are_the_hand_counted_ones(app, db, spring):
    stats = contest_statistics(spring)
    assert (stats.total, stats.confirmed, stats.pending, stats.disqualified) == (5, 5, 0, 0)
    assert stats.marketing_opt_in == 2 and stats.opt_in_rate == 0.4
    assert stats.returning == 1 and stats.new == 4  # fidele@ entered the winter contest
    from datetime import date

    assert stats.by_day == [(date(2026, 3, 28), 1), (date(2026, 3, 29), 2), (date(2026, 3, 30), 2)]
    hours = dict(stats.by_hour)
    assert {h: n for h, n in hours.items() if n} == {23: 1, 1: 1, 3: 1, 0: 1, 12: 1}
    assert hours[2] == 0  # 02:00-03:00 did not exist that night
    assert stats.channels == [("", 3), ("poster", 2)]
    assert stats.host_pages == [("www.musee.example/expo", 1)]
    assert stats.campaigns == [("newsletter / email / printemps", 1)]
    assert stats.places == [("2B", 1), ("69", 1), ("75", 1), ("974", 1)]


def test_returning_counts_confirmed_entrants_who_came_from_another_contest_first(
    app, db, factory, museum, spring
):
    """Returning means entered another contest of the client before this one, and confirmed:
    someone who enters elsewhere only afterwards is new here and returning there; a
    disqualified entrant is not counted."""
    from contests.entries.review import disqualify_entry
    from contests.models import Contest, User

    winter = db.session.scalars(select(Contest).where(Contest.slug == "hiver")).one()
    alice = db.session.scalars(select(User).where(User.email == "alice@example.org")).one()
    factory.entry(spring, email="plus.tard@example.org", now=_at("2026-03-31T09:00:00"))
    # An alias of the address given in winter: the same person for the deduplication's key.
    factory.entry(winter, email="ancien@gmail.com", now=_at("2026-02-03T10:00:00"))
    excluded = factory.entry(
        spring, email="An.Cien+printemps@gmail.com", now=_at("2026-03-31T10:00:00")
    )
    summer = _published(
        factory, museum, "ete", datetime(2026, 6, 1, 10, 0), datetime(2026, 6, 20, 10, 0)
    )
    factory.entry(summer, email="plus.tard@example.org", now=_at("2026-06-02T10:00:00"))
    factory.entry(summer, email="b@example.org", now=_at("2026-06-02T11:00:00"))
    factory.entry(summer, email="nouveau@example.org", now=_at("2026-06-02T12:00:00"))

    assert contest_statistics(spring).returning == 2  # fidele@ and ancien@
    disqualify_entry(excluded, "Compte de test", alice, _at("2026-04-01T09:00:00"))
    db.session.commit()
    stats = contest_statistics(spring)
    assert (stats.returning, stats.confirmed, stats.new) == (1, 6, 5)
    assert contest_statistics(summer).returning == 2  # plus.tard@ and b@, not nouveau@


def test_the_entries_page_counts_entries_per_channel(app, client, db, museum, spring):
    """Only entries with a channel are in its index; the plain address's are the rest."""
    sign_in(client, "alice@example.org")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr"
    page = client.get(f"/admin/o/{museum.id}/contests/{spring.id}/entries").get_data(as_text=True)
    assert "accès direct: 3 · poster: 2</p>" in page


def test_autumn_gives_the_repeated_hour_to_one_day(app, db, factory, museum):
    """Paris goes back from 03:00 to 02:00 on Sunday 25 October 2026: 00:30 and 01:30 UTC are
    both 02:30-ish local, on the same day."""
    contest = _published(
        factory, museum, "automne", datetime(2026, 10, 20, 12, 0), datetime(2026, 10, 30, 12, 0)
    )
    for n, when in enumerate(["2026-10-25T00:30:00", "2026-10-25T01:30:00", "2026-10-25T22:59:00"]):
        factory.entry(contest, email=f"z{n}@example.org", now=_at(when), ip_address=f"192.0.2.{n}")
    stats = contest_statistics(contest)
    from datetime import date

    assert stats.by_day == [(date(2026, 10, 25), 3)]
    assert {h: n for h, n in stats.by_hour if n} == {2: 2, 23: 1}


def test_hours_are_counted_from_the_first_entry_to_the_last_at_their_bounds(
    app, db, factory, museum, monkeypatch
):
    """Each UTC hour is a range count: an entry at 11:00:00 is 11 o'clock's, empty hours are
    listed, and the hours are split over several statements when there are many."""
    from contests.models import Entry
    from contests.reporting import statistics

    contest = _published(
        factory, museum, "heures", datetime(2026, 5, 1, 8, 0), datetime(2026, 5, 9, 8, 0)
    )
    mine = Entry.contest_id == contest.id
    assert statistics.hourly_counts(mine) == []
    for n, when in enumerate(
        [
            "2026-05-02T10:15:00",
            "2026-05-02T10:59:59.999999",
            "2026-05-02T11:00:00",
            "2026-05-02T14:30:00",
        ]
    ):
        factory.entry(contest, email=f"h{n}@example.org", now=_at(when), ip_address=f"192.0.2.{n}")
    expected = [
        (_at("2026-05-02T10:00:00"), 2),
        (_at("2026-05-02T11:00:00"), 1),
        (_at("2026-05-02T12:00:00"), 0),
        (_at("2026-05-02T13:00:00"), 0),
        (_at("2026-05-02T14:00:00"), 1),
    ]
    assert statistics.hourly_counts(mine) == expected
    monkeypatch.setattr(statistics, "HOURS_PER_STATEMENT", 2)
    assert statistics.hourly_counts(mine) == expected
    # A month that starts at a half hour (India's midnight) cuts its first hour there.
    since, until = _at("2026-05-02T10:30:00"), _at("2026-05-02T14:00:00")
    assert statistics.hourly_counts(mine, since, until) == [(since, 1), (expected[1][0], 1)]


def test_the_page_shows_the_figures_charts_and_their_data(app, client, db, museum, spring):
    sign_in(client, "alice@example.org")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr"
    base = f"/admin/o/{museum.id}/contests/{spring.id}/statistics"
    page = client.get(base).get_data(as_text=True)
    assert '<dd data-figure="total">5</dd>' in page
    assert '<dd data-figure="new-returning">4 / 1</dd>' in page
    assert '<h2 id="chart-days">Participations par jour</h2>' in page
    assert "29 mars 2026" in page and "newsletter / email / printemps" in page
    # The charts come inline with the figures (computed once per page), SVG without script,
    # under the page's own CSP, which allows data: images and no inline script.
    charts = re.findall(r'<img class="chart" src="data:image/svg\+xml;base64,([^"]+)"', page)
    assert len(charts) == 3
    days = base64.b64decode(charts[0])
    assert days.startswith(b"<?xml") and b"<svg" in days and b"<script" not in days
    assert "script-src 'self'" in client.get(base).headers["Content-Security-Policy"]
    assert client.get(base + "/days.svg").status_code == 404  # no route computing it again
    assert client.get(base + "/nope.svg").status_code == 404
    with app.test_request_context(), force_locale("fr"):
        svg = render("hours", contest_statistics(spring)).decode()
    assert "Participations par heure de la journée" in svg and ">23<" in svg


def test_views_are_counted_in_memory_and_written_in_batches(app, client, db, factory, museum):
    """No database write per view: the GETs only count in memory; the due flush adds them in one
    statement after the response, and the figures show views and entries per view."""
    from sqlalchemy import event

    from contests.models import PageView

    contest = factory.contest(museum, publish=True, slug="vues", min_age=0)
    factory.entry(contest, email="v@example.org")
    written = []

    def note(conn, cursor, statement, parameters, context, executemany):
        if "page_views" in statement:
            written.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        for _ in range(3):
            assert client.get("/c/vues").status_code == 200
        for _ in range(2):
            assert client.get("/embed/vues").status_code == 200
        assert written == []  # counted in memory only
        app.config["VIEW_FLUSH_SECONDS"] = 0  # now due: written once this page is sent
        client.get("/c/vues").close()
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert len(written) == 1 and written[0].lstrip().upper().startswith("INSERT")
    rows = db.session.execute(select(PageView.kind, PageView.count)).all()
    assert sorted(rows) == [("embed", 2), ("page", 4)]
    stats = contest_statistics(contest)
    assert (stats.page_views, stats.embed_views, stats.views) == (4, 2, 6)
    assert stats.conversion == 1 / 6
    # A second flush adds to the same hour's row instead of duplicating it.
    client.get("/c/vues").close()
    assert db.session.execute(select(PageView.count).where(PageView.kind == "page")).scalar() == 5
    # A repeat entry refused ("already entered") is counted the same way: not a view, no entry.
    page = client.get("/c/vues")
    token = re.search(r'name="form_token" type="hidden" value="([^"]+)"', page.get_data(True))
    page.close()
    refused = client.post(
        "/c/vues",
        data={
            "form_token": token.group(1),
            "first_name": "Véra",
            "last_name": "Vue",
            "email": "V@example.org",
            "accept_rules": "y",
        },
    )
    assert refused.status_code == 409
    refused.close()
    stats = contest_statistics(contest)
    assert (stats.repeats_refused, stats.page_views, stats.total) == (1, 6, 1)
    sign_in(client, "alice@example.org")
    html = client.get(
        f"/admin/o/{museum.id}/contests/{contest.id}/statistics", headers={"Accept-Language": "fr"}
    ).get_data(as_text=True)
    assert 'data-figure="repeats">1<' in html and "Participations en double refusées" in html


def test_postal_codes_are_placed_in_their_area():
    """French départements (Corsica, overseas), UK postcode areas, US states from the ZIP Code's
    prefix (the data file's ranges, edges included); anything else is "?"."""
    from contests.reporting.places import OTHER, place_of, us_states

    cases = [
        ("FR", "20167", "2A"),
        ("FR", "20200", "2B"),
        ("FR", "97400", "974"),
        ("FR", "75011", "75"),
        ("GB", "SW1A 1AA", "SW"),
        ("GB", "M1 1AE", "M"),
        ("US", "10001", "NY"),
        ("US", "00501", "NY"),  # Holtsville (IRS), below Puerto Rico's 006
        ("US", "02801", "RI"),
        ("US", "05501", "MA"),  # Andover, inside Vermont's range
        ("US", "20500", "DC"),
        ("US", "73301", "TX"),  # Austin (IRS), inside Oklahoma's range
        ("US", "88510", "TX"),  # El Paso's PO boxes, inside New Mexico's range
        ("US", "94105", "CA"),
        ("US", "99501", "AK"),
        ("US", "00301", OTHER),  # not in use
        ("US", "ABCDE", OTHER),
    ]
    assert [place_of(code[:3], land) for land, code, _ in cases] == [area for *_, area in cases]
    states = set(us_states().values())
    assert len(states - {"AA", "AE", "AP", "PR", "VI", "GU"}) == 51  # the 50 states and DC
