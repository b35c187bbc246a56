"""The whole after-the-draw story against real parts: the organizer notifies from the board, the
worker runs as a process and mails through a real SMTP server on loopback, winners answer on the
claim page, the clock passes a deadline, two workers pass the prizes on once, the alternates
claim, the prizes ship and arrive; the public page, the verifier, the certificates and the audit
log agree. In French (a French contest) and in English (a UK prize draw)."""

import json
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from test_mail import smtp  # noqa: F401 - the real SMTP server on loopback (aiosmtpd)
from test_worker import CONTESTS, ROOT, _worker_env, run_workers

from contests.draw import protocol
from contests.models import AuditEvent, Award, AwardStatus, Entry, User
from contests.winners.drawing import perform_draw
from helpers import csrf_from, post_form, sign_in

pytestmark = pytest.mark.slow  # worker processes, PDFs

CASES = {
    "fr": dict(
        contest=dict(language="fr", jurisdiction="FR", territory="FR"),
        phone="06 12 34 56 78",
        town="Paris",
        won="Vous avez gagné",
        declined="Votre lot a été attribué à un autre gagnant",
        unclaimed="Votre délai de réclamation est écoulé",
        shipped="Votre lot est en route",
        claimed_page="votre réclamation est enregistrée",
        board=("Prévenir tous les gagnants", "Livré", "Remis en main propre"),
        public="Participation n° {id} : appelée",
    ),
    "en": dict(
        contest=dict(language="en", jurisdiction="GB", territory="GB", timezone="Europe/London"),
        phone="07911 123456",
        town="Kent",
        won="You won",
        declined="Your prize has been passed on",
        unclaimed="Your claim period has ended",
        shipped="Your prize is on its way",
        claimed_page="your claim is recorded",
        board=("Notify all winners", "Delivered", "Handed over"),
        public="Entry no. {id}: called",
    ),
}


def _run_workers(env, count: int) -> list[str]:
    return [err for _, err in run_workers(env, count, "--batch", "2")]


def _links(messages, subject: str) -> dict[str, str]:
    found = {}
    for message in messages:
        if str(message["Subject"]).startswith(subject):
            text = message.get_body(("plain",)).get_content()
            found[str(message["To"])] = re.search(r"http://\S+/claim/\S+", text).group(0)
    return found


