"""The demo's jury contest: a poetry contest closed two days ago, its poems sent with the
entries, one juror who has scored and signed, one still to do so, so that "Jury" shows a
deliberation in progress (the organizer can add a juror and open their link)."""

from __future__ import annotations

from datetime import datetime, timedelta

from .contest.publishing import publish_contest
from .entries.submission import EntryInput, submit_entry
from .jury.panel import add_juror, record_scores, sign
from .models import Contest, Organization, User

JURY_SLUG = "poesie"

POEMS = (
    (
        "Alba",
        "Les marronniers ont lâché leurs bogues / sur le parvis, et les enfants les gardent.",
        41,
    ),
    ("Basile", "Octobre range ses ombres dans la salle des plâtres ; le gardien sourit.", 57),
    ("Capucine", "Une feuille rousse entre par la verrière et se pose sur l'Apollon.", 49),
    ("Dante", "Sous la pluie, la file d'attente devient un poème en imperméables.", 63),
    ("Esther", "Le vent fait tourner les pages du catalogue oublié sur le banc du jardin.", 52),
)


def create_jury_contest(organization: Organization, user: User, now: datetime, base_url: str):
    """Made with the same functions the admin and the entry form use."""
    from .demo import _museum_contest

    contest: Contest = _museum_contest(
        organization,
        user,
        now - timedelta(days=20),
        now - timedelta(days=2),
        (("Publication dans la revue du musée et pass annuel", 1, 18000),),
        title="Concours de poésie de l'automne",
        slug=JURY_SLUG,
        description="Écrivez un court poème sur le musée en automne : un jury de deux poètes "
        "choisit le gagnant.",
        territory="FR",
        mechanic="skill",
        alternates_per_prize=2,
        tie_breaker_question="Combien de poèmes recevrons-nous ?",
        jury_description="Louise Labé et Paul Verlaine, poètes, membres de l'association.",
        jury_criteria="Originalité : 10\nÉcriture : 10\nRespect du thème : 5",
        work_kind="text",
        work_prompt="Un poème de 20 à 5 000 caractères sur le musée en automne.",
    )
    opened = contest.starts_at
    publish_contest(contest, user, opened - timedelta(days=1))
    for n, (name, poem, answer) in enumerate(POEMS):
        at = opened + timedelta(hours=7 * n + 1)
        submit_entry(
            contest,
            EntryInput(
                first_name=name,
                last_name="Démo",
                email=f"poete{n + 1}@example.org",
                tie_breaker=answer,
                consent_texts={"rules": "J’ai lu et j’accepte le règlement du jeu."},
                work_text=poem,
            ),
            at,
        )
    louise, _ = add_juror(contest, "Louise Labé", "louise@example.org", user, base_url)
    add_juror(contest, "Paul Verlaine", "paul@example.org", user, base_url)
    judged = contest.ends_at + timedelta(hours=12)
    scores = {}
    for number in range(1, len(POEMS) + 1):
        for criterion, top in ((1, 10), (2, 10), (3, 5)):
            scores[(number, criterion)] = str((number * 7 + criterion * 3) % (top + 1))
    record_scores(contest, louise, scores, judged)
    sign(contest, louise, judged)
    return contest
