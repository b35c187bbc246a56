"""Entrants' rights over their data (issue 15, items 2 and 3): the signed link in every mail, what
it lets them see, download, withdraw and erase, one-click unsubscribe (RFC 8058), and the
organizer's view of the requests with their one-month deadline."""

import csv
import io
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update
from test_mail import smtp  # noqa: F401 - the loopback SMTP server fixture

from contests.draw.verify import verify
from contests.entries.numbering import entry_numbered
from contests.mail import deliver_pending
from contests.models import Award, Consent, DataRequest, Entry, OutboxMessage
from contests.winners.drawing import perform_draw
from contests.winners.records import draw_of, receipt_inclusion
from helpers import csrf_from, enter, post_form, sign_in, write_queued_mail

LINK = re.compile(r"https?://[^\s]+/me/[A-Za-z0-9_.\-]+")


@pytest.fixture
def open_contest(factory, museum):
    return factory.contest(museum, publish=True, slug="ouvert", min_age=0, language="en")


def _mailed_link(db, email: str) -> str:
    write_queued_mail(db)
    body = db.session.execute(
        select(OutboxMessage.body)
        .where(OutboxMessage.recipient == email)
        .order_by(OutboxMessage.id.desc())
    ).scalar()
    return LINK.search(body).group(0).replace("http://localhost", "")


def test_the_link_in_the_receipt_shows_downloads_withdraws_and_erases(
    app, client, db, open_contest
):
    response = enter(client, "ouvert", email="zoe@example.org", marketing_opt_in="y")
    assert response.status_code in (200, 303), response.get_data(as_text=True)
    entry = db.session.execute(select(Entry)).scalar_one()
    assert entry.marketing_opt_in
    link = _mailed_link(db, "zoe@example.org")
    unsubscribe = db.session.execute(select(OutboxMessage.list_unsubscribe)).scalar()
    assert unsubscribe.endswith(link.split("/me/")[1] + "/unsubscribe")

    page = client.get(link)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    text = page.get_data(as_text=True)
    assert "zoe@example.org" in text and "Zoé Durand" in text and entry.receipt_code in text

    download = client.get(link + "/data.json")
    assert "attachment" in download.headers["Content-Disposition"]
    data = json.loads(download.get_data(as_text=True))
    assert data["entries"][0]["email"] == "zoe@example.org"
    assert {c["kind"] for c in data["entries"][0]["consents"]} >= {"rules", "marketing"}
    assert data["entries"][0]["line_in_the_draw"].startswith(f"{entry.number},1,")

    post_form(client, link + "/marketing", page=link)
    db.session.expire_all()
    assert not db.session.get(Entry, entry.id).marketing_opt_in
    consent = db.session.execute(select(Consent).where(Consent.kind == "marketing")).scalar_one()
    assert consent.withdrawn_at is not None  # the proof of what was given stays, dated

    # Without the box ticked, nothing is erased.
    post_form(client, link + "/erase", page=link)
    db.session.expire_all()
    assert db.session.get(Entry, entry.id).email == "zoe@example.org"
    erased = post_form(client, link + "/erase", {"confirm": "yes"}, page=link)
    assert "Your data is erased" in erased.get_data(as_text=True)
    db.session.expire_all()
    entry = db.session.get(Entry, entry.id)
    assert entry.email == "" and entry.first_name == "" and entry.erased_at is not None
    assert entry.status == "disqualified"  # before the close, erasure is withdrawal
    assert db.session.execute(select(OutboxMessage)).first() is None  # the mail went too
    assert client.get(link).status_code == 410
    kinds = db.session.execute(select(DataRequest.kind, DataRequest.status)).all()
    assert sorted(kinds) == [
        ("access", "done"),
        ("erasure", "done"),
        ("export", "done"),
        ("marketing", "done"),
    ]


def test_a_forged_link_is_not_found(app, client, db, open_contest):
    assert client.get("/me/eyJlIjoxfQ.forged").status_code == 404


