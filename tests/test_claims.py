"""After the draw: winners notified with a signed link, claims before the deadline, declines and
expiries passed on to the alternates by the worker's job, shipping; all in the audit log."""

import email
import json
import re
from datetime import UTC, datetime, timedelta
from email.policy import default

import pytest
from sqlalchemy import select
from test_mail import smtp  # noqa: F401 - the real SMTP server on loopback (aiosmtpd)

from contests.draw import protocol
from contests.errors import WrongState
from contests.mail import deliver_pending
from contests.models import AuditEvent, Award, AwardStatus, OutboxMessage
from contests.winners import claims
from contests.winners.drawing import perform_draw
from helpers import csrf_from, post_form, sign_in

VALUES = ["3 14 25 36 47"]
BASE = "https://jeux.example.org"


@pytest.fixture
def drawn(factory, museum, db):
    """Two prizes, two alternates, six confirmed entries, drawn."""
    contest = factory.contest(
        museum, publish=True, slug="noel", min_age=0, prizes=2, alternates_per_prize=1
    )
    for n in range(6):
        factory.entry(contest, email=f"p{n}@example.org", first_name=f"Zoé{n}", last_name=f"D{n}")
    contest.ends_at = datetime.now(UTC) - timedelta(minutes=1)
    contest.draw_at = contest.ends_at  # the draw date the rules announce
    db.session.commit()
    draw = perform_draw(contest, VALUES, None, datetime.now(UTC))
    db.session.commit()
    return contest, draw


def _awards(db, draw):
    db.session.expire_all()
    return list(
        db.session.execute(
            select(Award).where(Award.draw_id == draw.id).order_by(Award.id)
        ).scalars()
    )


def _claim_links(db) -> dict[str, str]:
    """The claim link of each winner mail in the outbox, by recipient."""
    rows = db.session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars()
    return {
        m.recipient: re.search(r"https?://\S+/claim/\S+", m.body).group(0)
        for m in rows
        if "/claim/" in m.body
    }


def test_the_draw_opens_one_award_per_winner_and_notify_all_starts_the_deadline(app, db, drawn):
    contest, draw = drawn
    awards = _awards(db, draw)
    winners = protocol.current_winners(json.loads(draw.record))
    assert [(a.entry.number, a.status) for a in awards] == [
        (w["entry_id"], AwardStatus.TO_NOTIFY) for w in winners
    ]
    now = datetime.now(UTC)
    assert claims.notify_all(draw, BASE, now, None) == 2
    db.session.commit()
    for award in _awards(db, draw):
        assert award.status == AwardStatus.NOTIFIED
        # The rules: "N days from this mail".
        assert award.deadline_at == (now + timedelta(days=contest.claim_days)).replace(tzinfo=UTC)
    assert claims.notify_all(draw, BASE, now, None) == 0
    mails = (
        db.session.execute(select(OutboxMessage).where(OutboxMessage.body.contains("/claim/")))
        .scalars()
        .all()
    )
    assert len(mails) == 2
    for mail in mails:
        assert mail.subject == "Vous avez gagné : Jeu de Noël"
        assert mail.sender_name == "Musée" and mail.reply_to == "jeu@example.org"
        assert "Réclamer mon lot" in mail.html and "/claim/" in mail.html
        assert "(Europe/Paris)" in mail.body
    actions = db.session.execute(select(AuditEvent.action)).scalars().all()
    assert actions.count("award.notified") == 2


def test_winner_mail_is_multipart_from_the_organization(app, db, drawn, smtp):  # noqa: F811
    contest, draw = drawn
    claims.notify_all(draw, BASE, datetime.now(UTC), None)
    db.session.commit()
    deliver_pending(smtp.url, "jeux@example.org")
    won = [m for m in smtp.messages if "gagné" in str(m["Subject"])]
    assert len(won) == 2
    message = won[0]
    assert str(message["From"]) == "Musée <jeux@example.org>"
    assert str(message["Reply-To"]) == "jeu@example.org"
    assert "/claim/" in message.get_body(("plain",)).get_content()
    assert "<a href=" in message.get_body(("html",)).get_content()


