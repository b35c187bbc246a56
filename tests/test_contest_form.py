"""The contest form in numbered sections showing only what the contest's rules template and
mechanic use, labelled as the publish checklist names them, each checklist item a link to its
field (issue 16)."""

import html
import re

from sqlalchemy import select

from contests.models import Contest
from helpers import post_form, sign_in


def _inputs(page: str) -> set[str]:
    return set(re.findall(r'<(?:input|select|textarea)[^>]* name="([a-z_]+)"', page))


def _label(page: str, name: str) -> str:
    return html.unescape(re.search(rf'<label for="{name}">([^<]+)</label>', page).group(1))


def test_a_french_draw_shows_its_fields_and_not_other_countries(app, client, db, factory, museum):
    contest = factory.contest(museum, slug="fr-draw")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr"
    sign_in(client, "alice@example.org")
    page = client.get(f"/admin/o/{museum.id}/contests/{contest.id}/edit").get_data(as_text=True)
    shown = _inputs(page)
    assert {"share_capital", "bailiff", "entropy_sources", "title", "ends_at"} <= shown
    assert not shown & {
        "governing_law",
        "free_entry_route",
        "ny_fl_registered",
        "skill_testing_question",
        "tie_breaker_question",
        "jury_description",
    }
    # Numbered sections with a table of contents.
    assert '<nav class="steps"' in page and 'href="#section-organizer"' in page
    assert "<legend>1. Le jeu</legend>" in page
    # The rules template's own words: what the checklist will say.
    assert _label(page, "bailiff") == "Commissaire de justice dépositaire (nom et adresse)"


def test_a_jury_contest_hides_the_draw_and_shows_the_jury(app, client, db, factory, museum):
    contest = factory.contest(museum, slug="jury", mechanic="skill")
    sign_in(client, "alice@example.org")
    page = client.get(f"/admin/o/{museum.id}/contests/{contest.id}/edit").get_data(as_text=True)
    shown = _inputs(page)
    assert {"tie_breaker_question", "jury_description"} <= shown
    assert not shown & {"draw_algorithm", "entropy_format", "entropy_sources"}


def test_saving_keeps_what_the_page_did_not_show(app, client, db, factory, museum):
    contest = factory.contest(museum, slug="garde")
    contest.ny_fl_registered, contest.governing_law = True, "the State of New York"
    db.session.commit()
    sign_in(client, "alice@example.org")
    url = f"/admin/o/{museum.id}/contests/{contest.id}/edit"
    page = client.get(url).get_data(as_text=True)
    data = {
        name: value
        for name, value in re.findall(r'<input[^>]* name="([a-z_]+)"[^>]* value="([^"]*)"', page)
        if name != "csrf_token"
    }
    data.update(title="Jeu d'hiver", entry_policy="once", language="fr", jurisdiction="FR")
    data.update(mechanic="random_draw", phone_field="off", postal_code_field="off")
    data.update(draw_algorithm="vdraw-v1", entropy_format="free")
    data.update(entropy_sources="EuroMillions", legal_address="1 rue de Rivoli")
    response = post_form(client, url, {k: html.unescape(v) for k, v in data.items()})
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    assert contest.title == "Jeu d'hiver"
    assert contest.ny_fl_registered is True and contest.governing_law == "the State of New York"


def test_the_checklist_links_each_missing_item_to_its_field(app, client, db, factory, museum):
    contest = factory.contest(
        museum, slug="us-draw", jurisdiction="US", language="en", prizes=0, governing_law=""
    )
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    sign_in(client, "alice@example.org")
    page = html.unescape(
        client.get(f"/admin/o/{museum.id}/contests/{contest.id}").get_data(as_text=True)
    )
    edit = f"/admin/o/{museum.id}/contests/{contest.id}/edit"
    assert f'<a href="{edit}#governing_law">Governing law (state)</a>' in page
    assert f'<a href="{edit}#free_entry_route">Free alternate method of entry (AMOE)</a>' in page
    assert f'href="/admin/o/{museum.id}/contests/{contest.id}/prizes/new"' in page
    form = client.get(edit).get_data(as_text=True)
    assert 'id="governing_law"' in form and _label(form, "governing_law") == "Governing law (state)"
    assert not _inputs(form) & {"share_capital", "bailiff", "skill_testing_question"}
    assert (
        db.session.execute(select(Contest.state).where(Contest.id == contest.id)).scalar()
        == "draft"
    )