def test_after_the_freeze_an_erased_line_stays_and_the_draw_verifies(
    app, client, db, factory, museum
):
    contest = factory.contest(museum, publish=True, closed=True, slug="ferme", min_age=0)
    for n in range(6):
        factory.entry(contest, email=f"f{n}@example.org")
    draw = perform_draw(contest, ["1 2 3"], None, datetime.now(UTC))
    db.session.commit()
    winners = {w["entry_id"] for w in json.loads(draw.record)["winners"]}
    alternates = {a["entry_id"] for a in json.loads(draw.record)["alternates"]}
    loser = db.session.execute(
        select(Entry)
        .where(Entry.contest_id == contest.id, Entry.number.not_in(winners | alternates))
        .limit(1)
    ).scalar()
    if loser is None:  # every entry was ranked: take an alternate (holds no prize)
        loser = entry_numbered(contest.id, sorted(alternates)[-1])
    from contests.entries.rights import rights_url

    link = rights_url(loser).replace("http://localhost", "")
    post_form(client, link + "/erase", {"confirm": "yes"}, page=link)
    db.session.expire_all()
    loser = db.session.get(Entry, loser.id)
    assert loser.erased_at is not None and loser.status == "confirmed"  # the list is frozen
    assert verify(json.loads(draw_of(contest).record), draw_of(contest).entrants_file)
    assert receipt_inclusion(draw, contest, loser.receipt_code)["included"] is True


def test_a_winner_before_delivery_asks_and_the_organizer_answers_within_a_month(
    app, client, db, factory, museum
):
    contest = factory.contest(
        museum, publish=True, closed=True, slug="gagne", min_age=0, language="en"
    )
    for n in range(3):
        factory.entry(contest, email=f"g{n}@example.org")
    draw = perform_draw(contest, ["4 5 6"], None, datetime.now(UTC))
    db.session.execute(update(Award).values(status="claimed"))
    db.session.commit()
    winner = entry_numbered(contest.id, json.loads(draw.record)["winners"][0]["entry_id"])
    from contests.entries.rights import rights_url

    link = rights_url(winner).replace("http://localhost", "")
    page = client.get(link).get_data(as_text=True)
    assert "You hold a prize that is not delivered yet" in page
    post_form(client, link + "/erase", {"confirm": "yes"}, page=link)
    db.session.expire_all()
    assert db.session.get(Entry, winner.id).erased_at is None
    request = db.session.execute(
        select(DataRequest).where(DataRequest.status == "open")
    ).scalar_one()
    assert request.kind == "erasure" and request.note == "prize_pending"
    assert request.due_at - request.created_at >= timedelta(days=28)
    assert "Your request to erase your data is recorded" in client.get(link).get_data(as_text=True)

    sign_in(client, "alice@example.org")
    listing = f"/admin/o/{museum.id}/data-requests"
    html = client.get(listing).get_data(as_text=True)
    assert f'data-request="{request.id}" data-status="open"' in html and "to answer" in html
    post_form(
        client, f"{listing}/{request.id}", {"action": "erase", "note": "Lot envoyé"}, page=listing
    )
    db.session.expire_all()
    assert db.session.get(Entry, winner.id).erased_at is not None
    assert db.session.get(DataRequest, request.id).status == "done"
    assert verify(json.loads(draw_of(contest).record), draw_of(contest).entrants_file)


def test_another_organization_cannot_see_or_answer_the_requests(
    app, client, db, factory, museum, open_contest
):
    enter(client, "ouvert", email="zoe@example.org")
    client.get(_mailed_link(db, "zoe@example.org"))
    request = db.session.execute(select(DataRequest)).scalar_one()
    theatre = factory.organization("Théâtre", owner=factory.user("bob@example.org"))
    sign_in(client, "bob@example.org")
    html = client.get(f"/admin/o/{theatre.id}/data-requests").get_data(as_text=True)
    assert f'data-request="{request.id}"' not in html
    page = f"/admin/o/{theatre.id}/data-requests"
    answer = post_form(client, f"{page}/{request.id}", {"action": "erase"}, page=page)
    assert answer.status_code == 404


def test_one_click_unsubscribe_from_the_mail_program(app, client, db, open_contest):
    """RFC 8058: the mail program POSTs "List-Unsubscribe=One-Click", without cookies or form."""
    enter(client, "ouvert", email="zoe@example.org", marketing_opt_in="y")
    write_queued_mail(db)
    url = db.session.execute(select(OutboxMessage.list_unsubscribe)).scalar()
    response = app.test_client().post(
        url.replace("http://localhost", ""), data={"List-Unsubscribe": "One-Click"}
    )
    assert response.status_code == 204
    db.session.expire_all()
    assert not db.session.execute(select(Entry.marketing_opt_in)).scalar()
    # Opened in a browser instead: a page with a button (and its CSRF token), nothing done yet.
    page = client.get(url.replace("http://localhost", "")).get_data(as_text=True)
    assert "Withdraw my consent to offers" in page and csrf_from(page)


