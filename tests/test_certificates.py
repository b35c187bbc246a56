"""Draw and winner certificates, and the entry form's QR codes, read back by real tools.

PDFs are read with poppler's pdftotext; QR codes are rasterized (pdftoppm) and decoded with
zbar's zbarimg, the decoder a phone's camera app stands for.
"""

import base64
import csv
import io
import json
import re
import subprocess
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date
from sqlalchemy import select

from contests.documents.pdf import html_to_pdf
from contests.entries.numbering import entry_numbered
from contests.entries.review import disqualify_entry
from contests.models import Entry, User
from contests.winners.claims import notify_all
from contests.winners.drawing import perform_draw
from contests.winners.substitution import substitute_winner
from helpers import enter, sign_in

VALUES = ["3 14 25 36 47"]


def pdf_text(pdf: bytes) -> str:
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    return " ".join(text.split())


def decode_qr_png(png: bytes, tmp_path) -> list[str]:
    path = tmp_path / "code.png"
    path.write_bytes(png)
    result = subprocess.run(["zbarimg", "--raw", "-q", str(path)], capture_output=True, text=True)
    return [line for line in result.stdout.splitlines() if line]


def decode_qr_pdf(pdf: bytes, tmp_path) -> list[str]:
    """Rasterize the first page at 150 dpi, as a printed copy scanned by a phone would be."""
    (tmp_path / "doc.pdf").write_bytes(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "150",
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(tmp_path / "doc.pdf"),
            str(tmp_path / "page"),
        ],
        check=True,
    )
    return decode_qr_png((tmp_path / "page.png").read_bytes(), tmp_path)


@pytest.fixture
def drawn(factory, museum, db):
    """A drawn contest: 8 confirmed entries, 1 pending, 1 disqualified for a reason, then the
    draw."""
    contest = factory.contest(
        museum, publish=True, slug="noel", min_age=0, prizes=2, alternates_per_prize=1
    )
    people = [
        factory.entry(
            contest, email=f"p{n}@example.org", first_name=f"Zoé{n}", last_name=f"Durand{n}"
        )
        for n in range(10)
    ]
    people[8].status, people[8].confirmed_at = "pending", None
    alice = db.session.execute(select(User)).scalar_one()
    disqualify_entry(people[9], "Compte en double", alice, datetime.now(UTC))
    contest.ends_at = datetime.now(UTC) - timedelta(minutes=1)
    contest.draw_at = contest.ends_at  # the draw date the rules announce
    db.session.commit()
    draw = perform_draw(contest, VALUES, None, datetime.now(UTC))
    db.session.commit()
    return contest, draw


