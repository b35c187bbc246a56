"""The embedded form in a real browser (Debian's Chromium driven by Playwright), accessibility
(axe-core) and HTML validity (the Nu HTML Checker).

The app runs on a real HTTP server on 127.0.0.1; the client's page that embeds it is served from
another site, 127.0.0.2, so the form lives in a cross-site iframe with third-party cookies
blocked. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import html
import json
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from browser_fixtures import ARTIFACTS, AXE, VNU, Server, _require
from sqlalchemy import select
from test_mail import smtp  # noqa: F401 - the loopback SMTP server fixture

from contests.entries.rights import rights_url
from contests.models import Entry
from contests.winners.drawing import perform_draw
from contests.winners.records import draw_of
from helpers import sign_in

pytestmark = pytest.mark.slow  # a real Chromium, and axe-core and the Nu HTML Checker under Java


def _static_site(pages: dict[str, str]):
    """A WSGI app serving fixed HTML pages: the client's site."""

    def site(environ, start_response):
        body = pages.get(environ.get("PATH_INFO", ""))
        if body is None:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [body.encode()]

    return site


def _snippet(client, museum, contest) -> str:
    """The script snippet exactly as the admin shows it."""
    sign_in(client, "alice@example.org")
    page = client.get(f"/admin/o/{museum.id}/contests/{contest.id}/embed").get_data(as_text=True)
    start = page.index('id="snippet-script"')
    text = page[page.index(">", start) + 1 : page.index("</textarea>", start)]
    return html.unescape(text)


def test_embedded_form_in_a_cross_site_page_with_third_party_cookies_blocked(
    app, client, db, factory, museum, live, browser
):
    server, recorder = live
    contest = factory.contest(
        museum, publish=True, slug="widget", min_age=0, title="Grand jeu du musée"
    )
    app.config["MIN_FILL_SECONDS"] = 0.5
    # The admin prints its own address in the snippet: the test client's, put on the live server.
    snippet = _snippet(client, museum, contest).replace("http://localhost", server.url)
    assert f'src="{server.url}/embed.js"' in snippet and 'data-contest="widget"' in snippet
    host_page = (
        "<!doctype html><html lang='fr'><head><meta "
        "charset='utf-8'><title>Musée</title></head><body>"
        "<h1>Notre exposition</h1><p>Participez :</p>"
        + snippet
        + "<p>Pied de page</p></body></html>"
    )
    site = Server("127.0.0.2", _static_site({"/expo": host_page}))
    other = Server("127.0.0.3", _static_site({"/copie": host_page}))
    contest.embed_origins = site.url
    db.session.commit()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(f"{site.url}/expo?utm_source=affiche&utm_campaign=noel")
        iframe = page.locator("iframe[data-contests-frame]")
        iframe.wait_for()
        frame = page.frame_locator("iframe[data-contests-frame]")
        frame.locator("#first_name").wait_for()
        # The iframe grows from its initial 640 px to its content's height, told by postMessage.
        page.wait_for_function(
            "() => document.querySelector('iframe[data-contests-frame]').style.height !== '640px'"
        )
        height = iframe.evaluate("f => parseInt(f.style.height)")
        content = (
            iframe.element_handle()
            .content_frame()
            .evaluate("() => document.documentElement.getBoundingClientRect().height")
        )
        assert height > 640 and abs(height - content) <= 2
        # No cookie can live in that frame, and the form needs none.
        cookie = (
            iframe.element_handle()
            .content_frame()
            .evaluate(
                "() => "
                "{ document.cookie = 'probe=1; SameSite=None; Secure'; return document.cookie; }"
            )
        )
        assert cookie == ""
        ARTIFACTS.mkdir(exist_ok=True)
        _screenshot(page, "embed-1280.png")
        # On a phone the form is narrower, so taller: the frame follows.
        page.set_viewport_size({"width": 375, "height": 800})
        page.wait_for_function(
            f"() => parseInt(document.querySelector('iframe[data-contests-frame]').style.height) "
            f"> {height}"
        )
        _screenshot(page, "embed-375.png")

        frame.locator("#first_name").fill("Léa")
        frame.locator("#last_name").fill("Petit")
        frame.locator("#email").fill("lea.petit@example.org")
        frame.locator("#accept_rules").check()
        page.wait_for_timeout(600)  # the minimum fill time
        frame.locator("button[type=submit]").dblclick()  # the second click must not enter twice
        frame.locator(".receipt").wait_for()
        assert page.url.startswith(site.url)  # the entrant never left the client's page
        # The shorter thanks page shrinks the frame too.
        page.wait_for_function(
            "() => parseInt(document.querySelector('iframe[data-contests-frame]').style.height) < "
            "900"
        )
        _screenshot(page, "embed-thanks-375.png")

        db.session.expire_all()
        entries = db.session.execute(select(Entry)).scalars().all()
        assert len(entries) == 1
        entry = entries[0]
        assert entry.email == "lea.petit@example.org" and entry.source == "affiche"
        attribution = json.loads(entry.attribution)
        assert (
            attribution["host"].startswith(f"{site.url}/expo")
            and attribution["utm_campaign"] == "noel"
        )
        assert [p for p in recorder.paths if p.startswith("/embed/widget")], recorder.paths
        assert recorder.cookies == []  # not one request from the browser carried a cookie

        # A site that is not in the allowed list cannot frame the form.
        blocked = context.new_page()
        blocked.goto(f"{other.url}/copie")
        blocked.locator("iframe[data-contests-frame]").wait_for()
        blocked.wait_for_timeout(1000)
        child = blocked.locator("iframe[data-contests-frame]").element_handle().content_frame()
        assert (
            child is None
            or child.url.startswith("chrome-error://")
            or child.locator("form").count() == 0
        )
    finally:
        context.close()
        site.close()
        other.close()