def test_list_unsubscribe_headers_reach_the_smtp_server(app, client, db, smtp, open_contest):  # noqa: F811
    enter(client, "ouvert", email="zoe@example.org")
    sent, failed = deliver_pending(smtp.url, "jeux@example.org")
    assert (sent, failed) == (1, 0)
    message = smtp.messages[0]
    assert message["List-Unsubscribe"].startswith("<http://localhost/me/")
    assert message["List-Unsubscribe"].endswith("/unsubscribe>")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "Your data (see it, download it, withdraw your consent, erase it):" in body


def test_the_request_form_mails_the_link_and_answers_the_same_to_strangers(
    app, client, db, open_contest
):
    enter(client, "ouvert", email="zoe@example.org")
    db.session.execute(OutboxMessage.__table__.delete())
    db.session.commit()
    page = client.get("/c/ouvert/my-data").get_data(as_text=True)
    token = re.search(r'name="form_token" type="hidden" value="([^"]+)"', page).group(1)
    headers = {"Origin": "http://localhost"}
    known = client.post(
        "/c/ouvert/my-data", data={"form_token": token, "email": "ZOE@example.org"}, headers=headers
    ).get_data(as_text=True)
    stranger = client.post(
        "/c/ouvert/my-data",
        data={"form_token": token, "email": "nobody@example.org"},
        headers=headers,
    ).get_data(as_text=True)
    assert "If an entry uses this address" in known and "If an entry uses this address" in stranger
    mails = db.session.execute(select(OutboxMessage.recipient, OutboxMessage.body)).all()
    assert [m.recipient for m in mails] == ["zoe@example.org"]
    assert LINK.search(mails[0].body)


def test_the_entrant_page_speaks_french_for_a_french_contest(app, client, db, factory, museum):
    factory.contest(museum, publish=True, slug="fr", min_age=0, language="fr")
    enter(client, "fr", email="zoe@example.org")
    html = client.get(_mailed_link(db, "zoe@example.org")).get_data(as_text=True)
    assert "Vos données" in html and "Effacer mes données" in html


def test_the_proof_of_consents_survives_the_erasure(app, client, db, museum, open_contest):
    enter(client, "ouvert", email="zoe@example.org", marketing_opt_in="y")
    enter(client, "ouvert", email="=cmd@example.org")
    link = _mailed_link(db, "zoe@example.org")
    post_form(client, link + "/erase", {"confirm": "yes"}, page=link)
    sign_in(client, "alice@example.org")
    response = client.get(f"/admin/o/{museum.id}/consents.csv")
    assert response.headers["Content-Disposition"].startswith("attachment")
    text = response.get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:4] == ["contest", "entry", "email", "kind"]
    erased = [row for row in rows[1:] if row[2] == ""]
    assert {row[3] for row in erased} == {"rules", "marketing"}  # kept, by entry number only
    assert all(len(row[6]) == 64 for row in rows[1:])  # the wording's version
    assert any(row[2] == "'=cmd@example.org" for row in rows)  # formula defused


def test_the_record_of_processing_without_a_published_contest(app, client, db, museum):
    sign_in(client, "alice@example.org")
    page = client.get(f"/admin/o/{museum.id}/register?lang=en").get_data(as_text=True)
    assert "No published contest yet" in page


def test_the_record_lists_what_each_contest_collects(app, client, db, factory, museum):
    factory.contest(
        museum,
        publish=True,
        slug="registre",
        min_age=0,
        phone_field="required",
        ask_birth_date=True,
        data_retention_months=6,
        winners_retention_months=24,
    )
    sign_in(client, "alice@example.org")
    english = client.get(f"/admin/o/{museum.id}/register?lang=en").get_data(as_text=True)
    assert "Record of processing activities" in english and "Phone number" in english
    assert "Date of birth" in english and "Postal code" not in english
    assert "Entrants: 6 months after the end of the contest" in english
    assert "Winners: 24 months after the end of the contest" in english
    french = client.get(f"/admin/o/{museum.id}/register?lang=fr").get_data(as_text=True)
    assert "Registre des activités de traitement" in french and "Numéro de téléphone" in french
