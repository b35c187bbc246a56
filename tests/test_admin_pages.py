"""Every page of the organizer workspace in a real Chromium at 1280 and 375 pixels: axe-core finds
no serious or critical violation, the Nu HTML Checker no error, and nothing is wider than the
phone's screen except inside a table's own scrolling box (issue 16). Screenshots of each page at
both widths go to test-artifacts/admin/.

The pages are found in the app's URL map, so a page added later is audited too.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta

import pytest
from browser_fixtures import ARTIFACTS, AXE, VNU, _require
from sqlalchemy import select

from contests.contest.editing import add_question
from contests.contest.publishing import publish_contest
from contests.jury.panel import add_juror
from contests.members import invite
from contests.models import Award, User
from contests.organizations import add_member
from contests.winners.claims import notify_all
from contests.winners.drawing import perform_draw
from contests.winners.records import draw_of
from helpers import PASSWORD, sign_in

pytestmark = pytest.mark.slow

WIDTHS = (1280, 375)
#: Answers that are not pages (files, pictures, exports) or only redirect.
NOT_PAGES = re.compile(r"\.(png|svg|pdf|csv|json|txt)$|/logo|/qr|/export|/register\.")


@pytest.fixture
def workspace(app, db, factory, museum):
    """A client with a contest in every state an organizer meets: a draft, one open with flagged
    entries, one drawn with its winners notified; a member, a pending invitation."""
    draft = factory.contest(museum, slug="brouillon", min_age=0)
    add_question(
        draft, {"label": "Votre œuvre préférée ?", "kind": "text", "required": False}, None
    )
    running = factory.contest(
        museum, publish=True, slug="ouvert", min_age=0, phone_field="optional"
    )
    for n in range(4):
        factory.entry(
            running, email=f"o{n}@example.org", phone="0612345678", ip_address="203.0.113.9"
        )
    drawn = factory.contest(museum, publish=False, slug="tire", min_age=0, prizes=2)
    publish_contest(drawn, None, factory.now)
    db.session.commit()
    for n in range(6):
        factory.entry(drawn, email=f"t{n}@example.org")
    drawn.ends_at = drawn.draw_at = datetime.now(UTC) - timedelta(minutes=1)
    db.session.commit()
    perform_draw(drawn, ["1 2 3 4 5"], None, datetime.now(UTC))
    db.session.commit()
    notify_all(draw_of(drawn), "http://localhost", datetime.now(UTC), None)
    add_member(museum, "editeur@example.org", PASSWORD, None, role="editor")
    alice = db.session.execute(select(User).where(User.email == "alice@example.org")).scalar_one()
    invite(museum, "client@example.org", "viewer", alice, datetime.now(UTC), "http://localhost")
    jury = factory.contest(
        museum, publish=True, slug="jury", min_age=0, mechanic="skill",
        tie_breaker_question="Combien ?", jury_description="Jury", work_kind="text",
    )  # fmt: skip
    factory.entry(
        jury, email="poete@example.org", work_text="Un poème d'automne sur le parvis du musée."
    )
    jury.ends_at = datetime.now(UTC) - timedelta(minutes=1)
    add_juror(jury, "Louise Labé", "louise@example.org", None, "http://localhost")
    db.session.commit()
    return {
        "org_id": museum.id,
        "contest_id": drawn.id,
        "prize_id": drawn.prizes[0].id,
        "question_id": draft.questions[0].id,
        "draw_id": draw_of(drawn).id,
        "award_id": db.session.execute(select(Award.id)).scalars().first(),
        "kind": "won",
        "others": [
            f"/admin/o/{museum.id}/contests/{draft.id}",
            f"/admin/o/{museum.id}/contests/{draft.id}/edit",
            f"/admin/o/{museum.id}/contests/{running.id}",
            f"/admin/o/{museum.id}/contests/{running.id}/review",
            f"/admin/o/{museum.id}/contests/{running.id}/dates",
            f"/admin/o/{museum.id}/contests/{running.id}/rules/amend",
            f"/admin/o/{museum.id}/contests/{jury.id}",
            f"/admin/o/{museum.id}/contests/{jury.id}/jury",
        ],
    }


def _pages(app, client, ids: dict) -> list[str]:
    """Every GET page of the workspace with real ids, that answers an HTML page."""
    paths = set(ids["others"])
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/admin") or "GET" not in rule.methods:
            continue
        if any(name not in ids for name in rule.arguments):
            continue
        paths.add(rule.build({k: ids[k] for k in rule.arguments}, append_unknown=False)[1])
    found = []
    for path in sorted(paths):
        if NOT_PAGES.search(path):
            continue
        response = client.get(path)
        if response.status_code == 200 and response.mimetype == "text/html":
            found.append(path)
    return found


def _name(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "root"


def test_every_workspace_page_is_accessible_valid_and_fits_a_phone(
    app,
    db,
    client,
    workspace,
    live,
    browser,
    tmp_path,
):
    _require(AXE, "make test installs axe-core from package-lock.json (npm ci)")
    _require(VNU, "make test installs vnu-jar from package-lock.json (npm ci)")
    java = shutil.which("java")
    if java is None:
        pytest.fail("java is missing: make test installs default-jre-headless")
    server, _ = live
    sign_in(client, "alice@example.org")
    pages = _pages(app, client, workspace)
    assert len(pages) >= 25, pages  # the crawl really found the workspace

    # The Nu HTML Checker on every page, as served.
    files = []
    for n, path in enumerate(pages):
        target = tmp_path / f"page{n}.html"
        target.write_bytes(client.get(path).data)
        files.append((path, target))
    result = subprocess.run(
        [java, "-jar", str(VNU), "--errors-only", "--format", "json", *[str(f) for _, f in files]],
        capture_output=True,
        text=True,
        timeout=300,
    )
    by_file = {str(f): p for p, f in files}
    messages = json.loads(result.stderr or result.stdout or '{"messages": []}')["messages"]
    invalid = [
        (by_file.get(m.get("url", "").removeprefix("file:"), m.get("url")), m.get("message"))
        for m in messages
        if m.get("type") == "error"
    ]
    assert invalid == [], "\n".join(map(str, invalid))

    # axe-core and the width, in Chromium, at both widths.
    shots = ARTIFACTS / "admin"
    shots.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    problems, overflowing = {}, {}
    try:
        page = context.new_page()
        page.goto(server.url + "/auth/login")
        page.fill("#email", "alice@example.org")
        page.fill("#password", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url("**/admin/**")
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            for path in pages:
                page.goto(server.url + path)
                page.add_script_tag(path=str(AXE))
                result = page.evaluate(
                    "() => axe.run(document, {runOnly: {type: 'tag', "
                    "values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
                )
                assert result["passes"], path  # axe really ran
                serious = [
                    (v["id"], [n["target"] for n in v["nodes"]][:3])
                    for v in result["violations"]
                    if v["impact"] in ("serious", "critical")
                ]
                if serious:
                    problems[f"{path} @{width}"] = serious
                # Wider than the screen, outside a table's own scrolling box: the page scrolls.
                wide = page.evaluate(
                    "() => document.documentElement.scrollWidth - window.innerWidth"
                )
                if wide > 1:
                    overflowing[f"{path} @{width}"] = wide
                page.screenshot(path=str(shots / f"{_name(path)}-{width}.png"), full_page=True)
    finally:
        context.close()
    assert problems == {}, "\n".join(f"{k}: {v}" for k, v in problems.items())
    assert overflowing == {}, overflowing
