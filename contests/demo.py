"""A demo organization, organizer and open contest, so a fresh install has something to show."""

from __future__ import annotations

import json
import os
import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select, update

from .accounts import set_password
from .contest.brand_kit import CONTEST_DEFAULTS
from .contest.editing import add_prize, create_contest
from .contest.publishing import publish_contest
from .demo_jury import JURY_SLUG, create_jury_contest
from .entries import retention
from .entries.submission import EntryInput, submit_entry
from .extensions import db
from .links import public_base
from .models import (
    Award,
    AwardStatus,
    Contest,
    DrawState,
    Entry,
    Membership,
    Organization,
    PageView,
    User,
)
from .organizations import create_organization
from .timezones import utc_to_local
from .winners.drawing import perform_draw
from .winners.freezing import freeze_entrants
from .winners.records import draw_of

DEMO_EMAIL = "demo@example.org"
DEMO_ORGANIZATION = "Musée des Demos (demo)"
DEMO_SLUG = "demo"
FINISHED_SLUG = "demo-termine"
FINISHED_ENTRIES = 300
PURGED_SLUG = "printemps-2021"
PURGED_ENTRIES = 40
HISTORY_SLUG = "automne"
#: The consents the demo's entrants gave, as the museum's form words them.
_CONSENT = {"rules": "J’ai lu et j’accepte le règlement du jeu.", "age": "J’ai 18 ans ou plus."}


@dataclass
class DemoLogin:
    email: str
    password: str
    contest_slug: str
    created: bool
    draw_id: int | None = None


def _password(instance_path: Path, user: User | None) -> tuple[str, bool]:
    """Reuse the password saved on first run; mint a new one if the file is gone."""
    path = instance_path / "demo-login.txt"
    if user is not None and path.exists():
        return path.read_text().strip(), False
    password = secrets.token_urlsafe(12)
    instance_path.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(password + "\n")
    return password, True


def ensure_demo(instance_path: Path, now: datetime) -> DemoLogin:
    """Create what is missing of the demo, touching nothing that already exists."""
    user = db.session.execute(select(User).where(User.email == DEMO_EMAIL)).scalar_one_or_none()
    password, new_password = _password(instance_path, user)
    created = False
    if user is None:
        user = User(email=DEMO_EMAIL)
        db.session.add(user)
        created = True
    if new_password:
        set_password(user, password)
    db.session.flush()

    organization = (
        db.session.execute(select(Organization).where(Organization.name == DEMO_ORGANIZATION))
        .scalars()
        .first()
    )
    if organization is None:
        organization = create_organization(DEMO_ORGANIZATION, owner=user)
        # Its brand kit: what the next contest of this client starts from.
        for name in CONTEST_DEFAULTS:
            if name in _MUSEUM_TERMS:
                setattr(organization, name, _MUSEUM_TERMS[name])
        organization.mail_sender_name = "Musée des Démos"
        created = True
    elif (
        db.session.execute(
            select(Membership).where(
                Membership.user_id == user.id, Membership.organization_id == organization.id
            )
        ).scalar_one_or_none()
        is None
    ):
        db.session.add(Membership(user=user, organization=organization, role="owner"))

    contest = db.session.execute(
        select(Contest).where(Contest.slug == DEMO_SLUG)
    ).scalar_one_or_none()
    if contest is None:
        _create_demo_contest(organization, user, now)
        created = True
    finished = db.session.execute(
        select(Contest).where(Contest.slug == FINISHED_SLUG)
    ).scalar_one_or_none()
    if finished is None:
        finished = _create_finished_contest(organization, user, now)
        created = True
    if db.session.execute(select(Contest.id).where(Contest.slug == PURGED_SLUG)).first() is None:
        _create_purged_contest(organization, user, now)
        created = True
    if db.session.execute(select(Contest.id).where(Contest.slug == HISTORY_SLUG)).first() is None:
        _create_history_contest(organization, user, now)
        created = True
    if db.session.execute(select(Contest.id).where(Contest.slug == JURY_SLUG)).first() is None:
        create_jury_contest(organization, user, now, public_base())
        created = True
    db.session.flush()
    draw = draw_of(finished)
    return DemoLogin(
        DEMO_EMAIL,
        password,
        DEMO_SLUG,
        created,
        draw.id if draw and draw.state == DrawState.DRAWN else None,
    )


#: The museum's terms, shared by both demo contests (a French free draw, as most of our users run).
_MUSEUM_TERMS = {
    "language": "fr",
    "jurisdiction": "FR",
    "mechanic": "random_draw",
    "timezone": "Europe/Paris",
    "min_age": 18,
    "entry_policy": "once",
    "alternates_per_prize": 2,
    "legal_name": "Association des Amis du Musée des Démos",
    "legal_form": "Association loi 1901",
    "registration_number": "RNA W751234567",
    "legal_address": "1 rue de l'Exemple, 75001 Paris, France",
    "contact_email": "jeu@example.org",
    "dpo_contact": "dpo@example.org",
    "data_retention_months": 12,
    "entropy_sources": "",  # the EuroMillions format names the first draw after the close
    "entropy_format": "euromillions",
    "claim_days": 15,
}


