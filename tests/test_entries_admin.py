"""The organizer's side of entries: list, filters, search, review queue, CSV for Excel, CLI."""

import csv
import io
from datetime import UTC

import pytest
from sqlalchemy import select

from contests.models import AuditEvent, Entry
from helpers import post_form, sign_in


@pytest.fixture
def setup(app, client, factory, db):
    alice = factory.user("alice@example.org")
    museum = factory.organization("Musée", owner=alice)
    contest = factory.contest(
        museum,
        publish=True,
        slug="noel",
        min_age=0,
        phone_field="optional",
        postal_code_field="optional",
    )
    people = [
        ("Zoé", "Durand", "zoe@example.org", "0612345678", "75011"),
        ("Zoe", "DURAND", "zoe.durand@example.org", "", "75 011"),  # same household
        ("Paul", "Martin", "paul@example.org", "06 12 34 56 78", ""),  # same phone as Zoé
        (
            '=HYPERLINK("http://evil")',
            "+cmd",
            "-evil@example.org",
            "",
            "",
        ),  # formula injection attempt
        ("Élodie", "Lefèvre", "elodie@example.org", "", ""),
    ]
    for first, last, email, phone, postal in people:
        factory.entry(
            contest,
            email=email,
            first_name=first,
            last_name=last,
            phone=phone,
            postal_code=postal,
            ip_address="203.0.113.9",
        )
    sign_in(client, "alice@example.org")
    return {
        "museum": museum,
        "contest": contest,
        "base": f"/admin/o/{museum.id}/contests/{contest.id}",
    }


def test_signals_flag_clusters_without_blocking(app, db, setup):
    entries = db.session.execute(select(Entry).order_by(Entry.id)).scalars().all()
    assert len(entries) == 5 and all(e.status == "confirmed" for e in entries)
    flags = [set(e.flag_list) for e in entries]
    assert flags[0] == {"phone", "household", "ip_burst"}
    assert flags[1] == {"household", "ip_burst"} and flags[2] == {"phone", "ip_burst"}
    assert flags[4] == {"ip_burst"}  # the fifth entry from one address within ten minutes


def test_list_counts_filters_and_search(app, client, setup):
    html = client.get(setup["base"] + "/entries").get_data(as_text=True)
    assert "All (5)" in html and "Flagged (5)" in html and "Confirmed (5)" in html
    html = client.get(setup["base"] + "/entries?q=lefevre").get_data(as_text=True)
    assert "No entry matches." in html  # search is literal, accents included
    html = client.get(setup["base"] + "/entries?q=Lefèvre").get_data(as_text=True)
    assert "elodie@example.org" in html and "paul@example.org" not in html
    html = client.get(setup["base"] + "/entries?q=+33612345678").get_data(as_text=True)
    assert "paul@example.org" in html and "zoe@example.org" in html and "elodie" not in html
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr"
    html = client.get(setup["base"] + "/entries?status=disqualified").get_data(as_text=True)
    assert "Aucune participation ne correspond." in html