def test_public_draw_certificate_has_the_figures_pseudonyms_and_a_working_qr(
    app, client, drawn, tmp_path
):
    contest, draw = drawn
    response = client.get(f"/d/{draw.id}/certificate.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    record = json.loads(draw.record)
    for value in (
        record["seed"],
        record["entrants"]["merkle_root"],
        record["spec_hash"],
        "3 14 25 36 47",
        "vdraw-v1",
        "Jeu de Noël",
        "Société Test SAS",
    ):
        assert value in text, value
    # Counts: 10 received, 1 not confirmed, 1 disqualified with its reason, 8 eligible (in French:
    # the contest's language).
    assert "Participations reçues 10" in text and "non confirmées : 1" in text
    assert "Compte en double" in text and "8 · 8 tickets" in text
    rules = contest_rules_hash(contest)
    assert rules in text
    winner = record["winners"][0]["entry_id"]
    entry = entry_numbered(contest.id, winner)
    assert f"{entry.first_name} D." in text and entry.last_name not in text  # pseudonymized
    assert decode_qr_pdf(response.data, tmp_path) == [f"http://localhost/d/{draw.id}"]


def contest_rules_hash(contest):
    from contests.rules.versions import current_version

    return current_version(contest).sha256


def test_organizer_copy_and_winner_certificate_carry_full_names(app, client, db, drawn, tmp_path):
    contest, draw = drawn
    base = f"/admin/o/{contest.organization_id}/contests/{contest.id}/draw"
    assert client.get(base + "/certificate.pdf").status_code == 302  # sign-in first
    sign_in(client, "alice@example.org")
    text = pdf_text(client.get(base + "/certificate.pdf").data)
    record = json.loads(draw.record)
    for ranked in record["winners"] + record["alternates"]:
        entry = entry_numbered(contest.id, ranked["entry_id"])
        assert f"{entry.first_name} {entry.last_name}" in text
    winner = entry_numbered(contest.id, record["winners"][0]["entry_id"])
    response = client.get(
        f"{base}/winners/{winner.number}/certificate.pdf", query_string={"city": "Lyon <b>"}
    )
    assert response.status_code == 200
    text = pdf_text(response.data)
    for value in (
        f"{winner.first_name} {winner.last_name}",
        "Lyon <b>",
        "Lot 1",
        "50,00 €",
        "Société Test SAS",
        "vdraw-v1",
        str(draw.id),
    ):
        assert value in text, value
    # Not notified yet: the period as the rules word it, counted from the mail.
    assert "30 jours à compter du courriel" in text and "Signature" in text
    # Notified: the deadline the notification started (30 days after the mail), in French.
    mailed = datetime.now(UTC) + timedelta(days=3)
    notify_all(draw, "http://localhost", mailed, None)
    db.session.commit()
    text = pdf_text(
        client.get(
            f"{base}/winners/{winner.number}/certificate.pdf", query_string={"city": "Lyon"}
        ).data
    )
    deadline = (mailed + timedelta(days=30)).astimezone(ZoneInfo("Europe/Paris"))
    assert f"Date limite de réclamation {format_date(deadline, 'long', locale='fr')}" in text
    assert decode_qr_pdf(response.data, tmp_path) == [f"http://localhost/d/{draw.id}"]
    # Only current winners get one.
    loser = (
        db.session.execute(
            select(Entry).where(
                Entry.contest_id == contest.id,
                Entry.number.not_in([w["entry_id"] for w in record["winners"]]),
            )
        )
        .scalars()
        .first()
    )
    assert client.get(f"{base}/winners/{loser.number}/certificate.pdf").status_code == 404


def test_other_organizations_cannot_print_certificates(app, client, factory, drawn):
    contest, draw = drawn
    factory.organization("Autre", owner=factory.user("bob@example.org"))
    sign_in(client, "bob@example.org")
    base = f"/admin/o/{contest.organization_id}/contests/{contest.id}"
    for path in ("/draw/certificate.pdf", "/qr.png?channel=poster"):
        assert client.get(base + path).status_code == 404


def test_qr_codes_per_channel_decode_and_entries_record_the_channel(
    app, client, db, factory, museum, tmp_path
):
    contest = factory.contest(museum, publish=True, slug="affiche", min_age=0)
    sign_in(client, "alice@example.org")
    base = f"/admin/o/{museum.id}/contests/{contest.id}"
    png = client.get(base + "/qr.png", query_string={"channel": "poster-metro"})
    assert png.status_code == 200 and png.mimetype == "image/png"
    assert "affiche-poster-metro-qr.png" in png.headers["Content-Disposition"]
    assert decode_qr_png(png.data, tmp_path) == ["http://localhost/c/affiche?src=poster-metro"]
    svg = client.get(base + "/qr.svg", query_string={"channel": "flyer"})
    assert svg.mimetype == "image/svg+xml" and svg.data.startswith(b"<?xml")
    # The SVG, placed in a document, printed and scanned, decodes too.
    encoded = base64.b64encode(svg.data).decode()
    pdf = html_to_pdf(f'<img style="width:60mm" src="data:image/svg+xml;base64,{encoded}">')
    assert decode_qr_pdf(pdf, tmp_path) == ["http://localhost/c/affiche?src=flyer"]
    bad = client.get(base + "/qr.png", query_string={"channel": "=HYPERLINK(1)"})
    assert bad.status_code == 302

    assert enter(client, "affiche", email="a@example.org").status_code == 303  # direct
    html = client.get("/c/affiche?src=poster-metro").get_data(as_text=True)
    assert 'name="source" type="hidden" value="poster-metro"' in html
    from helpers import FORM_TOKEN

    token = FORM_TOKEN.search(html).group(1)
    response = client.post(
        "/c/affiche",
        data={
            "form_token": token,
            "source": "poster-metro",
            "first_name": "Léa",
            "last_name": "Petit",
            "email": "b@example.org",
            "accept_rules": "y",
        },
    )
    assert response.status_code == 303
    response = client.post(
        "/c/affiche",
        data={
            "form_token": token,
            "source": "=cmd|' /C calc'!A0",
            "first_name": "Jo",
            "last_name": "Roy",
            "email": "c@example.org",
            "accept_rules": "y",
        },
    )
    assert response.status_code == 303
    db.session.expire_all()
    sources = dict(db.session.execute(select(Entry.email, Entry.source)).all())
    assert sources == {"a@example.org": "", "b@example.org": "poster-metro", "c@example.org": ""}
    page = client.get(base + "/entries").get_data(as_text=True)
    assert "poster-metro: 1" in page
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(base + "/entries.csv?sep=comma").get_data(as_text=True).lstrip("\ufeff")
            )
        )
    )
    channel = rows[0].index("canal")  # a French contest: French headers
    assert sorted(r[channel] for r in rows[1:]) == ["", "", "poster-metro"]


