"""Public pages, in the contest's language: the contest with its entry form, and what follows."""
from __future__ import annotations

import hashlib
import json
import logging
import time
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import refresh
from sqlalchemy import bindparam, select

from .. import embedding, entries
from ..errors import ValidationFailed
from ..extensions import csrf, db, limiter
from ..form_tokens import FormTokenError, check_token, issue_shared_token, issue_token
from ..models import Contest, Draw, Entry, Phase, State
from ..models.types import utcnow
from ..rules_versions import all_versions, current_version, rules_language, rules_pdf, version
from ..winners import draw_of, draw_summary, draws_of, receipt_inclusion
from .forms import ResendForm, entry_form_class
from .page_cache import TOKEN_SLOT, contest_pages

bp = Blueprint("public", __name__)
log = logging.getLogger(__name__)

#: States whose contest is visible to the public; drafts do not exist for them.
VISIBLE = (State.PUBLISHED, State.DRAWN, State.ARCHIVED)


#: Built once: every public request runs it.
_BY_SLUG = select(Contest).where(Contest.slug == bindparam("slug"), Contest.state.in_(VISIBLE))


def _contest(slug: str) -> Contest:
    """Load a public contest and switch the page to its language."""
    contest = db.session.execute(_BY_SLUG, {"slug": slug}).scalar_one_or_none()
    if contest is None:
        abort(404)
    g.locale = contest.language
    refresh()
    return contest


def _same_origin() -> bool:
    """Refuse posts whose Origin (or, failing that, Referer) names another site."""
    source = request.headers.get("Origin") or request.headers.get("Referer")
    if not source or source == "null":
        return not source  # absent: privacy tools strip both; the signed token still applies
    parts = urlsplit(source)
    return f"{parts.scheme}://{parts.netloc}" == request.host_url.rstrip("/")


def _deliver_mail_after_response(response):
    """Send queued mail once the entrant has their page, if a server is configured."""
    smtp_url = current_app.config["SMTP_URL"]
    if not smtp_url:
        return response
    app = current_app._get_current_object()

    def deliver():
        from ..mail import deliver_pending

        with app.app_context():
            try:
                deliver_pending(smtp_url, app.config["MAIL_FROM"], limit=20, timeout=5)
            except Exception:  # noqa: BLE001 - mail stays queued; `contests send-mail` retries
                log.exception("mail delivery after response failed")

    response.call_on_close(deliver)
    return response


def _entry_input(form, contest: Contest, consent_texts: dict[str, str], source: str, attribution: str) -> entries.EntryInput:
    answers = {name[2:]: (field.data or "") for name, field in form._fields.items() if name.startswith("q_")}
    return entries.EntryInput(
        first_name=form.first_name.data,
        last_name=form.last_name.data,
        email=form.email.data,
        phone=getattr(form, "phone", None) and form.phone.data or "",
        postal_code=getattr(form, "postal_code", None) and form.postal_code.data or "",
        birth_date=form.birth_date.data if hasattr(form, "birth_date") else None,
        answers=answers,
        tie_breaker=form.tie_breaker.data if hasattr(form, "tie_breaker") else None,
        marketing_opt_in=bool(form.marketing_opt_in.data),
        consent_texts=consent_texts,
        ip_address=request.remote_addr or "",
        user_agent=request.user_agent.string or "",
        source=source,
        attribution=attribution,
    )


def _consents_given(form) -> dict[str, str]:
    """The exact wording of each box the entrant ticked, as shown to them."""
    given = {"rules": str(form.accept_rules.label.text)}
    if form.marketing_opt_in.data:
        given["marketing"] = str(form.marketing_opt_in.label.text)
    if hasattr(form, "age_confirmed"):
        given["age"] = str(form.age_confirmed.label.text)
    return given


#: Embedded pages are cached by browsers and proxies for this long, with one form token per slot.
EMBED_SLOT_SECONDS = 60