def _museum_contest(
    organization: Organization,
    user: User,
    opens: datetime,
    closes: datetime,
    prizes: tuple[tuple[str, int, int], ...],
    **terms,
) -> Contest:
    """A draft with the museum's terms, open from 9:00 on ``opens``' day to 23:59 on ``closes``'
    day (Paris time), winners selected five days after the close, with its prizes."""
    zone = _MUSEUM_TERMS["timezone"]
    start = utc_to_local(opens, zone).replace(hour=9, minute=0, second=0, microsecond=0)
    end = utc_to_local(closes, zone).replace(hour=23, minute=59, second=0, microsecond=0)
    dates = {
        "starts_at": start,
        "ends_at": end,
        "draw_at": (end + timedelta(days=5)).replace(hour=11),
    }
    contest = create_contest(organization, {**_MUSEUM_TERMS, **dates, **terms}, user)
    for title, quantity, value in prizes:
        prize = {"title": title, "description": "", "quantity": quantity, "unit_value": value}
        add_prize(contest, {**prize, "currency": "EUR"}, user)
    db.session.refresh(contest)
    return contest


def _create_demo_contest(organization: Organization, user: User, now: datetime) -> Contest:
    contest = _museum_contest(
        organization,
        user,
        now - timedelta(days=1),
        now + timedelta(days=30),
        (
            ("Pass annuel duo", 1, 18000),
            ("Visite guidée privée pour 6 personnes", 2, 9000),
            ("Catalogue de l'exposition", 5, 3900),
        ),
        title="Grand jeu-concours de l'hiver",
        slug=DEMO_SLUG,
        description="Tentez de gagner des pass annuels et des visites guidées du musée. "
        "Jeu gratuit sans obligation d'achat.",
        territory="FR,BE,LU,CH",
        exclusions="Personnel de l'organisateur et leur famille.",
    )
    publish_contest(contest, user, now)
    return contest


#: A real League of Entropy mainnet round, as https://api.drand.sh/public/72785 serves it: the
#: finished demo contest closed ten minutes before it, so its draw is verifiable offline.
RECORDED_ROUND = {
    "round": 72785,
    "signature": "82f5d3d2de4db19d40a6980e8aa37842a0e55d1df06bd68bddc8d60002e8e959eb9cfa368b3c1b"
    "77d18f02a54fe047b80f0989315f83b12a74fd8679c4f12aae86eaf6ab5690b34f1fddd50ee3cc6f6cdf59e9"
    "5526d5a5d82aaa84fa6f181e42",
    "previous_signature": "a609e19a03c2fcc559e8dae14900aaefe517cb55c840f6e69bc8e4f66c8d18e8a6096"
    "85d9917efbfb0c37f058c2de88f13d297c7e19e0ab24813079efe57a182554ff054c7638153f9b26a60e7111"
    "f71a0ff63d9571704905d3ca6df0b031747",
}


def _create_finished_contest(organization: Organization, user: User, now: datetime) -> Contest:
    """A contest of August 2020, with a few hundred entries and its published draw: its list was
    frozen at the close and drawn from a recorded drand round (72785, ten minutes later), so the
    whole protocol, the beacon's signature included, can be checked without a network."""
    closes = datetime(2020, 8, 16, 23, 39)  # Paris time: 21:39 UTC, round 72785 at 21:49:30 UTC
    contest = _museum_contest(
        organization,
        user,
        now,
        now,
        (("Pass annuel duo", 1, 18000), ("Catalogue de l'exposition", 2, 3900)),
        title="Jeu-concours de l'été 2020 (terminé)",
        slug=FINISHED_SLUG,
        description="Un jeu terminé, pour voir un tirage vérifiable publié : liste figée à la "
        "clôture, hasard d'une balise drand publiée dix minutes plus tard.",
        territory="FR",
        starts_at=datetime(2020, 8, 10, 9, 0),
        ends_at=closes,
        draw_at=datetime(2020, 8, 17, 11, 0),
        entropy_sources="",
        entropy_format="drand-mainnet",
    )
    _publish_and_enter(contest, user, FINISHED_ENTRIES, "Participant", "participant", minutes=7)
    # As the worker would have: the list frozen at the close, drawn on the announced date.
    freeze_entrants(contest, contest.ends_at)
    perform_draw(contest, [json.dumps(RECORDED_ROUND)], user, contest.draw_at)
    return contest