def test_public_certificate_follows_substitutions(app, client, db, drawn):
    """The public copy is kept once rendered, but never outlives a change of the record."""
    contest, draw = drawn
    before = pdf_text(client.get(f"/d/{draw.id}/certificate.pdf").data)
    assert client.get(f"/d/{draw.id}/certificate.pdf").data  # served again (from the kept copy)
    record = json.loads(draw.record)
    replaced = record["winners"][0]["entry_id"]
    substitute_winner(draw, replaced, "unclaimed", None, datetime.now(UTC))
    db.session.commit()
    after = pdf_text(client.get(f"/d/{draw.id}/certificate.pdf").data)
    by = record["alternates"][0]["entry_id"]
    assert f"remplace {replaced}" not in before and "Remplacements" not in before
    assert "Remplacements" in after
    assert f"{by} (remplace {replaced})" in after
    # In French and as people write dates: no stored code, no ISO timestamp, no English footer.
    flat = " ".join(after.split())
    assert "n’a pas réclamé son lot à temps" in flat and "unclaimed" not in flat
    assert re.search(r"son lot à temps, \d+ \w+ 20\d\d \d\d:\d\d \(Europe/Paris\)", flat), flat
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:", flat)
    assert f"tirage {draw.id} · graine" in flat and "seed" not in flat


def test_public_draw_page_lists_a_called_alternate_once_as_a_winner(app, client, db, drawn):
    """After a substitution the alternate holds a prize: the page says so in the alternates list
    instead of listing the same entry as a winner and as a waiting alternate."""
    import re as regex

    contest, draw = drawn
    record = json.loads(draw.record)
    substitute_winner(draw, record["winners"][0]["entry_id"], "declined", None, datetime.now(UTC))
    db.session.commit()
    called = record["alternates"][0]["entry_id"]
    page = client.get(f"/d/{draw.id}").get_data(as_text=True)
    alternates = page[page.index("Suppléants") :]
    waiting = regex.findall(r"<li>Participation n° (\d+)</li>", alternates)
    assert str(called) not in waiting
    assert f"Participation n° {called} : appelée" in alternates


def test_organizers_see_winners_and_alternates_with_names_and_contacts(app, client, db, drawn):
    """The draw page of the admin names the people behind the entry numbers (organizers only)."""
    contest, draw = drawn
    record = json.loads(draw.record)
    first = record["winners"][0]["entry_id"]
    substitute_winner(draw, first, "declined", None, datetime.now(UTC))
    db.session.commit()
    called = record["alternates"][0]["entry_id"]
    sign_in(client, "alice@example.org")
    page = client.get(f"/admin/o/{contest.organization_id}/contests/{contest.id}/draw")
    html = page.get_data(as_text=True)
    people = {
        e.number: e
        for e in db.session.execute(select(Entry).where(Entry.contest_id == contest.id)).scalars()
    }
    for entry_id in {w["entry_id"] for w in record["winners"][1:]} | {called}:
        person = people[entry_id]
        assert f"{person.first_name} {person.last_name}" in html and person.email in html
    alternates = html[html.index("<h3>Alternates</h3>") :]
    assert "Called: holds a prize above" in alternates
    public = client.get(f"/d/{draw.id}").get_data(as_text=True)
    assert people[called].email not in public and people[called].last_name not in public


ENGLISH = re.compile(
    r"\b(draw|draws|entry|entries|seed|unclaimed|claimed|winner|winners|prize|prizes|alternates?|"
    r"waiting|called|vacant|none|organizer|rank|status|signature of|scan|certificate)\b",
    re.IGNORECASE,
)


