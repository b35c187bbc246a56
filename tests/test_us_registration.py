"""US state registration (issue 18): warnings at edit, publication and in the CLI, in French and
English, from rules_templates/us/registration.yaml; no flip of the registration by amendment once
the contest has started."""

import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from test_rules import JURISDICTIONS

from contests.contest.amendment import amend_rules
from contests.contest.publishing import publish_contest
from contests.errors import ValidationFailed
from contests.models import Prize
from contests.rules.registration import bond_threshold, rules_in_force
from contests.rules.versions import current_version
from contests.timezones import utc_to_local
from helpers import post_form, sign_in

ROOT = Path(__file__).resolve().parents[1] / "rules_templates"


def _us_contest(factory, museum, db, value_dollars, starts_in_days=20, **overrides):
    start = utc_to_local(factory.now + timedelta(days=starts_in_days), "America/New_York").replace(
        second=0, microsecond=0
    )
    contest = factory.contest(
        museum,
        prizes=0,
        starts_at=start,
        ends_at=start + timedelta(days=30),
        draw_at=start + timedelta(days=32),
        **{**JURISDICTIONS["us/sweepstakes"], **overrides},
    )
    contest.prizes.append(
        Prize(title="Car", quantity=1, unit_value_minor=value_dollars * 100, currency="USD")
    )
    db.session.commit()
    return contest, start


def _text(html: str) -> str:
    return " ".join(html.replace("\u202f", " ").replace("\xa0", " ").split())


def test_the_contest_page_edit_form_and_publication_warn_in_english_and_french(
    app, client, factory, museum, db
):
    contest, start = _us_contest(factory, museum, db, 6000)
    sign_in(client, "alice@example.org")
    page = f"/admin/o/{museum.id}/contests/{contest.id}"
    ny_due = (start - timedelta(days=30)).date()  # already past: the contest starts in 20 days
    fl_due = (start - timedelta(days=7)).date()

    english = _text(client.get(page, headers={"Accept-Language": "en"}).get_data(as_text=True))
    assert "What the law asks of you here" in english
    assert (
        f"New York: the prizes total $6,000.00, over $5,000.00; registration was due 30 days "
        f"before the start, by {ny_due:%B} {ny_due.day}, {ny_due.year}, which is past. The rules "
        "exclude residents of New York" in english
    )
    assert (
        f"Florida: the prizes total $6,000.00, over $5,000.00. Registration is due at least 7 days "
        f"before the start, by {fl_due:%B} {fl_due.day}, {fl_due.year}: the rules and the list of "
        "prizes with the Department of Agriculture and Consumer Services" in english
    )
    assert "cannot change afterwards) (Fla. Stat. s. 849.094)" in english
    assert "Rhode Island: the prizes total $6,000.00, over $500.00. If you are a retail" in english

    french = _text(client.get(page + "/edit", headers={"Accept-Language": "fr"}).get_data(True))
    assert "Ce que la loi vous demande ici" in french
    assert "New York : les lots totalisent 6 000,00 $US, au-delà de 5 000,00 $US" in french
    assert "Rhode Island : les lots totalisent 6 000,00 $US" in french

    response = post_form(client, page + "/publish", page=page, headers={"Accept-Language": "fr"})
    flashed = _text(client.get(page, headers={"Accept-Language": "fr"}).get_data(True))
    assert response.status_code == 302 and "Jeu publié." in flashed
    assert flashed.count("Floride : les lots totalisent") == 2  # the flash and the page's list


def test_no_warning_under_the_thresholds_and_only_rhode_island_between(
    app, client, factory, museum, db
):
    small, _ = _us_contest(factory, museum, db, 400, slug="small")
    middle, _ = _us_contest(factory, museum, db, 800, slug="middle")
    french, _ = _us_contest(factory, museum, db, 900000, slug="fr-big", **{"jurisdiction": "FR"})
    sign_in(client, "alice@example.org")
    for contest, expected in ((small, []), (middle, ["Rhode Island"]), (french, [])):
        html = client.get(
            f"/admin/o/{museum.id}/contests/{contest.id}", headers={"Accept-Language": "en"}
        ).get_data(as_text=True)
        for state in ("New York", "Florida", "Rhode Island"):
            assert (f"{state}: the prizes total" in html) == (state in expected), (
                contest.slug,
                state,
            )