def _create_purged_contest(organization: Organization, user: User, now: datetime) -> Contest:
    """A contest of spring 2021 past its retention period: drawn, its prize delivered, then every
    entrant's personal data erased by the purge (winners' too, their own period over as well);
    its draw still verifies and each entrant's receipt still finds their anonymous line."""
    contest = _museum_contest(
        organization,
        user,
        now,
        now,
        (("Deux entrées pour l'exposition de printemps", 1, 2400),),
        title="Jeu du printemps 2021 (terminé, données effacées)",
        slug=PURGED_SLUG,
        description="Un jeu ancien dont la durée de conservation est passée : les données "
        "personnelles ont été effacées, le tirage publié reste vérifiable.",
        territory="FR",
        starts_at=datetime(2021, 4, 1, 9, 0),
        ends_at=datetime(2021, 4, 30, 23, 59),
        draw_at=datetime(2021, 5, 3, 11, 0),
        entropy_sources="Valeurs de démonstration saisies pour ce jeu fictif",
        entropy_format="free",
        data_retention_months=12,
        winners_retention_months=24,
    )
    _publish_and_enter(contest, user, PURGED_ENTRIES, "Ancien", "ancien", minutes=9 * 60)
    freeze_entrants(contest, contest.ends_at)
    perform_draw(contest, ["3 14 15 92 65"], user, contest.draw_at)
    delivered = contest.draw_at + timedelta(days=20)
    db.session.execute(
        update(Award)
        .where(Award.entry_id.in_(select(Entry.id).where(Entry.contest_id == contest.id)))
        .values(status=AwardStatus.DELIVERED, delivered_at=delivered)
    )
    retention.purge_contest(contest, retention.ENTRANTS, retention.retention_end(contest))
    retention.purge_contest(
        contest, retention.WINNERS, retention.retention_end(contest, winners=True)
    )
    return contest


def _create_history_contest(organization: Organization, user: User, now: datetime) -> Contest:
    """The client's last three months: a contest open from the first day of the month three
    months ago until three days ago, with entries every day (more at weekends and in the
    evening), channels, embedded pages and campaigns, postal codes, opt-ins, people back from the
    2020 contest, refused repeats and the form's views; frozen at the close as the worker would.
    So the statistics and the monthly report (with the month before to compare) are full at
    once. Deterministic: the same figures on every machine for the same ``now``."""
    rng = random.Random(2026)
    local = utc_to_local(now, _MUSEUM_TERMS["timezone"])
    first = (local.replace(day=1) - timedelta(days=62)).replace(day=1)
    contest = _museum_contest(
        organization,
        user,
        first,
        now - timedelta(days=3),
        (("Pass annuel duo", 1, 18000), ("Livre d'art dédicacé", 3, 4500)),
        title="Jeu-concours de l'automne",
        slug=HISTORY_SLUG,
        description="Trois mois de participations : pour voir les statistiques et le rapport "
        "mensuel du client.",
        territory="FR",
    )
    publish_contest(contest, user, contest.starts_at - timedelta(days=1))
    host = json.dumps(
        {
            "host": "https://www.musee-demo.example/expositions/automne",
            "utm_source": "newsletter",
            "utm_medium": "email",
            "utm_campaign": "automne",
        }
    )
    places = ("75003", "75011", "92100", "93100", "94300", "69002", "13001", "33000", "20000")
    views, day, number = [], contest.starts_at, 0
    while day < contest.ends_at:
        weekend = utc_to_local(day, _MUSEUM_TERMS["timezone"]).weekday() >= 5
        for _ in range(rng.randint(4, 9) + (5 if weekend else 0)):
            number += 1
            at = day + timedelta(minutes=rng.choice((60, 180, 300, 540, 600, 660)) + number % 50)
            if at >= contest.ends_at:
                break
            channel = rng.choice(("poster", "flyer", "embed", "", ""))
            back = number % 12 == 0 and number // 12 <= FINISHED_ENTRIES
            submit_entry(
                contest,
                EntryInput(
                    first_name="Visiteur",
                    last_name=f"n°{number}",
                    email=f"participant{number // 12}@example.org"
                    if back
                    else f"visiteur{number}@example.org",
                    postal_code=rng.choice(places) if rng.random() < 0.9 else "97400",
                    marketing_opt_in=rng.random() < 0.42,
                    consent_texts=_CONSENT,
                    source=channel,
                    attribution=host if channel == "embed" else "",
                ),
                at,
            )
        hour = day.replace(minute=0, second=0, microsecond=0) + timedelta(hours=10)
        views += [(contest.id, "page", hour, rng.randint(20, 40))]
        views += [(contest.id, "embed", hour + timedelta(hours=8), rng.randint(10, 25))]
        views += [(contest.id, "again", hour + timedelta(hours=9), rng.randint(0, 2))]
        day += timedelta(days=1)
    db.session.execute(
        insert(PageView),
        [{"contest_id": c, "kind": k, "hour": h, "count": n} for c, k, h, n in views if n],
    )
    freeze_entrants(contest, contest.ends_at)
    return contest


def _publish_and_enter(
    contest: Contest, user: User, count: int, first_name: str, mailbox: str, minutes: int
) -> None:
    """Publish a past demo contest the day before it opened and enter ``count`` people, one every
    ``minutes`` from the opening, through the real submission path."""
    opened = contest.starts_at
    publish_contest(contest, user, opened - timedelta(days=1))
    for n in range(count):
        submit_entry(
            contest,
            EntryInput(
                first_name=first_name,
                last_name=f"n°{n + 1}",
                email=f"{mailbox}{n + 1}@example.org",
                consent_texts=_CONSENT,
            ),
            opened + timedelta(minutes=minutes * n),
        )
