"""A freelance community manager's day, in a real Chromium, in French and in English (issue 16):
a theatre as a new client with its brand kit, a contest started from it and completed from the
publish checklist's links, published, duplicated, extended by an amendment; the review queue of
the museum decided a cluster at once; the theatre's read-only login invited, accepted, and
seeing everything but no button. Screenshots in test-artifacts/walkthrough/.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from browser_fixtures import ARTIFACTS
from sqlalchemy import select

from contests.models import Contest, Draw, Entry, OutboxMessage, RulesVersion
from contests.timezones import utc_to_local
from helpers import PASSWORD

pytestmark = pytest.mark.slow

WORDS = {
    "fr": {
        "kit_saved": "Kit de marque enregistré",
        "created": "Brouillon créé",
        "published": "Jeu publié",
        "copy": "(copie)",
        "extended": "Nouvelles dates publiées dans la version 2",
        "kept": "conservée",
        "read_only": "Accès en lecture seule",
    },
    "en": {
        "kit_saved": "Brand kit saved",
        "created": "Draft contest created",
        "published": "Contest published",
        "copy": "(copy)",
        "extended": "New dates published in version 2",
        "kept": "kept",
        "read_only": "Read-only access",
    },
}


def _local(instant: datetime) -> str:
    return utc_to_local(instant, "Europe/Paris").strftime("%Y-%m-%dT%H:%M")


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_community_managers_day(app, db, factory, museum, live, browser, language):
    server, _ = live
    words = WORDS[language]
    shots = ARTIFACTS / "walkthrough"
    shots.mkdir(parents=True, exist_ok=True)
    # The museum's running contest, where one venue network sent four entries.
    running = factory.contest(
        museum, publish=True, slug=f"musee-{language}", min_age=0, phone_field="optional"
    )
    for n in range(6):  # the kiosk's own phone number typed in, from the venue's one address
        factory.entry(
            running, email=f"kiosque{n}@example.org", ip_address="198.51.100.7", phone="0612345678"
        )
    context = browser.new_context(locale=language, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_extra_http_headers({"Accept-Language": language})

    def shot(name):
        page.screenshot(path=str(shots / f"{language}-{name}.png"), full_page=True)

    def flash(expected):
        assert expected in page.inner_text("main"), page.inner_text("main")[:500]

    page.goto(server.url + "/auth/login")
    page.fill("#email", "alice@example.org")
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/admin/**")

    # 1. A new client, the theatre, and its brand kit.
    page.goto(server.url + "/admin/organizations")
    page.fill("#name", f"Théâtre {language}")
    page.click("main form button[type=submit]")
    theatre_url = page.url.rstrip("/")
    page.goto(theatre_url + "/brand-kit")
    page.select_option("#language", language)
    page.fill("#legal_name", "Théâtre du Rond-Point SA")
    page.fill("#legal_form", "SA")
    page.fill("#registration_number", "RCS Paris 123 456 789")
    page.fill("#legal_address", "2 bis avenue Franklin D. Roosevelt, 75008 Paris")
    page.fill("#contact_email", "jeux@theatre.example")
    page.fill("#dpo_contact", "dpo@theatre.example")
    page.fill("#data_retention_months", "6")
    page.fill("#mail_sender_name", "Le Rond-Point")
    page.click("main form button[type=submit]")
    flash(words["kit_saved"])
    shot("brand-kit")

    # 2. A contest started from the kit: its legal identity is already there.
    page.goto(theatre_url + "/contests/new")
    assert page.input_value("#legal_name") == "Théâtre du Rond-Point SA"
    assert page.locator("nav.steps li").count() >= 6  # the form's sections
    assert page.locator("#governing_law").count() == 0  # a French draw: no US field
    now = datetime.now(UTC)
    page.fill("#title", "Deux places pour la première")
    page.fill("#slug", f"premiere-{language}")
    page.fill("#starts_at", _local(now - timedelta(hours=1)))
    page.fill("#ends_at", _local(now + timedelta(days=10)))
    page.fill("#draw_at", _local(now + timedelta(days=11)))
    page.fill("#min_age", "18")
    page.fill("#territory", "FR")
    page.fill(
        "#entropy_sources", "EuroMillions: the five main numbers of the first draw after the close"
    )
    page.fill("#claim_days", "15")
    shot("new-contest")
    page.click("main form button[type=submit]")
    flash(words["created"])
    # The checklist asks for a prize: its link goes where prizes are added.
    page.click("#missing a")
    page.fill("#title", "Deux places")
    page.fill("#unit_value", "90")
    page.click("main form button[type=submit]")
    contest = db.session.execute(
        select(Contest).where(Contest.slug == f"premiere-{language}")
    ).scalar_one()
    assert contest.legal_name == "Théâtre du Rond-Point SA" and contest.data_retention_months == 6
    assert contest.mail_sender_name == "Le Rond-Point"
    page.goto(f"{theatre_url}/contests/{contest.id}")
    assert page.locator("#missing").count() == 0, page.inner_text("#missing")
    page.click("form[action$='/publish'] button")
    flash(words["published"])
    shot("published")

    # 3. Duplicate it for the next show: a dateless draft copy.
    page.click("form[action$='/duplicate'] button")
    assert page.input_value("#title").endswith(words["copy"])
    assert page.input_value("#ends_at") == ""

    # 4. Extend the first one by a week: a dated amendment, a new draw commitment.
    page.goto(f"{theatre_url}/contests/{contest.id}/dates")
    page.fill("#summary", "Prolongé d'une semaine / extended by a week.")
    page.fill("#ends_at", _local(now + timedelta(days=17)))
    page.fill("#draw_at", _local(now + timedelta(days=18)))
    page.click("button[value=reschedule]")
    flash(words["extended"])
    shot("extended")
    db.session.expire_all()
    assert db.session.execute(
        select(RulesVersion.number).where(RulesVersion.contest_id == contest.id)
    ).scalars().all() == [1, 2]
    assert len(db.session.execute(select(Draw).where(Draw.contest_id == contest.id)).all()) == 2

    # 5. The museum's review queue: the kiosk's cluster kept at once.
    page.goto(f"{server.url}/admin/o/{museum.id}/contests/{running.id}/review")
    shot("review")
    page.locator("button[name=action][value=keep]").first.click()
    flash(words["kept"])
    db.session.expire_all()
    assert all(
        e.flag_cleared_at is not None
        for e in db.session.execute(select(Entry).where(Entry.contest_id == running.id)).scalars()
    )

    # 6. The theatre's read-only login: invited, accepted, sees but cannot change.
    page.goto(theatre_url + "/members")
    page.fill("#email", f"direction-{language}@theatre.example")
    page.select_option("#role", "viewer")
    page.click("main form[novalidate] button[type=submit]")
    mail = db.session.execute(
        select(OutboxMessage).where(
            OutboxMessage.recipient == f"direction-{language}@theatre.example"
        )
    ).scalar_one()
    link = re.search(r"http://\S+/invitation/\S+", mail.body).group(0)
    client_context = browser.new_context(locale=language)
    guest = client_context.new_page()
    guest.set_extra_http_headers({"Accept-Language": language})
    guest.goto(link)
    guest.fill("#password", "une phrase de passe assez longue")
    guest.click("main form button[type=submit]")
    guest.goto(f"{theatre_url}/contests/{contest.id}")
    text = guest.inner_text("main")
    assert words["read_only"] in text and contest.title in text
    assert guest.locator("main form[method=post]:visible").count() == 0
    assert guest.locator(f"a[href$='/contests/{contest.id}/dates']").count() == 0
    guest.screenshot(path=str(shots / f"{language}-read-only.png"), full_page=True)
    client_context.close()
    context.close()
