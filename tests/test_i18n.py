"""French and English everywhere: the organizer's choice in the admin, the contest's on public
pages."""

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from helpers import post_form, sign_in

ROOT = Path(__file__).resolve().parent.parent


def test_admin_follows_browser_then_choice(app, client, factory, db):
    alice = factory.user("alice@example.org")
    factory.organization("Musée", owner=alice)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr-FR,fr;q=0.9,en;q=0.5"
    html = client.get("/auth/login").get_data(as_text=True)
    assert '<html lang="fr">' in html and "Connexion" in html
    sign_in(client, "alice@example.org")
    assert "Organisations" in client.get("/admin/organizations").get_data(as_text=True)
    # She switches to English; it sticks to her account, whatever the browser says.
    post_form(
        client,
        "/auth/language",
        {"lang": "en", "next": "/admin/organizations"},
        page="/admin/organizations",
    )
    html = client.get("/admin/organizations").get_data(as_text=True)
    assert '<html lang="en">' in html and "The clients you run contests for" in html
    db.session.expire_all()
    assert alice.ui_locale == "en"


def test_public_page_speaks_the_contest_language(app, client, factory):
    alice = factory.user("alice@example.org")
    museum = factory.organization("Musée", owner=alice)
    factory.contest(museum, publish=True, slug="fr-game", language="fr")
    factory.contest(museum, publish=True, slug="en-game", language="en", title="Win a trip")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    html = client.get("/c/fr-game").get_data(as_text=True)
    assert (
        '<html lang="fr">' in html
        and "Jeu gratuit sans obligation d’achat." in html
        and "50,00\xa0€" in html
    )
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr"
    html = client.get("/c/en-game").get_data(as_text=True)
    assert (
        '<html lang="en">' in html
        and "Free to enter, no purchase necessary." in html
        and "€50.00" in html
    )


def test_draft_contests_are_not_public(app, client, factory):
    museum = factory.organization("Musée")
    factory.contest(museum, slug="secret")
    assert client.get("/c/secret").status_code == 404


def test_every_message_has_a_french_translation(tmp_path):
    """Extract the messages from the code now and check the French catalog covers them all."""
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as handle:
        wanted = {message.id for message in read_po(handle) if message.id}
    with (ROOT / "contests/translations/fr/LC_MESSAGES/messages.po").open("rb") as handle:
        catalog = read_po(handle)
    translated = {m.id for m in catalog if m.id and m.string and not m.fuzzy}
    missing = sorted(str(m) for m in wanted - translated)
    assert not missing, f"untranslated (run `make extract-messages` and translate): {missing}"
    assert len(wanted) > 150


def test_compiled_catalog_is_current():
    """The .mo the app loads is built by the install step from the committed .po."""
    po = ROOT / "contests/translations/fr/LC_MESSAGES/messages.po"
    mo = po.with_suffix(".mo")
    assert mo.exists(), "run `make translations`"
    assert mo.stat().st_mtime >= po.stat().st_mtime