def _screenshot(page, name: str) -> None:
    """The whole host page: the viewport is made as tall as the page, since Chromium paints a
    cross-site frame only where the viewport shows it."""
    width = page.viewport_size["width"]
    page.set_viewport_size(
        {"width": width, "height": page.evaluate("() => document.documentElement.scrollHeight")}
    )
    page.wait_for_timeout(200)
    page.screenshot(path=str(ARTIFACTS / name))
    page.set_viewport_size({"width": width, "height": 800})


def _drawn_contest(factory, museum, db, slug, language):
    contest = factory.contest(museum, publish=True, slug=slug, min_age=0, language=language)
    for n in range(6):
        factory.entry(contest, email=f"{slug}{n}@example.org")
    contest.ends_at = datetime.now(UTC) - timedelta(minutes=1)
    contest.draw_at = contest.ends_at  # the draw date the rules announce
    db.session.commit()
    perform_draw(contest, ["3 14 25 36 47"], None, datetime.now(UTC))
    db.session.commit()
    return draw_of(contest)


def _public_pages(factory, museum, db) -> list[str]:
    """The pages entrants see, in French and English: form, embed, rules, draw."""
    paths = []
    for language, slug in (("fr", "jeu-fr"), ("en", "game-en")):
        contest = factory.contest(
            museum,
            publish=True,
            slug=slug,
            min_age=18,
            language=language,
            phone_field="optional",
            postal_code_field="required",
        )
        draw = _drawn_contest(factory, museum, db, f"{slug}-fini", language)
        paths += [f"/c/{slug}", f"/embed/{slug}", f"/c/{slug}/rules", f"/d/{draw.id}"]
        # The entrant's data pages: the request form, their page, the unsubscribe page.
        entry = factory.entry(
            contest, email=f"droits-{language}@example.org", marketing_opt_in=True
        )
        me = "/me/" + rights_url(entry).split("/me/", 1)[1]
        paths += [f"/c/{slug}/my-data", me, me + "/unsubscribe"]
    paths += _jury_pages(factory, museum, db)
    return paths


def _jury_pages(factory, museum, db) -> list[str]:
    """A jury contest's form (a picture to send) and a juror's scoring page, after the close."""
    from contests.jury.panel import add_juror

    photos = factory.contest(
        museum, publish=True, slug="photos", min_age=0, mechanic="skill",
        tie_breaker_question="Combien ?", jury_description="Jury", work_kind="image",
    )  # fmt: skip
    poems = factory.contest(
        museum, publish=True, slug="poemes", min_age=0, mechanic="skill",
        tie_breaker_question="Combien ?", jury_description="Jury", work_kind="text",
    )  # fmt: skip
    factory.entry(
        poems, email="poete@example.org", work_text="Un poème d'automne sur le parvis du musée."
    )
    poems.ends_at = datetime.now(UTC) - timedelta(minutes=1)
    _juror, link = add_juror(poems, "Louise Labé", "louise@example.org", None, "http://x")
    db.session.commit()
    return [f"/c/{photos.slug}", f"/embed/{photos.slug}", link.split("http://x", 1)[1]]


