"""The entry form, standalone (/c/<slug>) and embedded (/embed/<slug>), and what follows an entry:
the thanks page, the double opt-in link, sending that link again."""

from __future__ import annotations

import hashlib
import logging
import time

from flask import (
    abort,
    after_this_request,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import select

from ..contest.embedding import UTM_KEYS, attribution, host_allowed
from ..entries.confirmation import (
    InvalidConfirmation,
    confirm_entry,
    entry_for_token,
    resend_confirmation,
)
from ..entries.submission import AlreadyEntered, NotOpen, clean_source, submit_entry
from ..entries.writes import ContestChanged
from ..errors import ValidationFailed
from ..extensions import csrf, db, limiter
from ..links import public_base
from ..models import Contest, Entry, EntryStatus, Phase
from ..models.types import utcnow
from ..reporting import views
from ..web.boundary import attach_errors, change, freeze_if_closed
from ..web.form_tokens import FormTokenError, check_token, issue_shared_token, issue_token
from ..web.formatting import time_until
from ..winners.freezing import listing_of
from ..winners.records import draw_of
from . import (
    bp,
    entry_contest,
    forget_entry_contest,
    framable,
    fresh_entry_contest,
    load_contest,
    page,
    same_origin,
)
from .forms import ResendForm, entry_form_class, entry_input
from .page_cache import TOKEN_SLOT, contest_pages

log = logging.getLogger(__name__)

#: Embedded pages are cached by browsers and proxies for this long, with one form token per slot.
EMBED_SLOT_SECONDS = 60


def deliver_mail_after_response(response):
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


def count_view_after_response(contest_id: int, kind: str, now) -> None:
    """Count a view in memory; when the counter is due, write it once the page is sent."""
    if not views.count_view(contest_id, kind, now, current_app.config["VIEW_FLUSH_SECONDS"]):
        return
    app = current_app._get_current_object()

    def write():
        with app.app_context():
            try:
                views.flush()
            except Exception:  # noqa: BLE001 - kept in memory, written with the next flush
                log.exception("writing the view counts failed")

    @after_this_request
    def schedule(response):
        response.call_on_close(write)
        return response


def _render_contest(
    contest: Contest, form, status: int = 200, notice: str | None = None, embed: bool = False
):
    """The contest page; a blank form is rendered once per contest version, phase and layout."""
    now = utcnow()
    freeze_if_closed(contest, now)
    phase = contest.phase(now)
    draw = draw_of(contest)
    listing = listing_of(draw) if draw is not None and draw.frozen_at is not None else None

    def page_html(notice: str | None) -> str:
        return render_template(
            "public/contest.html",
            contest=contest,
            phase=phase,
            form=form,
            notice=notice,
            draw=draw,
            listing=listing,
            embed=embed,
        )

    if request.method == "GET":
        count_view_after_response(contest.id, "embed" if embed else "page", now)
        source = clean_source(request.args.get("src"))

        def render() -> str:
            form.form_token.data = TOKEN_SLOT
            form.source.data = source
            return page_html(None)

        key = (
            contest.id,
            contest.updated_at,
            phase,
            contest.language,
            source,
            embed,
            draw.frozen_at if draw is not None else None,
            # "closes in 4 weeks": the page is rendered again when the words change.
            time_until(contest.ends_at) if phase == Phase.OPEN else None,
        )
        if not embed:
            # A token per visitor: the page itself is never cached.
            token = issue_token(current_app.config["SECRET_KEY"], contest.id)
            html = contest_pages().page(key, render, token)
            return html, status, {"Cache-Control": "no-store"}
        now = int(time.time())
        slot = now - now % EMBED_SLOT_SECONDS
        token = issue_shared_token(current_app.config["SECRET_KEY"], contest.id, slot)
        response = framable(
            contest, current_app.make_response((contest_pages().page(key, render, token), status))
        )
        response.set_etag(hashlib.sha256(response.get_data()).hexdigest())
        response.cache_control.public = True
        response.cache_control.max_age = EMBED_SLOT_SECONDS - (now - slot)
        return response.make_conditional(request)
    form.form_token.data = issue_token(current_app.config["SECRET_KEY"], contest.id)
    response = current_app.make_response((page_html(notice), status, {"Cache-Control": "no-store"}))
    return framable(contest, response) if embed else response


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


def _token_notice(error: FormTokenError) -> str:
    return {
        "too_fast": _("That was very quick. Check your answers and send the form again."),
        "expired": _("This form has expired. Check your answers and send it again."),
    }.get(error.reason, _("This form could not be verified. Check your answers and send it again."))


def _contest_form(slug: str, embed: bool):
    """Show the form, or take an entry: one person, one entry, whatever the layout."""
    if request.method == "GET":
        contest = load_contest(slug)
        return _render_contest(contest, entry_form_class(contest, embed)(), embed=embed)

    now = utcnow()
    for _attempt in range(2):
        response = _take_entry(entry_contest(slug), embed, now)
        if response is not None:
            return response
        # The contest changed since this process read it (here or on another server).
        forget_entry_contest(slug)
    contest = load_contest(slug)
    notice = _("This contest has just been updated. Check your answers and send them again.")
    return _render_contest(contest, entry_form_class(contest, embed)(), 409, notice, embed)


def _take_entry(contest: Contest, embed: bool, now):
    """The answer to a posted entry, or None if the contest changed since it was read."""
    form = entry_form_class(contest, embed)()

    def refuse(status: int, notice: str | None = None):
        return _render_contest(fresh_entry_contest(contest), form, status, notice, embed)

    if contest.phase(now) != Phase.OPEN:
        return refuse(409)
    if not same_origin():
        return refuse(403, _("This form was sent from another site. Fill it in again here."))
    host_page = (form.host_page.data or "")[:2000] if embed else ""
    if embed and host_page and not host_allowed(contest, host_page):
        return refuse(403, _("This form cannot be used on that site."))
    config = current_app.config
    try:
        check_token(
            config["SECRET_KEY"],
            form.form_token.data,
            contest.id,
            now,
            config["MIN_FILL_SECONDS"],
            config["FORM_TOKEN_MAX_AGE"],
        )
    except FormTokenError as error:
        return refuse(400, _token_notice(error))
    if form.website.data:
        # A bot filled the honeypot: answer like a success, store nothing.
        contest = fresh_entry_contest(contest)
        return page(
            contest,
            embed,
            render_template(
                "public/thanks.html", contest=contest, entry=None, pending=False, embed=embed
            ),
        )
    if not form.validate():
        return refuse(400)

    source = clean_source(form.source.data) or (
        clean_source(form.utm_source.data) or "embed" if embed else ""
    )
    utm = {key: getattr(form, key).data for key in UTM_KEYS} if embed else {}
    data = entry_input(form, source, attribution(host_page, utm))
    with change(show=False) as outcome:
        entry = submit_entry(contest, data, now, public_base())
        # Built before the commit, which expires the objects (reading them after costs two queries).
        thanks_url = url_for(
            "public.embed_thanks" if embed else "public.thanks",
            slug=contest.slug,
            receipt=entry.receipt_code,
            host=host_page or None,
        )
    if outcome.ok:
        return deliver_mail_after_response(page(contest, embed, redirect(thanks_url, 303)))
    if isinstance(outcome.error, ContestChanged):
        return None
    if isinstance(outcome.error, AlreadyEntered):
        # For the statistics' "repeat entries refused": in memory, written with the views.
        count_view_after_response(contest.id, "again", now)
        contest = fresh_entry_contest(contest)
        html = render_template(
            "public/already.html",
            contest=contest,
            next_period_at=outcome.error.next_period_at,
            embed=embed,
        )
        return page(contest, embed, html, 409)
    if isinstance(outcome.error, ValidationFailed):
        attach_errors(form, outcome.error)
        return refuse(400)
    if isinstance(outcome.error, NotOpen):
        return refuse(409)
    raise outcome.error


@bp.route("/c/<slug>/thanks", defaults={"embed": False})
@bp.route("/embed/<slug>/thanks", defaults={"embed": True}, endpoint="embed_thanks")
def thanks(slug: str, embed: bool):
    """After entering: the receipt code, and what to do next."""
    contest = load_contest(slug)
    code = (request.args.get("receipt") or "").upper()[:16]
    entry = db.session.execute(
        select(Entry).where(Entry.contest_id == contest.id, Entry.receipt_code == code)
    ).scalar_one_or_none()
    if entry is None:
        abort(404)
    html = render_template(
        "public/thanks.html",
        contest=contest,
        entry=entry,
        pending=entry.status == EntryStatus.PENDING,
        embed=embed,
    )
    return page(contest, embed, html)


@bp.route("/c/<slug>/confirm/<token>", methods=["GET", "POST"])
@csrf.exempt
def confirm(slug: str, token: str):
    """Confirm an entry from the mailed link; GET only shows a button, so link scanners confirm
    nothing."""
    contest = load_contest(slug)
    try:
        entry = entry_for_token(contest, token)
    except InvalidConfirmation as error:
        return render_template(
            "public/confirm.html", contest=contest, entry=None, expired=error.expired
        ), 400
    if request.method == "POST" and entry.status == EntryStatus.PENDING:
        if not same_origin():
            abort(403)
        with change(show=False):
            confirm_entry(contest, token, utcnow())
        return deliver_mail_after_response(
            redirect(url_for("public.confirm", slug=slug, token=token), 303)
        )
    closed = contest.ends_at is not None and utcnow() >= contest.ends_at
    return render_template(
        "public/confirm.html", contest=contest, entry=entry, expired=False, closed=closed
    ), (409 if closed and entry.status == EntryStatus.PENDING else 200)


def email_form_posted(contest: Contest, form) -> bool:
    """An email form of a public page (resend, my data) posted with its contest-bound token
    (400 otherwise: it stands for the CSRF token, cookies being blocked in third-party frames),
    from our own origin, with a valid address."""
    config = current_app.config
    try:
        check_token(
            config["SECRET_KEY"],
            form.form_token.data,
            contest.id,
            utcnow(),
            0,
            config["FORM_TOKEN_MAX_AGE"],
        )
    except FormTokenError:
        abort(400)
    return form.validate() and same_origin()


@bp.route("/c/<slug>/resend", methods=["GET", "POST"])
@csrf.exempt
@limiter.limit(lambda: current_app.config["RESEND_LIMIT_PER_IP"], methods=["POST"])
def resend(slug: str):
    """Send the confirmation link again (the answer is the same whether or not the address
    entered)."""
    contest = load_contest(slug)
    form = ResendForm()
    sent = False
    if request.method == "POST" and email_form_posted(contest, form):
        with change(show=False) as outcome:
            resend_confirmation(contest, form.email.data, public_base(), utcnow())
        sent = outcome.ok
    form.form_token.data = issue_token(current_app.config["SECRET_KEY"], contest.id)
    response = render_template("public/resend.html", contest=contest, form=form, sent=sent)
    return deliver_mail_after_response(current_app.make_response(response)) if sent else response