def test_claim_page_claims_with_checked_details(app, client, db, drawn):
    contest, draw = drawn
    claims.notify_all(draw, BASE, datetime.now(UTC), None)
    db.session.commit()
    link = next(iter(_claim_links(db).values()))
    path = link.removeprefix(BASE)
    response = client.get(path)
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    assert "Votre lot" in page and "(Europe/Paris)" in page and "Refuser le lot" in page
    refused = post_form(client, path, {"postal_address": "", "phone": "12", "action": "claim"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 200 and "Indiquez l&#39;adresse" in html
    assert _awards(db, draw)[0].status == AwardStatus.NOTIFIED
    done = post_form(
        client,
        path,
        {
            "postal_address": "Zoé D\n3 rue Haute\n75001 Paris",
            "phone": "06 12 34 56 78",
            "town": "Paris",
            "publication_ok": "y",
            "action": "claim",
        },
    )
    assert done.status_code == 303
    claimed = [a for a in _awards(db, draw) if a.status == AwardStatus.CLAIMED]
    assert len(claimed) == 1
    assert claimed[0].phone == "+33612345678" and claimed[0].publication == "agreed"
    assert "votre réclamation est enregistrée" in client.get(path).get_data(as_text=True)
    # Answered: a second answer (a decline from the page left open) is refused.
    again = client.post(path, data={"csrf_token": csrf_from(page), "action": "decline"})
    assert again.status_code == 200 and "déjà été donnée" in again.get_data(as_text=True)
    assert [a.status for a in _awards(db, draw)].count(AwardStatus.CLAIMED) == 1


def test_a_changed_link_finds_nothing(app, client, db, drawn):
    contest, draw = drawn
    claims.notify_all(draw, BASE, datetime.now(UTC), None)
    db.session.commit()
    path = next(iter(_claim_links(db).values())).removeprefix(BASE)
    # One character inside the signature changed (the last base64 characters carry padding
    # bits: replacing them can decode to the same signature, about once in a thousand runs).
    changed = "A" if path[-10] != "A" else "B"
    assert client.get(path[:-10] + changed + path[-9:]).status_code == 404


def test_decline_and_expiry_pass_the_prize_on_once(app, db, drawn):
    contest, draw = drawn
    start = datetime.now(UTC)
    claims.notify_all(draw, BASE, start, None)
    db.session.commit()
    first, second = _awards(db, draw)
    claims.decline_prize(first, start + timedelta(days=1))
    db.session.commit()
    later = start + timedelta(days=contest.claim_days, minutes=1)
    assert claims.due_to_pass_on(start + timedelta(days=1), 10) == [first.id]
    assert sorted(claims.due_to_pass_on(later, 10)) == [first.id, second.id]
    assert claims.pass_on(first.id, BASE, later)
    db.session.commit()
    # A second worker finding the same prize does nothing.
    assert not claims.pass_on(first.id, BASE, later)
    assert claims.pass_on(second.id, BASE, later)
    db.session.commit()
    record = json.loads(draw.record)
    assert [(s["replaced_entry_id"], s["reason"]) for s in record["substitutions"]] == [
        (first.entry.number, "declined"),
        (second.entry.number, "unclaimed"),
    ]
    awards = _awards(db, draw)
    assert [a.status for a in awards] == ["substituted", "substituted", "notified", "notified"]
    assert [a.ended_reason for a in awards[:2]] == ["declined", "unclaimed"]
    # The alternates get a fresh deadline, counted from their own notification.
    assert awards[2].deadline_at == (later + timedelta(days=contest.claim_days)).replace(tzinfo=UTC)
    subjects = db.session.execute(select(OutboxMessage.subject)).scalars().all()
    assert subjects.count("Votre lot a été attribué à un autre gagnant : Jeu de Noël") == 1
    assert subjects.count("Votre délai de réclamation est écoulé : Jeu de Noël") == 1
    # No alternate left: the next expiry leaves the prize vacant (supplementary draw path).
    final = start + timedelta(days=2 * contest.claim_days, minutes=2)
    assert claims.pass_on(awards[2].id, BASE, final)
    db.session.commit()
    assert protocol.vacancies(json.loads(draw.record))[0]["entry_id"] == awards[2].entry.number
    actions = db.session.execute(select(AuditEvent.action)).scalars().all()
    assert actions.count("draw.substituted") == 3 and actions.count("award.expired") == 2


def test_answers_after_the_deadline_are_refused(app, db, drawn):
    contest, draw = drawn
    start = datetime.now(UTC)
    claims.notify_all(draw, BASE, start, None)
    db.session.commit()
    award = _awards(db, draw)[0]
    with pytest.raises(WrongState):
        claims.decline_prize(award, start + timedelta(days=contest.claim_days, seconds=1))


def test_shipping_then_delivery_with_the_winner_told(app, db, drawn):
    contest, draw = drawn
    now = datetime.now(UTC)
    claims.notify_all(draw, BASE, now, None)
    db.session.commit()
    award = _awards(db, draw)[0]
    with pytest.raises(WrongState):
        claims.mark_shipped(award, "La Poste", "6A1", now, None)
    claims.claim_prize(
        award,
        claims.ClaimInput(
            postal_address="3 rue Haute\n75001 Paris", phone="0612345678", town="Paris"
        ),
        now,
    )
    claims.mark_shipped(award, "La Poste", "6A123", now, None)
    claims.mark_delivered(award, now, None)
    db.session.commit()
    assert award.status == AwardStatus.DELIVERED
    shipped = db.session.execute(
        select(OutboxMessage).where(OutboxMessage.subject.startswith("Votre lot est en route"))
    ).scalar_one()
    assert "6A123" in shipped.body and "6A123" in shipped.html


def test_board_notify_ship_and_tenant_isolation(app, client, db, drawn, factory):
    contest, draw = drawn
    sign_in(client, "alice@example.org")
    board_url = f"/admin/o/{contest.organization_id}/contests/{contest.id}/draw"
    board = client.get(board_url).get_data(as_text=True)
    assert "Notify all winners" in board
    response = post_form(
        client,
        f"/admin/o/{contest.organization_id}/contests/{contest.id}/draws/{draw.id}/notify",
        page=board_url,
    )
    assert response.status_code == 302
    board = client.get(board_url).get_data(as_text=True)
    assert board.count('data-status="notified"') == 2 and "Deadline" in board
    # Another organization's member reaches none of it.
    other = factory.organization("Autre", owner=factory.user("bob@example.org"))
    client = app.test_client()
    sign_in(client, "bob@example.org")
    award = _awards(db, draw)[0]
    token = csrf_from(client.get(f"/admin/o/{other.id}/").get_data(as_text=True))
    for org in (contest.organization_id, other.id):
        url = f"/admin/o/{org}/contests/{contest.id}/awards/{award.id}/notify"
        assert client.post(url, data={"csrf_token": token}).status_code == 404


def test_mail_previews_show_every_mail_in_the_contest_language(app, client, db, drawn):
    contest, draw = drawn
    sign_in(client, "alice@example.org")
    base = f"/admin/o/{contest.organization_id}/contests/{contest.id}/mails"
    page = client.get(base).get_data(as_text=True)
    for text in ("Confirmez votre participation", "Vous avez gagné", "Votre lot est en route"):
        assert text in page
    html = client.get(f"{base}/won.html")
    assert "sandbox" in html.headers["Content-Security-Policy"]
    assert "Réclamer mon lot" in html.get_data(as_text=True)
    contest.language = "en"
    db.session.commit()
    assert "You won: Jeu de Noël" in client.get(base).get_data(as_text=True)


def test_a_winner_mail_read_back_as_mime(app, db, drawn):
    contest, draw = drawn
    claims.notify_all(draw, BASE, datetime.now(UTC), None)
    db.session.commit()
    rows = db.session.execute(select(OutboxMessage).where(OutboxMessage.html.is_not(None)))
    row = rows.scalars().first()
    from contests.mail import _build

    message = email.message_from_bytes(_build(row, "jeux@example.org").as_bytes(), policy=default)
    assert message.get_content_type() == "multipart/alternative"


def test_what_the_claim_asks_follows_the_rules(app, db, factory, museum):
    """US sweepstakes: the affidavit and release are required; an age limit: the birth date
    given when entering must be confirmed."""
    from datetime import date

    from contests.errors import ValidationFailed

    contest = factory.contest(
        museum,
        publish=True,
        slug="sweeps",
        jurisdiction="US",
        language="en",
        territory="US",
        timezone="America/New_York",
        governing_law="the State of New York",
        free_entry_route="Mail a postcard to 1 Main St, Albany NY 12207.",
        min_age=18,
        ask_birth_date=True,
        alternates_per_prize=0,
    )
    factory.entry(contest, email="us@example.org", birth_date=date(1990, 5, 4))
    contest.ends_at = datetime.now(UTC) - timedelta(minutes=1)
    contest.draw_at = contest.ends_at  # the draw date the rules announce
    db.session.commit()
    draw = perform_draw(contest, VALUES, None, datetime.now(UTC))
    now = datetime.now(UTC)
    claims.notify_all(draw, BASE, now, None)
    award = _awards(db, draw)[0]
    data = dict(postal_address="1 Main St", phone="+1 212 555 0199", town="Albany")
    with pytest.raises(ValidationFailed) as refused:
        claims.claim_prize(award, claims.ClaimInput(**data, birth_date=date(1990, 5, 5)), now)
    assert set(refused.value.errors) == {"birth_date", "release_accepted"}
    claims.claim_prize(
        award,
        claims.ClaimInput(**data, birth_date=date(1990, 5, 4), release_accepted=True),
        now,
    )
    assert award.status == AwardStatus.CLAIMED and award.publication == "agreed"


def test_an_objection_by_mail_withholds_the_name(app, client, db, drawn):
    contest, draw = drawn
    now = datetime.now(UTC)
    claims.notify_all(draw, BASE, now, None)
    award = _awards(db, draw)[0]
    claims.claim_prize(
        award,
        claims.ClaimInput(
            postal_address="3 rue Haute", phone="0612345678", town="Lyon", publication_ok=True
        ),
        now,
    )
    db.session.commit()
    name = f"{award.entry.first_name} {award.entry.last_name[0]}. (Lyon)"
    assert name in client.get(f"/d/{draw.id}").get_data(as_text=True)
    sign_in(client, "alice@example.org")
    board = f"/admin/o/{contest.organization_id}/contests/{contest.id}/draw"
    url = (
        f"/admin/o/{contest.organization_id}/contests/{contest.id}/awards/{award.id}/withhold-name"
    )
    assert post_form(client, url, page=board).status_code == 302
    assert name not in client.get(f"/d/{draw.id}").get_data(as_text=True)
    actions = db.session.execute(select(AuditEvent.action)).scalars().all()
    assert actions.count("award.name_withheld") == 1


def test_a_prize_collected_on_site_needs_no_address(app, client, db, drawn):
    contest, draw = drawn
    for prize in contest.prizes:
        prize.delivery = "collected"
    claims.notify_all(draw, BASE, datetime.now(UTC), None)
    db.session.commit()
    path = next(iter(_claim_links(db).values())).removeprefix(BASE)
    page = client.get(path).get_data(as_text=True)
    assert "postal_address" not in page
    done = client.post(
        path,
        data={
            "csrf_token": csrf_from(page),
            "phone": "0612345678",
            "town": "Lyon",
            "action": "claim",
        },
    )
    assert done.status_code == 303
    assert "pour convenir" in client.get(path).get_data(as_text=True)
    sign_in(client, "alice@example.org")
    board = client.get(f"/admin/o/{contest.organization_id}/contests/{contest.id}/draw")
    assert 'name="carrier"' not in board.get_data(as_text=True)


def test_the_worker_notifies_winners_the_organizer_forgot_within_the_promised_days(
    app, db, drawn, client
):
    """The rules promise a mail within NOTIFY_WITHIN_DAYS of the draw: six days after it the
    worker notifies whoever is still waiting (once, even when two rounds run), and prints it."""
    from contests import jobs

    contest, draw = drawn
    assert claims.NOTIFY_WITHIN_DAYS == 7
    assert jobs.notify_winners(10) == 0  # drawn just now: the organizer has time
    # drawn_at is set once (the draws guard): the clock moves instead.
    later = draw.drawn_at + timedelta(days=6, minutes=1)
    assert claims.due_to_notify(draw.drawn_at + timedelta(days=5), 10) == []
    # A draw older than the look-back (made before the worker kept this promise) is left alone.
    assert claims.due_to_notify(draw.drawn_at + timedelta(days=31), 10) == []
    due = claims.due_to_notify(later, 10)
    assert len(due) == 2
    for award_id in due:
        assert claims.notify_late(award_id, BASE, later)
        db.session.commit()
    assert not claims.notify_late(due[0], BASE, later)  # a second worker finds it done
    assert claims.due_to_notify(later, 10) == []
    awards = _awards(db, draw)
    assert {a.status for a in awards} == {AwardStatus.NOTIFIED}
    assert all(a.deadline_at == later + timedelta(days=contest.claim_days) for a in awards)
    assert len(_claim_links(db)) == 2
    text = client.get(f"/c/{contest.slug}/rules").get_data(as_text=True)
    assert "au plus tard 7 jours après le tirage" in " ".join(text.split())


def test_a_uk_winners_board_shows_when_each_claimed_prize_must_be_sent(
    app, db, factory, museum, client
):
    """UK rules print "within 30 days of their claim": the board shows the date it falls on."""
    from sqlalchemy import update as sql_update

    contest = factory.contest(
        museum,
        publish=True,
        slug="uk",
        min_age=0,
        language="en",
        jurisdiction="GB",
        territory="GB",
        timezone="Europe/London",
    )
    for n in range(3):
        factory.entry(contest, email=f"uk{n}@example.org")
    contest.ends_at = contest.draw_at = datetime.now(UTC) - timedelta(minutes=1)
    db.session.commit()
    draw = perform_draw(contest, VALUES, None, datetime.now(UTC))
    db.session.commit()
    answered = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
    db.session.execute(
        sql_update(Award)
        .where(Award.draw_id == draw.id)
        .values(status="claimed", answered_at=answered, notified_at=answered)
    )
    db.session.commit()
    sign_in(client, "alice@example.org")
    html = client.get(
        f"/admin/o/{museum.id}/contests/{contest.id}/draw", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    assert "Send by 31 March 2027" in html or "Send by March 31, 2027" in html, html[:200]