def _render_contest(contest: Contest, form, status: int = 200, notice: str | None = None, embed: bool = False):
    """The contest page; a blank form is rendered once per contest version, phase and layout."""
    phase = contest.phase(utcnow())
    if request.method == "GET":
        source = entries.clean_source(request.args.get("src"))

        def render() -> str:
            form.form_token.data = TOKEN_SLOT
            form.source.data = source
            return render_template("public/contest.html", contest=contest, phase=phase, form=form, notice=None,
                                   draw=draw_of(contest), embed=embed)

        key = (contest.id, contest.updated_at, phase, contest.language, source, embed)
        if not embed:
            token = issue_token(current_app.config["SECRET_KEY"], contest.id)
            return contest_pages.page(key, render, token), status, {"Cache-Control": "no-store"}  # per-visitor token
        now = int(time.time())
        slot = now - now % EMBED_SLOT_SECONDS
        token = issue_shared_token(current_app.config["SECRET_KEY"], contest.id, slot)
        response = _framable(contest, current_app.make_response((contest_pages.page(key, render, token), status)))
        response.set_etag(hashlib.sha256(response.get_data()).hexdigest())
        response.cache_control.public = True
        response.cache_control.max_age = EMBED_SLOT_SECONDS - (now - slot)
        return response.make_conditional(request)
    form.form_token.data = issue_token(current_app.config["SECRET_KEY"], contest.id)
    html = render_template("public/contest.html", contest=contest, phase=phase, form=form, notice=notice,
                           draw=draw_of(contest), embed=embed)
    response = current_app.make_response((html, status, {"Cache-Control": "no-store"}))
    return _framable(contest, response) if embed else response


def _framable(contest: Contest, response):
    """Let the contest's allowed sites (any site when none is listed) frame this response."""
    response.frame_ancestors = embedding.frame_ancestors(contest)
    return response


@bp.route("/")
def index():
    """The site root leads organizers to their workspace."""
    return redirect(url_for("admin.home"))


@bp.route("/c/<slug>", methods=["GET", "POST"])
@csrf.exempt
@limiter.limit(lambda: current_app.config["ENTRY_LIMIT_PER_IP"], methods=["POST"])
def contest(slug: str):
    """A contest's page: dates in its zone, prizes, and the entry form while it is open."""
    return _contest_form(slug, embed=False)


@bp.route("/embed/<slug>", methods=["GET", "POST"])
@csrf.exempt
@limiter.limit(lambda: current_app.config["ENTRY_LIMIT_PER_IP"], methods=["POST"])
def embed(slug: str):
    """The same form without the site's chrome, framable by the contest's allowed sites."""
    return _contest_form(slug, embed=True)


def _contest_form(slug: str, embed: bool):
    """Show the form, or take an entry: one person, one entry, whatever the layout."""
    contest = _contest(slug)
    form = entry_form_class(contest)()
    if request.method == "GET":
        return _render_contest(contest, form, embed=embed)

    now = utcnow()
    if contest.phase(now) != Phase.OPEN:
        return _render_contest(contest, form, 409, embed=embed)
    if not _same_origin():
        return _render_contest(contest, form, 403, _("This form was sent from another site. Fill it in again here."), embed)
    host_page = (form.host_page.data or "")[:2000] if embed else ""
    if embed and host_page and not embedding.host_allowed(contest, host_page):
        return _render_contest(contest, form, 403, _("This form cannot be used on that site."), embed)
    config = current_app.config
    try:
        check_token(config["SECRET_KEY"], form.form_token.data, contest.id, now,
                    config["MIN_FILL_SECONDS"], config["FORM_TOKEN_MAX_AGE"])
    except FormTokenError as error:
        notice = {
            "too_fast": _("That was very quick. Check your answers and send the form again."),
            "expired": _("This form has expired. Check your answers and send it again."),
        }.get(error.reason, _("This form could not be verified. Check your answers and send it again."))
        return _render_contest(contest, form, 400, notice, embed)
    if form.website.data:
        # A bot filled the honeypot: answer like a success, store nothing.
        return _page(contest, embed, render_template("public/thanks.html", contest=contest, entry=None, pending=False, embed=embed))
    if not form.validate():
        return _render_contest(contest, form, 400, embed=embed)

    source = entries.clean_source(form.source.data) or (entries.clean_source(form.utm_source.data) or "embed" if embed else "")
    utm = {key: getattr(form, key).data for key in embedding.UTM_KEYS} if embed else {}
    data = _entry_input(form, contest, _consents_given(form), source, embedding.attribution(host_page, utm))
    try:
        entry = entries.submit_entry(contest, data, now, request.host_url)
    except ValidationFailed as error:
        db.session.rollback()
        for name, messages in error.errors.items():
            getattr(form, name).errors = list(getattr(form, name).errors) + list(messages)
        return _render_contest(contest, form, 400, embed=embed)
    except entries.AlreadyEntered as error:
        db.session.rollback()
        html = render_template("public/already.html", contest=contest, next_period_at=error.next_period_at, embed=embed)
        return _page(contest, embed, html, 409)
    except entries.NotOpen:
        db.session.rollback()
        return _render_contest(contest, form, 409, embed=embed)
    # Built before the commit, which expires the objects (reading them after costs two queries).
    thanks_url = url_for("public.embed_thanks" if embed else "public.thanks", slug=contest.slug, receipt=entry.receipt_code,
                         host=host_page or None)
    db.session.commit()
    return _deliver_mail_after_response(_page(contest, embed, redirect(thanks_url, 303)))


