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