@pytest.mark.parametrize("language", ["fr", "en"])
def test_draw_notify_claim_decline_expire_substitute_ship_deliver(
    app,
    client,
    db,
    factory,
    museum,
    smtp,  # noqa: F811
    database_url,
    tmp_path,
    language,  # noqa: F811
):
    case = CASES[language]
    alice = db.session.execute(select(User)).scalar_one()
    alice.ui_locale = language
    contest = factory.contest(
        museum,
        publish=True,
        closed=True,
        slug="apres",
        min_age=0,
        prizes=3,
        alternates_per_prize=1,
        **case["contest"],
    )
    for n in range(8):
        factory.entry(
            contest, email=f"p{n}@example.org", first_name=f"Prénom{n}", last_name=f"N{n}"
        )
    draw = perform_draw(contest, ["3 14 25 36 47"], None, datetime.now(UTC))
    db.session.commit()
    record = json.loads(draw.record)
    emails = {a.entry.number: a.entry.email for a in db.session.execute(select(Award)).scalars()}
    winners = [w["entry_id"] for w in record["winners"]]
    alternates = [a["entry_id"] for a in record["alternates"]]

    # The organizer notifies everyone from the board; the worker process mails the links.
    sign_in(client, "alice@example.org")
    board = f"/admin/o/{museum.id}/contests/{contest.id}/draw"
    assert case["board"][0] in client.get(board).get_data(as_text=True)
    post_form(
        client, f"/admin/o/{museum.id}/contests/{contest.id}/draws/{draw.id}/notify", page=board
    )
    env = _worker_env(database_url, smtp.url, tmp_path)
    env["CONTESTS_BASE_URL"] = "http://localhost"
    _run_workers(env, 1)
    links = _links(smtp.messages, case["won"])
    assert sorted(links) == sorted(emails[w] for w in winners)
    message = smtp.messages[0]
    assert message.get_body(("html",)) is not None and "Musée" in str(message["From"])

    # First winner claims, second declines, third lets the deadline pass.
    paths = [links[emails[w]].removeprefix("http://localhost") for w in winners]
    page = client.get(paths[0]).get_data(as_text=True)
    done = client.post(
        paths[0],
        data={
            "csrf_token": csrf_from(page),
            "postal_address": "1 rue X\n75001 Paris",
            "phone": case["phone"],
            "town": case["town"],
            # France: "publish my first name, initial and town"; UK: "I object to being named".
            "publication_ok": "y",
            "action": "claim",
        },
    )
    assert done.status_code == 303
    assert case["claimed_page"] in client.get(paths[0]).get_data(as_text=True)
    page = client.get(paths[1]).get_data(as_text=True)
    assert (
        client.post(paths[1], data={"csrf_token": csrf_from(page), "action": "decline"}).status_code
        == 303
    )
    # The clock moves past the third winner's deadline (the rows go back in time instead).
    past = timedelta(days=contest.claim_days, minutes=1)
    late = db.session.execute(
        select(Award).join(Entry).where(Entry.contest_id == contest.id, Entry.number == winners[2])
    ).scalar_one()
    late.notified_at, late.deadline_at = late.notified_at - past, late.deadline_at - past
    db.session.commit()

    # Two workers at once: each prize passed on once, each mail sent once.
    before = len(smtp.messages)
    _run_workers(env, 2)
    db.session.expire_all()
    record = json.loads(draw.record)
    assert [
        (s["replaced_entry_id"], s["by_entry_id"], s["reason"]) for s in record["substitutions"]
    ] == [
        (winners[1], alternates[0], "declined"),
        (winners[2], alternates[1], "unclaimed"),
    ]
    new = smtp.messages[before:]
    subjects = sorted(str(m["Subject"]).split(":")[0].strip() for m in new)
    assert len(new) == 4, subjects
    assert len(_links(new, case["won"])) == 2
    assert sum(str(m["Subject"]).startswith(case["declined"]) for m in new) == 1
    assert sum(str(m["Subject"]).startswith(case["unclaimed"]) for m in new) == 1

    # The alternates claim with their own links, before their fresh deadline.
    for address, link in _links(new, case["won"]).items():
        path = link.removeprefix("http://localhost")
        page = client.get(path).get_data(as_text=True)
        response = client.post(
            path,
            data={
                "csrf_token": csrf_from(page),
                "postal_address": "2 rue Y",
                "phone": case["phone"],
                "town": case["town"],
                "action": "claim",
            },
        )
        assert response.status_code == 303, address

    # Shipped then delivered; handed over for another.
    holding = {
        a.entry.number: a
        for a in db.session.execute(
            select(Award).where(Award.status == AwardStatus.CLAIMED)
        ).scalars()
    }
    assert sorted(holding) == sorted([winners[0], alternates[0], alternates[1]])
    base = f"/admin/o/{museum.id}/contests/{contest.id}/awards"
    token = csrf_from(client.get(board).get_data(as_text=True))
    first = holding[winners[0]].id
    assert (
        client.post(
            f"{base}/{first}/ship",
            data={"csrf_token": token, "carrier": "Colissimo", "tracking": "6A1"},
        ).status_code
        == 302
    )
    assert client.post(f"{base}/{first}/delivered", data={"csrf_token": token}).status_code == 302
    second = holding[alternates[0]].id
    assert (
        client.post(f"{base}/{second}/handed_over", data={"csrf_token": token}).status_code == 302
    )
    page = client.get(board).get_data(as_text=True)
    assert case["board"][1] in page and case["board"][2] in page
    _run_workers(env, 1)
    assert sum(str(m["Subject"]).startswith(case["shipped"]) for m in smtp.messages) == 1

    # Everything agrees: the public page, the verifier, the certificates, the audit log.
    public = client.get(f"/d/{draw.id}").get_data(as_text=True)
    first_winner = db.session.get(Award, first).entry
    published = f"{first_winner.first_name} {first_winner.last_name[0]}. (Paris)"
    if language == "fr":  # agreed to publication; the alternates did not
        assert published in public and public.count('class="winner-name"') == 1
    else:  # UK: nothing published; surname and county on request, the objection respected
        assert 'class="winner-name"' not in public
        listing = client.get(board).get_data(as_text=True)
        assert f"Objected to being named (entry {winners[0]})" in listing
        alternate = db.session.get(Award, second).entry
        assert f"{alternate.last_name}, Kent" in listing
    for alternate in alternates[:2]:
        assert case["public"].format(id=alternate) in public
    (tmp_path / "r.json").write_text(client.get(f"/d/{draw.id}.json").get_data(as_text=True))
    (tmp_path / "e.txt").write_bytes(client.get(f"/d/{draw.id}/entrants.txt").data)
    checked = subprocess.run(
        [
            sys.executable,
            "-S",
            "-m",
            "contests.draw.verify",
            str(tmp_path / "r.json"),
            str(tmp_path / "e.txt"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0 and "PASS" in checked.stdout, checked.stdout
    current = [w["entry_id"] for w in protocol.current_winners(record)]
    assert current == [winners[0], alternates[0], alternates[1]]
    certificate = client.get(
        f"/admin/o/{museum.id}/contests/{contest.id}/draw/winners/{alternates[1]}/certificate.pdf"
    )
    assert certificate.status_code == 200 and certificate.data.startswith(b"%PDF")
    lost = client.get(
        f"/admin/o/{museum.id}/contests/{contest.id}/draw/winners/{winners[1]}/certificate.pdf"
    )
    assert lost.status_code == 404
    actions = db.session.execute(select(AuditEvent.action)).scalars().all()
    for action, count in {
        "award.notified": 5,
        "award.claimed": 3,
        "award.declined": 1,
        "award.expired": 1,
        "draw.substituted": 2,
        "award.shipped": 1,
        "award.delivered": 1,
        "award.handed_over": 1,
    }.items():
        assert actions.count(action) == count, (action, actions)
    assert (
        subprocess.run(
            [str(CONTESTS), "audit-verify"], env=env, cwd=ROOT, capture_output=True
        ).returncode
        == 0
    )