def _page(contest: Contest, embed: bool, body, status: int | None = None):
    """A response in the chosen layout; embedded ones may be framed by the contest's sites."""
    response = current_app.make_response(body if status is None else (body, status))
    return _framable(contest, response) if embed else response


@bp.route("/embed.js")
def embed_script():
    """The widget loader that organizers paste on their sites (same file for every contest)."""
    response = current_app.send_static_file("embed.js")
    response.cache_control.public = True
    response.cache_control.max_age = 300
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@bp.route("/c/<slug>/theme.css")
def theme(slug: str):
    """The contest's accent color as a stylesheet (inline styles are forbidden by the CSP)."""
    contest = _contest(slug)
    color = contest.brand_color if embedding.is_color(contest.brand_color) else ""  # checked again: it goes into CSS
    css = f":root {{ --accent: {color}; }}\n" if color else ""
    response = current_app.response_class(css, mimetype="text/css")
    response.set_etag(hashlib.sha256(css.encode()).hexdigest())
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response.make_conditional(request)


@bp.route("/c/<slug>/logo.png")
def logo(slug: str):
    """The organizer's logo, re-encoded when uploaded; its URL changes with it, so it can be cached long."""
    contest = _contest(slug)
    if not contest.logo_sha256:
        abort(404)
    response = current_app.response_class(contest.logo_png, mimetype="image/png")
    response.set_etag(contest.logo_sha256)
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    return response.make_conditional(request)


@bp.route("/c/<slug>/thanks", defaults={"embed": False})
@bp.route("/embed/<slug>/thanks", defaults={"embed": True}, endpoint="embed_thanks")
def thanks(slug: str, embed: bool):
    """After entering: the receipt code, and what to do next."""
    contest = _contest(slug)
    code = (request.args.get("receipt") or "").upper()[:16]
    entry = db.session.execute(
        select(Entry).where(Entry.contest_id == contest.id, Entry.receipt_code == code)
    ).scalar_one_or_none()
    if entry is None:
        abort(404)
    html = render_template("public/thanks.html", contest=contest, entry=entry, pending=entry.status == "pending", embed=embed)
    return _page(contest, embed, html)


@bp.route("/c/<slug>/confirm/<token>", methods=["GET", "POST"])
@csrf.exempt
def confirm(slug: str, token: str):
    """Confirm an entry from the mailed link; GET only shows a button, so link scanners confirm nothing."""
    contest = _contest(slug)
    try:
        entry = entries.entry_for_token(contest, token)
    except entries.InvalidConfirmation as error:
        return render_template("public/confirm.html", contest=contest, entry=None, expired=error.expired), 400
    if request.method == "POST" and entry.status == "pending":
        if not _same_origin():
            abort(403)
        entries.confirm_entry(contest, token, utcnow())
        db.session.commit()
        return _deliver_mail_after_response(redirect(url_for("public.confirm", slug=slug, token=token), 303))
    return render_template("public/confirm.html", contest=contest, entry=entry, expired=False)


@bp.route("/c/<slug>/resend", methods=["GET", "POST"])
@csrf.exempt
@limiter.limit(lambda: current_app.config["RESEND_LIMIT_PER_IP"], methods=["POST"])
def resend(slug: str):
    """Send the confirmation link again (the answer is the same whether or not the address entered)."""
    contest = _contest(slug)
    form = ResendForm()
    sent = False
    if request.method == "POST":
        config = current_app.config
        try:
            check_token(config["SECRET_KEY"], form.form_token.data, contest.id, utcnow(), 0, config["FORM_TOKEN_MAX_AGE"])
        except FormTokenError:
            abort(400)
        if form.validate() and _same_origin():
            entries.resend_confirmation(contest, form.email.data, request.host_url, utcnow())
            db.session.commit()
            sent = True
    form.form_token.data = issue_token(current_app.config["SECRET_KEY"], contest.id)
    response = render_template("public/resend.html", contest=contest, form=form, sent=sent)
    return _deliver_mail_after_response(current_app.make_response(response)) if sent else response