def _words_on_page_one(pdf: bytes, tmp_path) -> list[tuple[str, float, float, float, float]]:
    (tmp_path / "doc.pdf").write_bytes(pdf)
    html = subprocess.run(
        ["pdftotext", "-bbox", "-f", "1", "-l", "1", str(tmp_path / "doc.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [
        (word, float(x0), float(y0), float(x1), float(y1))
        for x0, y0, x1, y1, word in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
            html,
        )
    ]


def _qr_box(pdf: bytes) -> tuple[float, float, float, float]:
    """Where the QR code is painted on page 1, in points from the top left as pdftotext -bbox
    counts: the code is a vector path (an SVG), the one filled path with hundreds of points."""
    from pypdf import PdfReader
    from pypdf.generic import ContentStream

    reader = PdfReader(io.BytesIO(pdf))
    page = reader.pages[0]
    height = float(page.mediabox.height)
    ctm, stack, points, filled = [1, 0, 0, 1, 0, 0], [], [], []

    def apply(x, y):
        a, b, c, d, e, f = ctm
        return a * x + c * y + e, b * x + d * y + f

    for operands, operator in ContentStream(page.get_contents(), reader).operations:
        if operator == b"q":
            stack.append(ctm)
        elif operator == b"Q":
            ctm = stack.pop()
        elif operator == b"cm":
            a, b, c, d, e, f = (float(v) for v in operands)
            A, B, C, D, E, F = ctm
            ctm = [a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D,
                   e * A + f * C + E, e * B + f * D + F]  # fmt: skip
        elif operator in (b"m", b"l"):
            points.append(apply(float(operands[0]), float(operands[1])))
        elif operator in (b"f", b"f*"):
            filled.append(points)
            points = []
        elif operator in (b"S", b"n"):
            points = []
    qr = max(filled, key=len)
    assert len(qr) > 100, [len(p) for p in filled]
    xs, ys = [x for x, _ in qr], [y for _, y in qr]
    return min(xs), height - max(ys), max(xs), height - min(ys)


def test_certificates_in_french_name_who_drew_keep_the_qr_clear_and_end_on_a_full_page(
    app, client, db, factory, museum, tmp_path
):
    """The QR code covered the organizer's name; page 2 held one paragraph; the procès-verbal did
    not say who ran the draw; French copies printed English words."""
    from pypdf import PdfReader

    contest = factory.contest(
        museum,
        publish=True,
        slug="demos",
        min_age=0,
        prizes=2,
        alternates_per_prize=1,
        legal_name="Démos, Associati & Partenaires culturels du Grand Est",
        legal_form="Société par actions simplifiée à associé unique",
        entropy_sources="Tirage de l'EuroMillions suivant la clôture : les cinq numéros",
    )
    for n in range(10):
        factory.entry(contest, email=f"p{n}@example.org", first_name=f"Zoé{n}", last_name="Durand")
    contest.ends_at = datetime.now(UTC) - timedelta(minutes=1)
    contest.draw_at = contest.ends_at
    db.session.commit()
    draw = perform_draw(contest, VALUES, None, datetime.now(UTC), by="Camille Martin")
    db.session.commit()
    record = json.loads(draw.record)
    winner = entry_numbered(contest.id, record["winners"][0]["entry_id"])
    sign_in(client, "alice@example.org")
    base = f"/admin/o/{contest.organization_id}/contests/{contest.id}/draw"
    documents = {
        "public": client.get(f"/d/{draw.id}/certificate.pdf").data,
        "organizer": client.get(base + "/certificate.pdf").data,
        "winner": client.get(f"{base}/winners/{winner.number}/certificate.pdf").data,
    }
    for name, pdf in documents.items():
        text = pdf_text(pdf)
        assert "Démos, Associati & Partenaires culturels du Grand Est" in text, name
        # Identifiers (contests-draw, contests.draw.verify) are names, not English words.
        english = ENGLISH.findall(re.sub(r"\S*[-.]draw\b\S*", "", text))
        assert not english, (name, english, text)
        # Nothing printed under the QR code.
        qx0, qy0, qx1, qy1 = _qr_box(pdf)
        assert 60 < qx1 - qx0 < 80  # 27 mm with its white margin
        assert decode_qr_pdf(pdf, tmp_path) == [f"http://localhost/d/{draw.id}"]
        covered = [
            word
            for word, x0, y0, x1, y1 in _words_on_page_one(pdf, tmp_path)
            if x0 < qx1 and x1 > qx0 and y0 < qy1 and y1 > qy0
        ]
        assert not covered, (name, covered)
        # No page that holds a lone paragraph: the last page carries the closing block whole.
        pages = [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]
        if len(pages) > 1:
            assert len(pages[-1].split()) > 60, (name, pages[-1])
    public = pdf_text(documents["public"])
    assert "Tirage effectué par Camille Martin" in public
    assert f"participation {winner.number}" in pdf_text(documents["winner"])