def test_public_pages_have_no_serious_accessibility_violations(
    app, db, factory, museum, live, browser
):
    _require(AXE, "make test installs axe-core from package-lock.json (npm ci)")
    server, _ = live
    paths = _public_pages(factory, museum, db)
    # axe is injected into the page, which the pages' own CSP would forbid: bypass it for the audit
    # only.
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    problems = {}
    try:
        page = context.new_page()
        for path in paths:
            page.goto(server.url + path)
            page.add_script_tag(path=str(AXE))
            result = page.evaluate(
                "() => axe.run(document, {runOnly: {type: 'tag', "
                "values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
            )
            serious = [
                (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
                for v in result["violations"]
                if v["impact"] in ("serious", "critical")
            ]
            if serious:
                problems[path] = serious
            assert result["passes"], path  # axe really ran
    finally:
        context.close()
    assert problems == {}


def test_public_pages_are_valid_html(app, db, factory, museum, client, tmp_path, sqlite_only):
    _require(VNU, "make test installs vnu-jar from package-lock.json (npm ci)")
    java = shutil.which("java")
    if java is None:
        pytest.fail("java is missing: make test installs default-jre-headless")
    paths = _public_pages(factory, museum, db)
    files = []
    for n, path in enumerate(paths):
        response = client.get(path)
        assert response.status_code == 200, path
        target = tmp_path / f"page{n}.html"
        target.write_bytes(response.data)
        files.append((path, target))
    result = subprocess.run(
        [java, "-jar", str(VNU), "--errors-only", "--format", "json", *[str(f) for _, f in files]],
        capture_output=True,
        text=True,
        timeout=180,
    )
    messages = json.loads(result.stderr or result.stdout or '{"messages": []}')["messages"]
    by_file = {str(f): p for p, f in files}
    errors = [
        (
            by_file.get(m.get("url", "").removeprefix("file:"), m.get("url")),
            m.get("message"),
            m.get("extract"),
        )
        for m in messages
        if m.get("type") == "error"
    ]
    assert errors == []
    assert len(files) == 17  # 7 pages, in French and English; a jury form, embedded, a juror's page


def test_an_entrant_uses_their_rights_from_the_mail_link(
    app,
    client,
    db,
    factory,
    museum,
    live,
    browser,
    smtp,  # noqa: F811 - the fixture imported above
):
    """From the link in the receipt mail (delivered through the loopback SMTP server): the page,
    the JSON download, withdrawing consent to offers, erasure; then the link is dead."""
    from contests.mail import deliver_pending
    from helpers import enter

    server, _ = live
    factory.contest(museum, publish=True, slug="droits", min_age=0, language="fr")
    enter(client, "droits", email="zoe@example.org", marketing_opt_in="y")
    assert deliver_pending(smtp.url, "jeux@example.org") == (1, 0)
    body = smtp.messages[0].get_body(preferencelist=("plain",)).get_content()
    link = next(word for word in body.split() if "/me/" in word)
    link = link.replace("http://localhost", server.url)
    page = browser.new_page()
    try:
        page.goto(link)
        assert page.locator("h1").inner_text() == "Vos données"
        assert "zoe@example.org" in page.content()
        with page.expect_download() as download:
            page.get_by_text("Télécharger mes données (JSON)").click()
        data = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
        assert data["entries"][0]["email"] == "zoe@example.org"
        page.get_by_role("button", name="Retirer mon consentement aux offres").click()
        assert "Votre consentement est retiré" in page.content()
        _screenshot(page, "rights.png")
        page.get_by_label("Je confirme que mes données doivent être effacées.").check()
        page.get_by_role("button", name="Effacer mes données").click()
        assert page.locator("h1").inner_text() == "Vos données sont effacées"
        _screenshot(page, "rights-erased.png")
        assert page.goto(link).status == 410
    finally:
        page.close()
    db.session.expire_all()
    entry = db.session.execute(select(Entry)).scalar_one()
    assert entry.erased_at is not None and not entry.marketing_opt_in and entry.email == ""


def test_single_choice_options_sit_beside_their_labels(app, db, factory, museum, live, browser):
    """Each radio button is its own size, its label right after it (it used to stretch across
    the form and push the label to the right edge)."""
    from contests.contest.editing import add_question

    server, _ = live
    contest = factory.contest(museum, slug="choix", min_age=0)
    add_question(
        contest, {"label": "Vous venez", "kind": "choice", "choices": "seul\nen famille"}, None
    )
    from contests.contest.publishing import publish_contest

    publish_contest(contest, None, factory.now)
    db.session.commit()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(server.url + "/c/choix")
        radio = page.locator("input[type=radio]").first.bounding_box()
        label = page.locator("input[type=radio] + label").first.bounding_box()
        assert radio["width"] < 40 and 0 <= label["x"] - (radio["x"] + radio["width"]) < 30
    finally:
        page.close()


@pytest.mark.parametrize(("language", "closes"), [("fr", "dans 4 semaines"), ("en", "in 4 weeks")])
def test_the_countdown_and_the_share_button_work_under_the_csp(
    app, db, factory, museum, live, browser, language, closes
):
    server, _ = live
    factory.contest(museum, publish=True, slug=f"compte-{language}", language=language)
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    errors, missing = [], []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on(
        "response",
        lambda r: r.status >= 400 and not r.url.endswith("/favicon.ico") and missing.append(r.url),
    )
    page.goto(f"{server.url}/c/compte-{language}")
    page.wait_for_function(
        "() => !document.querySelector('button[data-share]').hidden"
    )  # the script ran, under the page's own CSP
    assert page.inner_text("time[data-countdown]") == closes  # the script's words, same as ours
    page.click("button[data-share]")
    assert missing == [] and [e for e in errors if "favicon" not in e and "404" not in e] == []
    _screenshot(page, f"contest-page-{language}-375.png")
    context.close()
