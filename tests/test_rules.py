"""Legal rules: templates per jurisdiction, publication refusals, versions and amendments, PDFs."""

import http.server
import subprocess
import threading
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from contests.contest.amendment import amend_rules
from contests.contest.editing import add_prize
from contests.contest.publishing import missing_for_publish, publish_contest
from contests.documents.pdf import html_to_pdf
from contests.models import AuditEvent, RulesVersion
from contests.rules.templates import load_templates
from contests.rules.versions import all_versions, current_version
from helpers import post_form

ROOT = Path(__file__).resolve().parent.parent


def pdf_text(pdf: bytes) -> str:
    """What a reader of the PDF sees, by poppler's pdftotext, with whitespace folded and
    typographic apostrophes and quotes written straight (the mentions below are about words;
    test_rules_typography checks the typography)."""
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    straight = str.maketrans({"\u2019": "'", "\u201c": '"', "\u201d": '"'})
    return " ".join(text.split()).translate(straight)


JURISDICTIONS = {
    "fr/tirage-au-sort": dict(jurisdiction="FR", mechanic="random_draw", language="fr"),
    "fr/concours": dict(
        jurisdiction="FR",
        mechanic="skill",
        language="fr",
        tie_breaker_question="Combien de visiteurs le 31 décembre ?",
        jury_description="Trois conservateurs du musée.",
        jury_criteria="Originalité : 10\nRespect du thème : 5",
    ),
    "us/sweepstakes": dict(
        jurisdiction="US",
        mechanic="random_draw",
        language="en",
        territory="US",
        timezone="America/New_York",
        governing_law="the State of New York",
        free_entry_route="Mail a postcard with your name and email to 1 Main St, Albany NY 12207.",
    ),
    "gb/prize-draw": dict(
        jurisdiction="GB",
        mechanic="random_draw",
        language="en",
        territory="GB",
        timezone="Europe/London",
    ),
    "ca/contest": dict(
        jurisdiction="CA",
        mechanic="random_draw",
        language="en",
        territory="CA",
        timezone="America/Toronto",
        governing_law="the Province of Ontario",
        skill_testing_question="(12 x 3) + 6 - 4 = ?",
    ),
    "ca/concours-qc": dict(
        jurisdiction="CA",
        mechanic="random_draw",
        language="fr",
        territory="CA",
        timezone="America/Montreal",
        governing_law="la province de Québec",
        skill_testing_question="(12 x 3) + 6 - 4 = ?",
    ),
}