# --- rules -------------------------------------------------------------------------------

def _rules_row(contest: Contest, number: int | None):
    row = current_version(contest) if number is None else version(contest, number)
    if row is None:
        abort(404)
    return row


@bp.route("/c/<slug>/rules", defaults={"number": None})
@bp.route("/c/<slug>/rules/v<int:number>")
def rules_version(slug: str, number: int | None):
    """The rules as published: the current version, or any earlier one, with the history."""
    contest = _contest(slug)
    row = _rules_row(contest, number)
    versions = all_versions(contest)
    return render_template("public/rules.html", contest=contest, row=row, versions=versions,
                           is_current=row.number == versions[-1].number, rules_language=rules_language(row))


@bp.route("/c/<slug>/rules.pdf", defaults={"number": None})
@bp.route("/c/<slug>/rules/v<int:number>.pdf")
def rules_version_pdf(slug: str, number: int | None):
    """The rules PDF, rendered once per version and served from the database afterwards."""
    contest = _contest(slug)
    row = _rules_row(contest, number)
    pdf = rules_pdf(contest, row)
    db.session.commit()  # keeps the rendering when it was the first
    response = current_app.response_class(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{contest.slug}-rules-v{row.number}.pdf"'
    response.set_etag(row.sha256)
    # A numbered version never changes; "the current rules" may gain an amendment.
    response.cache_control.public = True
    response.cache_control.max_age = 31536000 if number is not None else 300
    return response.make_conditional(request)


# --- draws ---------------------------------------------------------------------------------

def _drawn(draw_id: int):
    draw = db.first_or_404(select(Draw).where(Draw.id == draw_id, Draw.state == "drawn"))
    contest = _contest(draw.contest.slug)
    return draw, contest


@bp.route("/d/<int:draw_id>")
def draw_page(draw_id: int):
    """The public draw record, readable, with a receipt check for entrants.

    Before the draw the address already exists (the rules print it): it shows the commitment.
    """
    committed = db.session.execute(select(Draw).where(Draw.id == draw_id, Draw.state == "committed")).scalar_one_or_none()
    if committed is not None:
        contest = _contest(committed.contest.slug)
        spec = json.loads(committed.spec)
        return render_template("public/draw_pending.html", contest=contest, draw=committed, spec=spec)
    draw, contest = _drawn(draw_id)
    summary = draw_summary(draw)
    receipt = (request.args.get("receipt") or "").strip()[:20]
    inclusion = receipt_inclusion(draw, contest, receipt) if receipt else None
    children = [d for d in draws_of(contest) if d.parent_id == draw.id]  # its supplementary draws
    return render_template("public/draw.html", contest=contest, draw=draw, record=summary["record"],
                           prizes=summary["prizes"], winners=summary["winners"], fills=summary["fills"],
                           receipt=receipt, inclusion=inclusion, children=children)


@bp.route("/d/<int:draw_id>/certificate.pdf")
def draw_certificate(draw_id: int):
    """The public draw certificate (procès-verbal): figures, hashes, winners by first name and initial."""
    from ..documents.certificates import public_draw_certificate_pdf  # WeasyPrint: loaded on first document

    draw, contest = _drawn(draw_id)
    pdf = public_draw_certificate_pdf(contest, draw, url_for("public.draw_page", draw_id=draw.id, _external=True))
    return current_app.response_class(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="draw-{draw.id}-certificate.pdf"', "Cache-Control": "no-cache"})


@bp.route("/d/<int:draw_id>.json")
def draw_record(draw_id: int):
    """The draw record as published: what the verifier reads."""
    draw, _ = _drawn(draw_id)
    return current_app.response_class(draw.record, mimetype="application/json",
                                      headers={"Content-Disposition": f'inline; filename="draw-{draw_id}.json"'})


@bp.route("/d/<int:draw_id>/entrants.txt")
def draw_entrants(draw_id: int):
    """The canonical entrant file: ids, tickets and commitments, no personal data."""
    draw, _ = _drawn(draw_id)
    return current_app.response_class(draw.entrants_file, mimetype="text/plain",
                                      headers={"Content-Disposition": f'attachment; filename="draw-{draw_id}-entrants.txt"'})