def test_the_cli_warns_at_check_import_and_publish(app, factory, museum, db, runner, monkeypatch):
    _us_contest(factory, museum, db, 6000, slug="cli-usa", starts_in_days=40)
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    checked = runner.invoke(args=["check", "cli-usa"])
    assert checked.exit_code == 0, checked.output
    assert "Nothing is missing." in checked.output
    assert "Warning: New York: the prizes total $6,000.00, over $5,000.00." in checked.output
    assert "Registration is due at least 30 days before the start" in checked.output
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    published = runner.invoke(args=["publish", "cli-usa"])
    assert published.exit_code == 0, published.output
    assert "Avertissement : Floride : les lots totalisent 6 000,00 $US" in published.output.replace(
        "\u202f", " "
    ).replace("\xa0", " ")


def test_registration_cannot_flip_by_amendment_once_started(app, factory, museum, db):
    upcoming, _ = _us_contest(factory, museum, db, 6000, slug="later", starts_in_days=10)
    publish_contest(upcoming, None, factory.now, "http://localhost/")
    db.session.commit()
    # Before the start, registering and saying so is what the organizer should do.
    amend_rules(upcoming, {"ny_fl_registered": True}, "Registered", None, factory.now)
    db.session.commit()
    assert current_version(upcoming).number == 2 and upcoming.ny_fl_registered

    running, _ = _us_contest(factory, museum, db, 6000, slug="running", starts_in_days=-1)
    publish_contest(running, None, factory.now, "http://localhost/")
    db.session.commit()
    with pytest.raises(ValidationFailed) as refused:
        amend_rules(running, {"ny_fl_registered": True}, "Registered", None, factory.now)
    assert "ny_fl_registered" in refused.value.errors
    db.session.rollback()
    assert current_version(running).number == 1
    # An amendment of something else, the box unchanged, still goes through.
    amend_rules(running, {"ny_fl_registered": False, "claim_days": 20}, "Délai", None, factory.now)
    db.session.commit()
    assert current_version(running).number == 2


def test_the_thresholds_are_data_with_a_source_and_a_date(app, tmp_path, client, factory, museum):
    rules = {rule.code: rule for rule in rules_in_force(ROOT, date(2026, 12, 1))}
    assert rules["NY"].threshold == 5000 and rules["NY"].lead_days == 30
    assert rules["FL"].lead_days == 7 and rules["RI"].retail_only
    assert all(rule.source for rule in rules.values())
    assert rules_in_force(ROOT, date(1999, 1, 1)) == []
    # A new threshold is a new dated line: contests starting after it are judged by it.
    copy = tmp_path / "rules_templates"
    shutil.copytree(ROOT, copy)
    data = (copy / "us" / "registration.yaml").read_text()
    data = data.replace(
        "      source: N.Y. Gen. Bus. Law s. 369-e\n",
        "      source: N.Y. Gen. Bus. Law s. 369-e\n"
        "    - from: 2030-01-01\n      threshold: 10000\n      lead_days: 30\n      bond: true\n"
        "      files: {en: registration, fr: enregistrement}\n      source: a future amendment\n",
    )
    data = data.replace(
        "      source: Fla. Stat. s. 849.094\n",
        (
            "      source: Fla. Stat. s. 849.094\n"
            "    - from: 2030-01-01\n      threshold: 10000\n      lead_days: 7\n      bond: true\n"
            "      files: {en: registration, fr: enregistrement}\n"
            "      source: a future amendment\n"
        ),
    )
    (copy / "us" / "registration.yaml").write_text(data)
    assert bond_threshold(copy, date(2029, 12, 31)) == 5000
    assert bond_threshold(copy, date(2030, 1, 1)) == 10000