COMMON_FR = [
    "Société Test SAS",
    "SAS",
    "SIREN 123 456 789",
    "1 rue de Rivoli, 75001 Paris",
    "jeu@example.org",
    "Jeu de Noël",
    "heure de Paris",
    "horloge des serveurs",
    "18 ans",
    "France",
    "membres du personnel",
    "une seule par personne",
    "Lot 1",
    "Valeur totale des dotations",
    "50,00 €",
    "converties en numéraire",
    "30 jours",
    "suppléant",
    "dpo@example.org",
    "6.1.b",
    "Destinataires",
    "hors de l'Union européenne",
    "12 mois",
    "CNIL",
    "consentement distinct et facultatif",
    "gratuit",
    "droit français",
    "reste seul responsable",
    "Sont obligatoires pour participer : le nom, le prénom",
]
#: What a random draw prints and a jury contest must not (it is not a draw in disguise).
DRAW_FR = [
    "sans nouveau tirage",
    "tirage complémentaire",
    "Les données des gagnants",
    "que s'il y consent en réclamant sa dotation",
]
COMMON_EN = [
    "Société Test SAS",
    "SIREN 123 456 789",
    "1 rue de Rivoli, 75001 Paris",
    "jeu@example.org",
    "Jeu de Noël",
    "official timekeeping",
    "18 or over",
    "Employees",
    "one entry per person",
    "Lot 1",
    "no cash alternative",
    "substitute a prize of equal or greater value",
    "30 days",
    "next alternate",
    "no new draw",
    "supplementary draw",
    "free of charge",
    "responsible for its rules",
]
MENTIONS = {
    "fr/tirage-au-sort": COMMON_FR
    + DRAW_FR
    + ["Jeu gratuit sans obligation d'achat", "tirage au sort", "vdraw-v1", "EuroMillions"],
    "fr/concours": COMMON_FR
    + [
        "jury",
        "Trois conservateurs du musée",
        "Originalité 10 points",
        "procès-verbal de délibération",
        "question subsidiaire",
        "Combien de visiteurs le 31 décembre ?",
    ],
    "us/sweepstakes": COMMON_EN
    + [
        "NO PURCHASE NECESSARY",
        "A PURCHASE WILL NOT INCREASE YOUR CHANCES OF WINNING",
        "VOID WHERE PROHIBITED",
        "Free alternate method of entry",
        "Mail a postcard",
        "winners list page by first name, initial and city",
        "necessary to enter",
        "approximate retail value (ARV)",
        "Total ARV",
        "Odds of winning",
        "affidavit of eligibility",
        "publicity release",
        "taxes",
        "the State of New York",
        "Sponsor",
        "New York time",
        "verifiably random computer process",
    ],
    "gb/prize-draw": COMMON_EN
    + [
        "closing date",
        "Promoter",
        "Free entry route",
        "no purchase or proof of purchase",
        "verifiably random computer process",
        "surname and county",
        "object",
        "UK GDPR",
        "Information Commissioner",
        "dpo@example.org",
        "12 months",
        "England and Wales",
        "12 months after the closing date",
        "unless the winner objected when claiming the prize",
        "Required to enter: name, email address",
    ],
    "ca/concours-qc": [
        "Société Test SAS",
        "SIREN 123 456 789",
        "jeu@example.org",
        "Jeu de Noël",
        "heure de Montréal",
        "Aucun achat requis",
        "question d'habileté mathématique",
        "(12 x 3) + 6 - 4 = ?",
        "valeur approximative totale",
        "chances de gagner",
        "la province de Québec",
        "Charte de la langue française",
        "telle que modifiée par la Loi 25",
        "Commission d'accès à l'information",
        "qu'avec son consentement",
        "nécessaires pour participer",
        "30 jours",
        "suppléant",
        "reste seul responsable",
        "Lot 1",
    ],
    "ca/contest": COMMON_EN
    + [
        "skill-testing question",
        "(12 x 3) + 6 - 4 = ?",
        "approximate value",
        "Odds of winning",
        "prizes available to be won",
        "the Province of Ontario",
        "Privacy Commissioner",
        "published only with their consent",
        "necessary to enter",
    ],
}


def publish(factory, organization, **overrides):
    from contests.extensions import db

    contest = factory.contest(organization, **overrides)
    publish_contest(contest, None, factory.now, "http://localhost/")
    db.session.commit()
    return contest


def test_every_template_has_a_valid_manifest_and_text(app):
    templates = load_templates(Path(app.config["RULES_TEMPLATES_PATH"]))
    assert set(templates) == set(JURISDICTIONS)
    for key, template in templates.items():
        assert (ROOT / "rules_templates" / key / "template.html").is_file()
        assert template.paper == ("Letter" if key.split("/")[0] in ("us", "ca") else "A4")
        assert all(f.label["fr"] and f.label["en"] for f in template.fields)


