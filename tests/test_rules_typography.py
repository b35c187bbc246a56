"""The rules as a proofreader reads them (issue 18, shared defects): every optional clause filled,
each template published and its PDF read back.

No sentence runs into the next after an optional clause, the time zone is the one people say,
the title is not doubled, the first of a month is « 1er », French spaces are no-break ones where
« » : ; ! ? need them, English quotes are curly.
"""

import re
import subprocess
from datetime import datetime, timedelta
from io import BytesIO

import pytest
from pypdf import PdfReader
from test_rules import JURISDICTIONS, publish

from contests.rules.typography import local_time, typeset

#: Every optional clause the templates print when it is filled.
EVERYTHING = dict(
    title="Concours de Noël",
    bailiff="Maître Alix Huissier, 3 rue du Palais, 75001 Paris",
    agency="Agence Lumière, 5 rue du Mail, 75002 Paris",
    exclusions="Les gagnants de l'édition 2025.",
    share_capital="10 000 €",
    data_recipients="l'Organisateur et son agence",
    data_transfers="aucun",
    double_opt_in=True,
    entry_policy="daily",
)
#: A period ending on the first of a month, drawn two days later.
CLOSES = datetime(datetime.now().year + 1, 1, 1, 23, 59)
ZONES = {
    "Europe/Paris": ("heure de Paris", "Paris time"),
    "America/New_York": ("heure de New York", "New York time"),
    "Europe/London": ("heure de Londres", "London time"),
    "America/Toronto": ("heure de Toronto", "Toronto time"),
    "America/Montreal": ("heure de Montréal", "Montreal time"),
}


def _pdftotext(pdf: bytes, tmp_path) -> str:
    """The PDF's text as pdftotext gives it, the page footers taken out (a sentence runs across
    them), white space collapsed."""
    path = tmp_path / "rules.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    text = " ".join(text.split())
    return re.sub(r"\S+ · v\d+ · SHA-256 [0-9a-f]{64} Page \d+ / \d+ ?", "", text)


@pytest.mark.parametrize("key", sorted(JURISDICTIONS))
def test_every_template_reads_as_a_proofreader_wants(
    app, client, factory, museum, key, tmp_path, backend
):
    if backend != "sqlite":
        pytest.skip("the rules do not depend on the database")
    terms = {**JURISDICTIONS[key], **EVERYTHING}
    terms.setdefault("timezone", "Europe/Paris")
    starts = CLOSES - timedelta(days=40)
    contest = publish(
        factory,
        museum,
        slug=key.replace("/", "-"),
        starts_at=starts,
        ends_at=CLOSES,
        draw_at=CLOSES + timedelta(days=2),
        **terms,
    )
    pdf = client.get(f"/c/{contest.slug}/rules.pdf").data
    text = _pdftotext(pdf, tmp_path)
    # pypdf keeps the no-break spaces that pdftotext turns into plain ones.
    raw = "".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)
    french = contest.language == "fr"
    # No sentence glued to the next one where an optional clause ends.
    glued = re.findall(r"[a-zà-ÿ\)»”]\.[A-ZÀ-Ý][a-zà-ÿ]", text)
    assert not glued, f"{key}: {glued}"
    # The agency's address once (where it is introduced), its name alone where it is excluded.
    assert text.count("5 rue du Mail") == 1, key
    assert (
        f"met en œuvre le {'concours' if key.startswith('ca/') else 'Jeu'} (Agence Lumière)"
        if french
        else "and of its agency, Agence Lumière,"
    ) in text, key
    # The zone as people say it, never the IANA name.
    assert contest.timezone not in text and "fuseau" not in text
    assert ZONES[contest.timezone][0 if french else 1] in text
    # The title once, not "Règlement du concours « Concours de Noël »".
    assert "« Concours de Noël »" not in text[:200]
    assert text.count("Concours de Noël") >= 1
    assert not re.search(r"(Concours|Contest)[^.]{0,40}(Concours|Contest) de Noël", text[:300])
    # Quebec repealed its contest regime in 2023: no Régie to refer disputes to.
    assert "Régie" not in text
    if french:
        assert "1er janvier" in text and " 1 janvier" not in text
        # « » with no-break spaces inside, a narrow one before ;.
        assert "«\u00a0" in raw and "\u00a0»" in raw and "\u202f;" in raw, key
        html = client.get(f"/c/{contest.slug}/rules").get_data(as_text=True)
        assert "« " not in html and " »" not in html and " ;" not in html, key
        assert "l’Organisateur" in text and "l'Organisateur" not in text
    else:
        assert "1 January" in text or "January 1" in text
        assert '"' not in text and "'" not in text, re.findall(r".{20}['\"].{20}", text)[:3]
        assert "“" in text and "’" in text