def test_review_disqualify_and_clear_are_recorded(app, client, db, setup):
    html = client.get(setup["base"] + "/review").get_data(as_text=True)
    assert (
        "Same phone number" in html
        and "+33612345678" in html
        and "Same name and postal code" in html
    )
    zoe, zoe2, paul = db.session.execute(select(Entry).order_by(Entry.id).limit(3)).scalars().all()
    response = post_form(
        client,
        f"{setup['base']}/entries/{paul.id}/disqualify",
        {"reason": ""},
        page=setup["base"] + "/review",
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert paul.status == "confirmed"
    post_form(
        client,
        f"{setup['base']}/entries/{paul.id}/disqualify",
        {"reason": "Même téléphone que Zoé"},
        page=setup["base"] + "/review",
    )
    post_form(client, f"{setup['base']}/entries/{zoe.id}/clear", page=setup["base"] + "/review")
    db.session.expire_all()
    assert paul.status == "disqualified" and paul.disqualified_reason == "Même téléphone que Zoé"
    assert paul.disqualified_by_id is not None and paul.disqualified_at is not None
    assert zoe.flags == "" and zoe.flag_cleared_by_id is not None
    events = {e.action: e for e in db.session.execute(select(AuditEvent)).scalars()}
    import json

    assert json.loads(events["entry.disqualified"].data)["reason"] == "Même téléphone que Zoé"
    assert events["entry.flags_cleared"].actor_id is not None
    html = client.get(setup["base"] + "/entries?status=disqualified").get_data(as_text=True)
    assert "paul@example.org" in html and "Même téléphone que Zoé" in html


def test_csv_opens_in_french_excel_and_defuses_formulas(app, client, setup):
    response = client.get(setup["base"] + "/entries.csv")  # a French contest: ";" by default
    assert response.mimetype == "text/csv"
    raw = response.data
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    header, *body = rows
    # A French contest: French headers and words, for the client's spreadsheet.
    assert header[:3] == ["n° de participation", "code de reçu", "statut"] and len(body) == 5
    assert header[-4:] == ["page du formulaire", "utm_source", "utm_medium", "utm_campaign"]
    by_email = {row[header.index("adresse électronique")]: row for row in body}
    evil = by_email["'-evil@example.org"]
    assert evil[header.index("prénom")] == '\'=HYPERLINK("http://evil")'
    assert evil[header.index("nom")] == "'+cmd"
    assert by_email["elodie@example.org"][header.index("nom")] == "Lefèvre"
    assert {row[header.index("statut")] for row in body} == {"participation confirmée"}
    assert {row[header.index("offres acceptées")] for row in body} == {"non"}
    for row in body:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    # Phones read as typed at home, no defusing apostrophe for a spreadsheet to show.
    assert by_email["zoe@example.org"][header.index("téléphone")] == "06 12 34 56 78"
    commas = client.get(setup["base"] + "/entries.csv?status=flagged&sep=comma")
    assert (
        commas.data.decode("utf-8-sig")
        .splitlines()[0]
        .startswith("n° de participation,code de reçu,statut")
    )


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r"])
def test_every_formula_prefix_is_defused(app, prefix):
    """OWASP's list: each of these starts a formula in Excel, LibreOffice or Google Sheets."""
    from contests.entries.export import neutralize

    assert neutralize(f"{prefix}SUM(A1)") == f"'{prefix}SUM(A1)"
    assert neutralize(f"a{prefix}b") == f"a{prefix}b"


def test_foreign_phones_keep_their_country_code(app):
    from contests.identity import display_phone

    assert display_phone("+33612345678", "FR") == "06 12 34 56 78"
    assert display_phone("+442079460958", "FR") == "+44 20 7946 0958"
    assert display_phone("+12015550123", "US") == "(201) 555-0123"


def test_cli_entries(app, runner, setup):
    result = runner.invoke(args=["entries", "noel"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("\ufeff")  # the same file as the admin's download
    rows = list(csv.reader(io.StringIO(result.output.lstrip("\ufeff")), delimiter=";"))
    assert len(rows) == 6 and rows[0][2] == "statut"  # the contest's language, as in the admin
    assert {r[2] for r in rows[1:]} == {"participation confirmée"}
    result = runner.invoke(
        args=["entries", "noel", "--status", "disqualified", "--separator", "semicolon"]
    )
    assert result.output.count("\n") == 1
    result = runner.invoke(args=["entries", "nope"])
    assert result.exit_code == 2 and "no contest with slug" in result.output


def test_csv_is_streamed_in_chunks_through_its_own_connection(app, client, db, setup, monkeypatch):
    """A large contest is exported chunk by chunk, after the view has returned (its session
    gone)."""
    import os
    from datetime import datetime

    from sqlalchemy import insert

    from contests.entries import export as entry_export

    monkeypatch.setattr(entry_export, "CHUNK_ROWS", 100)
    now = datetime.now(UTC)
    db.session.execute(
        insert(Entry),
        [
            {
                "contest_id": setup["contest"].id,
                "status": "confirmed",
                "first_name": "Bulk",
                "last_name": str(n),
                "email": f"bulk{n}@example.org",
                "email_key": f"bulk{n}@example.org",
                "identity_key": f"bulk-{n}",
                "period": "all",
                "answers": "{}",
                "marketing_opt_in": False,
                "household_key": "",
                "ip_address": "",
                "user_agent": "",
                "receipt_code": f"BULK{n:08d}",
                "number": 1000 + n,
                "flags": "",
                "disqualified_reason": "",
                "postal_code": "",
                "salt": os.urandom(16),
                "weight": 1,
                "created_at": now,
                "entrant_commit": "0" * 64,
            }
            for n in range(450)
        ],
    )
    db.session.commit()
    response = client.get(setup["base"] + "/entries.csv?sep=comma", buffered=False)
    assert response.is_streamed
    chunks = list(response.response)
    assert len(chunks) == 5  # 455 rows and the header, 100 rows a chunk
    rows = list(csv.reader(io.StringIO(b"".join(chunks).decode("utf-8-sig"))))
    assert len(rows) == 456 and rows[-1][rows[0].index("code de reçu")] == "BULK00000449"
    response.close()


def test_a_whole_cluster_is_kept_or_disqualified_at_once(app, client, db, setup):
    """A kiosk flagged every entry made on it: one decision for the cluster, each audited."""
    review = setup["base"] + "/review"
    html = client.get(review).get_data(as_text=True)
    assert "Keep all 5" in html  # the five entries from one address
    ids = [e.id for e in db.session.execute(select(Entry).order_by(Entry.id)).scalars()]
    # No reason, no disqualification; another contest's entry in the form is ignored.
    post_form(client, review + "/cluster", {"entry": ids[:2], "action": "disqualify"}, page=review)
    db.session.expire_all()
    assert {e.status for e in db.session.execute(select(Entry)).scalars()} == {"confirmed"}
    post_form(
        client,
        review + "/cluster",
        {"entry": ids[:2], "action": "disqualify", "reason": "Doublon du foyer"},
        page=review,
    )
    post_form(client, review + "/cluster", {"entry": ids[2:], "action": "keep"}, page=review)
    db.session.expire_all()
    entries = db.session.execute(select(Entry).order_by(Entry.id)).scalars().all()
    assert [e.status for e in entries[:2]] == ["disqualified", "disqualified"]
    assert all(e.flags == "" for e in entries[2:])
    actions = [e.action for e in db.session.execute(select(AuditEvent)).scalars()]
    assert actions.count("entry.disqualified") == 2 and actions.count("entry.flags_cleared") == 3
    left = client.get(review).get_data(as_text=True)  # decided: no decision left to make
    assert "Keep all" not in left and "/disqualify" not in left and "/clear" not in left


def test_the_draw_page_warns_of_entries_nobody_reviewed(app, client, db, setup):
    """Shown while the contest is open, when a decision can still be made (after the freeze no
    entry can leave the list)."""
    html = client.get(setup["base"] + "/draw").get_data(as_text=True)
    assert 'data-unreviewed="5"' in html
    assert "5 entries with a fraud signal nobody reviewed take part in the draw." in html
    review = setup["base"] + "/review"
    ids = [e.id for e in db.session.execute(select(Entry)).scalars()]
    post_form(client, review + "/cluster", {"entry": ids, "action": "keep"}, page=review)
    assert "data-unreviewed" not in client.get(setup["base"] + "/draw").get_data(as_text=True)


def test_a_trusted_network_is_not_a_burst(app, client, db, setup, factory):
    """The museum's kiosk: saving its address clears the burst signals it explains (other
    signals stay), and later entries from it are not flagged as a burst."""
    review = setup["base"] + "/review"
    response = post_form(
        client, review + "/networks", {"trusted_networks": "not a network"}, page=review
    )
    assert response.status_code == 302
    assert "is not an address or a network" in client.get(review).get_data(as_text=True)
    post_form(client, review + "/networks", {"trusted_networks": "203.0.113.0/24\n"}, page=review)
    db.session.expire_all()
    entries = db.session.execute(select(Entry).order_by(Entry.id)).scalars().all()
    assert [set(e.flag_list) for e in entries] == [
        {"phone", "household"},
        {"household"},
        {"phone"},
        set(),
        set(),
    ]
    assert setup["contest"].trusted_networks == "203.0.113.0/24"
    for n in range(6):
        factory.entry(setup["contest"], email=f"kiosque{n}@example.org", ip_address="203.0.113.9")
    later = db.session.execute(select(Entry).where(Entry.email.like("kiosque%"))).scalars()
    assert all(e.flags == "" for e in later)
    events = [e.action for e in db.session.execute(select(AuditEvent)).scalars()]
    assert "contest.trusted_networks" in events


def test_where_an_embedded_entry_came_from_shows_in_the_admin_and_the_csv(
    app, client, db, setup, factory
):
    from contests.contest.embedding import attribution

    placed = attribution(
        "https://www.musee.example/expo?x=1",
        {"utm_source": "newsletter", "utm_medium": "email", "utm_campaign": "noel"},
    )
    factory.entry(setup["contest"], email="lettre@example.org", attribution=placed)
    html = client.get(setup["base"] + "/entries?q=lettre").get_data(as_text=True)
    assert "www.musee.example/expo · newsletter / email / noel" in html
    rows = list(
        csv.reader(
            io.StringIO(client.get(setup["base"] + "/entries.csv").data.decode("utf-8-sig")),
            delimiter=";",
        )
    )
    row = next(r for r in rows if "lettre@example.org" in r)
    assert row[-4:] == ["https://www.musee.example/expo?x=1", "newsletter", "email", "noel"]