@pytest.mark.parametrize("key", sorted(JURISDICTIONS))
def test_each_template_prints_every_mandatory_mention_in_its_pdf(app, client, factory, museum, key):
    contest = publish(factory, museum, slug=key.replace("/", "-"), **JURISDICTIONS[key])
    row = current_version(contest)
    assert row.number == 1 and row.template == key
    response = client.get(f"/c/{contest.slug}/rules.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    missing = [m for m in MENTIONS[key] if m not in text]
    assert not missing, f"{key}: missing {missing} in {text}"
    if contest.mechanic == "random_draw":
        from contests.winners.records import draw_of

        commitment = draw_of(contest)
        assert commitment.spec_hash in text
        assert f"http://localhost/d/{commitment.id}" in text
    assert f"http://localhost/c/{contest.slug}/rules" in text
    # Footer on every page: the version, its hash, "Page x / y".
    reader = PdfReader(BytesIO(response.data))
    pages = len(reader.pages)
    assert f"Page 1 / {pages}" in text and f"Page {pages} / {pages}" in text and row.sha256 in text
    width, height = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    assert (round(width), round(height)) == (
        (612, 792) if contest.jurisdiction in ("US", "CA") else (595, 842)
    )


def test_pdf_embeds_its_fonts_and_keeps_accents(app, client, factory, museum, tmp_path):
    contest = publish(
        factory,
        museum,
        slug="accents",
        legal_name="Cœur de Ça Éditions",
        exclusions="Œuvres, façades: 10 €.",
    )
    pdf = client.get(f"/c/{contest.slug}/rules.pdf").data
    text = pdf_text(pdf)
    for word in ("Cœur de Ça Éditions", "Œuvres, façades: 10 €.", "règlement", "sœurs"):
        assert word in text
    path = tmp_path / "accents.pdf"
    path.write_bytes(pdf)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True).stdout.decode()
    rows = [line.split() for line in fonts.splitlines()[2:] if line.strip()]
    assert rows and all(row[-5] == "yes" for row in rows), fonts  # the "emb" column


def test_pdf_is_rendered_once_then_served_from_the_database(app, client, factory, museum, db):
    contest = publish(factory, museum, slug="cache")
    first = client.get(f"/c/{contest.slug}/rules/v1.pdf")
    row = db.session.execute(
        select(RulesVersion).where(RulesVersion.contest_id == contest.id)
    ).scalar_one()
    assert row.pdf == first.data
    again = client.get(f"/c/{contest.slug}/rules/v1.pdf")
    assert again.data == first.data and "max-age=31536000" in again.headers["Cache-Control"]
    assert again.headers["ETag"] == f'"{row.sha256}"'
    assert (
        client.get(
            f"/c/{contest.slug}/rules/v1.pdf", headers={"If-None-Match": f'"{row.sha256}"'}
        ).status_code
        == 304
    )


def test_organizer_text_is_escaped_in_the_rules(app, client, factory, museum):
    contest = publish(
        factory,
        museum,
        slug="escape",
        legal_name='<script>alert("x")</script> SAS',
        exclusions='<img src="file:///etc/passwd">',
    )
    html = client.get(f"/c/{contest.slug}/rules").get_data(as_text=True)
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    assert '<img src="file:///etc/passwd">' not in html
    text = pdf_text(client.get(f"/c/{contest.slug}/rules.pdf").data)
    assert '<script>alert("x")</script> SAS' in text  # printed as text, not interpreted


class _CountingHandler(http.server.BaseHTTPRequestHandler):
    hits = 0

    def do_GET(self):  # noqa: N802 - http.server's naming
        type(self).hits += 1
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args):
        pass