def test_typesetting_touches_text_never_tags():
    html = '<p class="x">« Jeu » : oui ; <a href="https://e.example/a?b=1">l\'accès</a> !</p>'
    assert typeset(html, "fr") == (
        '<p class="x">«\u00a0Jeu\u00a0»\u00a0: oui\u202f; '
        '<a href="https://e.example/a?b=1">l’accès</a>\u202f!</p>'
    )
    english = '<p>The "Promoter" (the <a href="mailto:a@b.c">Promoter\'s</a>) "Jeu"</p>'
    assert typeset(english, "en") == (
        '<p>The “Promoter” (the <a href="mailto:a@b.c">Promoter’s</a>) “Jeu”</p>'
    )
    assert local_time("Europe/Paris", "fr") == "heure de Paris"
    assert local_time("Europe/Amsterdam", "fr") == "heure d’Amsterdam"
    assert local_time("America/New_York", "en") == "New York time"


def test_the_us_registration_clause_ends_with_a_space(app, client, db, factory, museum, tmp_path):
    """ "…filed with them. Winners are responsible…", not "…filed with them.Winners…"."""
    from contests.contest.editing import add_prize
    from contests.contest.publishing import publish_contest

    contest = factory.contest(
        museum, prizes=0, slug="usa", ny_fl_registered=True, **JURISDICTIONS["us/sweepstakes"]
    )
    car = {"title": "Car", "quantity": 1, "unit_value": 2_500_000, "currency": "USD"}
    add_prize(contest, car, None)
    db.session.commit()
    publish_contest(contest, None, factory.now)
    db.session.commit()
    text = _pdftotext(client.get("/c/usa/rules.pdf").data, tmp_path)
    assert "filed with them. Winners are responsible" in text, text[text.find("ARV") :][:600]


def test_a_long_prize_table_keeps_each_row_whole_and_prints_its_total_once(
    app, client, db, factory, museum
):
    """Forty prizes with descriptions: the table runs over pages, but each prize's name, quantity
    and values are on one page, the heads repeat and the total comes once, after the last."""
    from contests.contest.editing import add_prize
    from contests.contest.publishing import publish_contest

    contest = factory.contest(museum, prizes=0, slug="lots")
    for n in range(1, 41):
        add_prize(
            contest,
            {
                "title": f"Lot numéro {n}",
                "description": "Un coffret de livres d'art, de catalogues et d'affiches "
                "de l'exposition, livré à domicile. " * 2,
                "quantity": 1,
                "unit_value": 1000 + n,
                "currency": "EUR",
            },
            None,
        )
    db.session.commit()
    publish_contest(contest, None, factory.now)
    db.session.commit()
    pages = [
        " ".join(page.extract_text().split())
        for page in PdfReader(BytesIO(client.get("/c/lots/rules.pdf").data)).pages
    ]
    holding = [[n for n in range(1, 41) if f"Lot numéro {n} " in page] for page in pages]
    assert sum(1 for found in holding if found) >= 2  # the table does run over a page break
    for page, found in zip(pages, holding, strict=True):
        for n in found:  # its value on the same page as its name
            assert f"{10 + n / 100:.2f}".replace(".", ",") in page, n
    assert sorted(n for found in holding for n in found) == list(range(1, 41))
    totals = [i for i, page in enumerate(pages) if "Valeur totale des dotations" in page]
    assert totals == [max(i for i, found in enumerate(holding) if found)]
    assert sum("Valeur unitaire TTC" in page for page in pages) >= 2  # heads repeat
