"""One person, one entry, even when 50 copies of the same person arrive at the same instant."""

import re
import threading

from sqlalchemy import func, select

from contests.models import Entry

VARIANTS = [
    "jeanne.martin@gmail.com",
    "JeanneMartin@gmail.com",
    "j.e.a.n.n.e.martin@googlemail.com",
    "jeanne.martin+{n}@gmail.com",
    "JEANNE.MARTIN+x{n}@GMAIL.COM",
    " jeanne.martin@gmail.com ",
]
TOKEN = re.compile(r'name="form_token" type="hidden" value="([^"]+)"')


def test_fifty_simultaneous_submissions_of_one_person_make_one_entry(app, db, factory, backend):
    contest = factory.contest(factory.organization("Musée"), publish=True, slug="course", min_age=0)
    clients = [app.test_client() for _ in range(50)]
    tokens = [TOKEN.search(c.get("/c/course").get_data(as_text=True)).group(1) for c in clients]
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []
    bodies: list[str] = []
    lock = threading.Lock()

    def submit(n: int) -> None:
        email = VARIANTS[n % len(VARIANTS)].format(n=n)
        data = {
            "form_token": tokens[n],
            "first_name": "Jeanne",
            "last_name": "Martin",
            "email": email,
            "accept_rules": "y",
        }
        barrier.wait()
        response = clients[n].post("/c/course", data=data)
        with lock:
            statuses.append(response.status_code)
            bodies.append(response.get_data(as_text=True))

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    db.session.expire_all()
    count = db.session.execute(
        select(func.count()).select_from(Entry).where(Entry.contest_id == contest.id)
    ).scalar()
    assert count == 1, f"{count} entries on {backend}"
    assert sorted(set(statuses)) == [303, 409], statuses
    assert statuses.count(303) == 1
    assert all(
        "Vous avez déjà participé" in body
        for body, status in zip(bodies, statuses, strict=False)
        if status == 409
    )


def test_entries_are_numbered_per_contest_never_twice(app, db, factory, backend):
    """Two clients' contests take entries at the same instant, some of them repeats of one person:
    each contest numbers its entries from 1, never the same number twice, whatever the other
    contest holds. SQLite leaves no gap; PostgreSQL's sequence may leave the numbers of the
    refused repeats unused, never more."""
    museum = factory.contest(factory.organization("Musée"), publish=True, slug="musee", min_age=0)
    theatre = factory.contest(
        factory.organization("Théâtre"), publish=True, slug="theatre", min_age=0
    )
    plan = [("musee", f"m{n}@example.org") for n in range(24)]
    plan += [("musee", "repeat@example.org")] * 6  # one entry, five refused
    plan += [("theatre", f"t{n}@example.org") for n in range(12)]
    clients = [app.test_client() for _ in plan]
    tokens = [
        TOKEN.search(c.get(f"/c/{slug}").get_data(as_text=True)).group(1)
        for c, (slug, _) in zip(clients, plan, strict=True)
    ]
    barrier = threading.Barrier(len(plan))
    statuses: list[int] = []
    lock = threading.Lock()

    def submit(n: int) -> None:
        slug, email = plan[n]
        data = {
            "form_token": tokens[n],
            "first_name": "Zoé",
            "last_name": f"Durand{n}" if email != "repeat@example.org" else "Durand",
            "email": email,
            "accept_rules": "y",
        }
        barrier.wait()
        response = clients[n].post(f"/c/{slug}", data=data)
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(len(plan))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert sorted(statuses) == [303] * 37 + [409] * 5, statuses
    db.session.expire_all()
    for contest, expected, refused in ((museum, 25, 5), (theatre, 12, 0)):
        numbers = list(
            db.session.execute(
                select(Entry.number).where(Entry.contest_id == contest.id).order_by(Entry.number)
            ).scalars()
        )
        assert len(numbers) == len(set(numbers)) == expected and numbers[0] == 1, numbers
        if backend == "sqlite":
            assert numbers == list(range(1, expected + 1))
        else:
            assert numbers[-1] <= expected + refused, numbers
    # What the entrant is shown is that number, not the row's id in the whole database.
    last = db.session.execute(
        select(Entry).where(Entry.contest_id == theatre.id, Entry.number == 12)
    ).scalar_one()
    receipt = app.test_client().get(f"/c/theatre/receipt/{last.receipt_code}.json")
    assert receipt.status_code == 200, receipt.status_code
    signed = receipt.get_json()["signed"]
    assert signed["entry_id"] == 12 and signed["line"].startswith("12,1,")
    thanks = app.test_client().get(f"/c/theatre/thanks?receipt={last.receipt_code}")
    assert "Votre reçu signé (participation n° 12)" in thanks.get_data(as_text=True)