def test_safe_url_fetcher_reads_no_file_and_no_network(app, tmp_path):
    server = http.server.HTTPServer(("127.0.0.1", 0), _CountingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    url = f"http://127.0.0.1:{server.server_port}/x.png"
    try:
        pdf = html_to_pdf(f"""<html><head><link rel="stylesheet" href="{url}">
            <link rel="stylesheet" href="file://{secret}"></head><body><p>Bonjour</p>
            <img src="file:///etc/passwd"><img src="{url}"><iframe src="file://{secret}"></iframe>
            <object data="file://{secret}"></object>
            <p style="background: url('{url}')">x</p></body></html>""")
    finally:
        server.shutdown()
        server.server_close()
    assert _CountingHandler.hits == 0
    text = pdf_text(pdf)
    assert "Bonjour" in text and "TOP-SECRET" not in text and "root:" not in text


def test_publish_refuses_with_the_exact_list_of_missing_fields(
    app, client, factory, museum, db, runner
):
    contest = factory.contest(
        museum,
        slug="incomplet",
        language="en",
        jurisdiction="US",
        territory="US",
        claim_days=None,
        governing_law="",
        free_entry_route="",
        draw_at=None,
    )
    missing = [str(m) for m in missing_for_publish(contest, factory.now)]
    assert missing == [
        "Winners selected on",
        "Days to claim a prize",
        "Free alternate method of entry (AMOE)",
        "Governing law (state)",
    ]
    result = runner.invoke(args=["publish", "incomplet"])
    assert result.exit_code == 1
    assert [line.strip("- ").strip() for line in result.output.splitlines()[1:]] == missing
    from helpers import sign_in

    sign_in(client, "alice@example.org")
    page = f"/admin/o/{museum.id}/contests/{contest.id}"
    post_form(client, page + "/publish", page=page)
    html = client.get(page).get_data(as_text=True)
    assert (
        "Cannot publish yet. Missing: Winners selected on, Days to claim a prize, Free alternate "
        "method of entry (AMOE), Governing law (state)." in html
    )
    db.session.expire_all()
    assert contest.state == "draft" and current_version(contest) is None


def test_missing_fields_are_named_in_french_for_a_french_organizer(app, factory, museum):
    from flask_babel import force_locale

    contest = factory.contest(museum, claim_days=None, dpo_contact="")
    with force_locale("fr"):
        assert [str(m) for m in missing_for_publish(contest, factory.now)] == [
            "Délai de réclamation des lots (jours)",
            "Contact protection des données",
        ]


def test_no_template_for_a_combination_is_refused(app, factory, museum):
    contest = factory.contest(
        museum, jurisdiction="US", mechanic="skill", tie_breaker_question="?", jury_description="J"
    )
    assert [str(m) for m in missing_for_publish(contest, factory.now)] == [
        "Rules template for this jurisdiction and mechanic (US, skill)"
    ]


@pytest.mark.parametrize(
    "unit_value, registered, expected, absent",
    [
        (
            600000,
            False,
            "Residents of New York and Florida are not eligible",
            "registered with the New York Secretary of State",
        ),
        (
            600000,
            True,
            "registered with the New York Secretary of State",
            "Residents of New York and Florida are not eligible",
        ),
        (500000, False, None, "New York and Florida"),
    ],
)
def test_us_registration_follows_the_prize_values(
    app, client, db, factory, museum, unit_value, registered, expected, absent
):
    contest = factory.contest(
        museum, prizes=0, slug="usa", ny_fl_registered=registered, **JURISDICTIONS["us/sweepstakes"]
    )
    add_prize(
        contest, {"title": "Car", "quantity": 1, "unit_value": unit_value, "currency": "USD"}, None
    )
    db.session.commit()
    publish_contest(contest, None, factory.now)
    db.session.commit()
    html = " ".join(client.get("/c/usa/rules").get_data(as_text=True).split())
    if expected:
        assert expected in html
    assert absent not in html


def test_amendment_creates_a_dated_version_and_keeps_the_history(app, client, factory, museum, db):
    from helpers import sign_in

    contest = publish(factory, museum, slug="avenant")
    v1 = current_version(contest)
    sign_in(client, "alice@example.org")
    page = f"/admin/o/{museum.id}/contests/{contest.id}/rules/amend"
    form = client.get(page).get_data(as_text=True)
    assert (
        'name="claim_days"' in form and 'name="ends_at"' not in form and 'name="title"' not in form
    )
    # Nothing changed: refused, no new version.
    response = post_form(
        client,
        page,
        {
            "summary": "Rien",
            "claim_days": "30",
            "legal_name": "Société Test SAS",
            "legal_form": "SAS",
            "registration_number": "SIREN 123 456 789",
            "legal_address": "1 rue de Rivoli, 75001 Paris",
            "contact_email": "jeu@example.org",
            "dpo_contact": "dpo@example.org",
            "data_retention_months": "12",
            "draw_at": _local(contest, "draw_at"),
        },
        page=page,
    )
    assert response.status_code == 400 and "nothing to amend" in response.get_data(as_text=True)
    response = post_form(
        client,
        page,
        {
            "summary": "Délai de réclamation porté à 45 jours.",
            "claim_days": "45",
            "legal_name": "Société Test SAS",
            "legal_form": "SAS",
            "registration_number": "SIREN 123 456 789",
            "legal_address": "1 rue de Rivoli, 75001 Paris",
            "contact_email": "jeu@example.org",
            "dpo_contact": "dpo@example.org",
            "data_retention_months": "12",
            "draw_at": _local(contest, "draw_at"),
        },
        page=page,
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    db.session.expire_all()
    v2 = current_version(contest)
    assert (
        v2.number == 2
        and v2.summary == "Délai de réclamation porté à 45 jours."
        and v2.sha256 != v1.sha256
    )
    assert "45 jours" in v2.html and "30 jours" in v1.html
    event = db.session.execute(
        select(AuditEvent).where(AuditEvent.action == "rules.amended")
    ).scalar_one()
    assert '"version": 2' in event.data or '"version":2' in event.data
    public = client.get("/c/avenant/rules").get_data(as_text=True)
    assert (
        "version 2 (en vigueur)" in public
        and "Délai de réclamation porté à 45 jours." in public
        and "/c/avenant/rules/v1" in public
    )
    old = client.get("/c/avenant/rules/v1").get_data(as_text=True)
    assert "remplacée par une version ultérieure" in old and v1.sha256 in old and "30 jours" in old
    assert "30 jours" in pdf_text(client.get("/c/avenant/rules/v1.pdf").data)
    amended = pdf_text(client.get("/c/avenant/rules.pdf").data)
    assert "45 jours" in amended
    # The amended PDF prints the amendment itself: what changed, when, the version it replaces.
    assert (
        "Avenant n° 1, publié le " in amended
        and "(heure de Paris) et en vigueur dès sa publication : Délai de réclamation porté à "
        "45 jours. Il remplace la version 1 (SHA-256 "
        + v1.sha256
        + ")."
        in amended
    )
    assert "Avenant" not in pdf_text(client.get("/c/avenant/rules/v1.pdf").data)


def _local(contest, name):
    from contests.timezones import utc_to_local

    return utc_to_local(getattr(contest, name), contest.timezone).strftime("%Y-%m-%dT%H:%M")


def test_amending_committed_terms_is_refused(app, factory, museum, db):
    from contests.errors import ValidationFailed

    contest = publish(factory, museum, slug="fige")
    with pytest.raises(ValidationFailed) as refused:
        amend_rules(contest, {"ends_at": None, "claim_days": 10}, "Prolongation", None, factory.now)
    assert "ends_at" in refused.value.errors
    db.session.rollback()
    assert current_version(contest).number == 1


def test_cli_lists_versions_and_writes_a_pdf(app, factory, museum, runner, tmp_path):
    publish(factory, museum, slug="cli-rules")
    out = tmp_path / "rules.pdf"
    result = runner.invoke(args=["rules", "cli-rules", "--pdf", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("v1 ") and "règlement du jeu" in pdf_text(out.read_bytes())


def test_meta_statement_when_promoted_on_facebook_or_instagram(app, client, factory, museum):
    publish(factory, museum, slug="insta", promoted_on_meta=True)
    assert "n'est ni organisé, ni parrainé, ni géré par Facebook, Instagram ou Meta" in pdf_text(
        client.get("/c/insta/rules.pdf").data
    )
    publish(
        factory, museum, slug="insta-us", promoted_on_meta=True, **JURISDICTIONS["us/sweepstakes"]
    )
    text = " ".join(client.get("/c/insta-us/rules").get_data(as_text=True).split())
    assert (
        "in no way sponsored, endorsed, administered by or associated with Facebook, Instagram or "
        "Meta" in text
    )
    assert "releases Meta Platforms, Inc." in text
    plain = publish(factory, museum, slug="sans-meta")
    assert "Meta" not in current_version(plain).html


def test_the_draw_address_printed_in_the_rules_exists_before_the_draw(app, client, factory, museum):
    from contests.winners.records import draw_of

    contest = publish(factory, museum, slug="avant-tirage")
    draw = draw_of(contest)
    assert f"http://localhost/d/{draw.id}" in current_version(contest).html
    page = client.get(f"/d/{draw.id}")
    assert page.status_code == 200 and draw.spec_hash in page.get_data(as_text=True)
    assert (
        client.get(f"/d/{draw.id}.json").status_code == 404
    )  # nothing drawn, nothing to verify yet


def _race(app, count, action):
    """Run ``action(session_contest)`` in ``count`` threads released together; collect outcomes."""
    import threading

    from contests.errors import WrongState
    from contests.extensions import db
    from contests.models import Contest

    results, barrier = [], threading.Barrier(count, timeout=30)

    def run(contest_id):
        with app.app_context():
            try:
                mine = db.session.get(Contest, contest_id)
                _ = mine.prizes, mine.questions  # loaded before the race, as a request would have
                barrier.wait()
                action(mine)
                db.session.commit()
                results.append("done")
            except WrongState:
                db.session.rollback()
                results.append("refused")
            except Exception as error:  # noqa: BLE001 - reported by the assertion
                db.session.rollback()
                results.append(repr(error))
            finally:
                db.session.remove()

    return results, run


@pytest.mark.parametrize("mechanic", ["random_draw", "skill"])
def test_two_organizers_publishing_at_once_publish_once(app, factory, museum, db, mechanic):
    import threading

    contest = factory.contest(
        museum,
        slug="course",
        mechanic=mechanic,
        tie_breaker_question="Combien ?",
        jury_description="Le jury du musée.",
    )
    results, run = _race(app, 3, lambda c: publish_contest(c, None, factory.now))
    threads = [threading.Thread(target=run, args=(contest.id,)) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["done", "refused", "refused"], results
    db.session.expire_all()
    assert [v.number for v in all_versions(contest)] == [1]


def test_amendments_saved_at_once_become_successive_versions(app, factory, museum, db):
    import threading

    contest = publish(factory, museum, slug="avenants")
    days = iter(range(40, 43))
    lock = threading.Lock()

    def amend(c):
        with lock:
            value = next(days)
        amend_rules(c, {"claim_days": value}, f"Délai porté à {value} jours.", None, factory.now)

    results, run = _race(app, 3, amend)
    threads = [threading.Thread(target=run, args=(contest.id,)) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["done", "done", "done"], results
    db.session.expire_all()
    versions = all_versions(contest)
    assert [v.number for v in versions] == [1, 2, 3, 4]
    assert len({v.sha256 for v in versions}) == 4


def test_the_rules_print_how_long_winners_data_is_kept(app, client, factory, museum):
    """The winners' own retention period, when the organizer sets one, is what the rules print
    (and what the purge keeps to, test_retention)."""
    contest = publish(
        factory,
        museum,
        slug="gardes",
        winners_retention_months=36,
        **JURISDICTIONS["fr/tirage-au-sort"],
    )
    text = pdf_text(client.get(f"/c/{contest.slug}/rules.pdf").data)
    assert "sont conservées 36 mois après la fin du Jeu" in " ".join(text.split())
