"""The entrant's own page about their data, reached from the signed link in every mail they get,
or asked for by email from the contest page (``entries.rights``)."""

from __future__ import annotations

import json

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import refresh

from ..entries.retention import retention_end
from ..entries.rights import (
    ErasedRightsLink,
    InvalidRightsLink,
    entries_of,
    entry_contest,
    entry_for_token,
    erase_or_request,
    erasure_refusal,
    held_data,
    mail_rights_link,
    open_requests_of,
    record_access,
    withdraw_marketing,
)
from ..extensions import csrf, limiter
from ..models.types import utcnow
from ..web.boundary import change
from ..web.form_tokens import issue_token
from ..web.forms import Form
from . import bp, load_contest
from .entry import deliver_mail_after_response, email_form_posted
from .forms import ResendForm


def _private(response):
    """The page holds personal data and its address a key to it: no cache, no referrer."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _entry(token: str):
    """The entry a link names, the page in its contest's language; 404 or 410 otherwise."""
    try:
        entry = entry_for_token(token)
    except InvalidRightsLink:
        abort(404)
    except ErasedRightsLink:
        abort(410)
    g.locale = entry_contest(entry).language
    refresh()
    return entry


@bp.route("/me/<token>")
def my_data(token: str):
    """What is held about the entrant in this contest, and what they can do about it."""
    entry = _entry(token)
    contest = entry_contest(entry)
    with change(show=False):
        record_access(entry, utcnow())
    html = render_template(
        "public/rights.html",
        contest=contest,
        entries=entries_of(entry),
        token=token,
        form=Form(),
        refusal=erasure_refusal(entry),
        requested=any(r.kind == "erasure" for r in open_requests_of(entry)),
        kept_until=retention_end(contest),
        winners_until=retention_end(contest, winners=True),
        marketing=any(e.marketing_opt_in for e in entries_of(entry)),
    )
    return _private(current_app.make_response(html))


@bp.route("/me/<token>/data.json")
def my_data_json(token: str):
    """The same, as a JSON file to keep (GDPR art. 20)."""
    entry = _entry(token)
    with change(show=False):
        record_access(entry, utcnow(), export=True)
    body = json.dumps(held_data(entry), ensure_ascii=False, indent=2)
    response = current_app.response_class(body, mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="my-data-{entry.number}.json"'
    return _private(response)


@bp.route("/me/<token>/marketing", methods=["POST"])
def withdraw(token: str):
    entry = _entry(token)
    with change() as outcome:
        withdrawn = withdraw_marketing(entry, utcnow())
    if outcome.ok:
        flash(
            _("Your consent is withdrawn: you will receive no more offers from the organizer.")
            if withdrawn
            else _("You had not agreed to receive offers."),
            "success",
        )
    return redirect(url_for("public.my_data", token=token), 303)


@bp.route("/me/<token>/erase", methods=["POST"])
def erase(token: str):
    """Erase now, or, for a winner whose prize still needs their address, ask the organizer."""
    entry = _entry(token)
    contest = entry_contest(entry)
    if request.form.get("confirm") != "yes":
        flash(_("Tick the box to confirm that your data is to be erased."), "error")
        return redirect(url_for("public.my_data", token=token), 303)
    with change() as outcome:
        erased = erase_or_request(entry, utcnow())
    if not outcome.ok or not erased:
        if outcome.ok:
            flash(_("Your request is recorded: the organizer answers within one month."), "success")
        return redirect(url_for("public.my_data", token=token), 303)
    html = render_template("public/rights_erased.html", contest=contest)
    return _private(current_app.make_response(html))


@bp.route("/me/<token>/unsubscribe", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: the mail program POSTs without cookies; the signed link is the key
def unsubscribe(token: str):
    """One click from the mail program's "Unsubscribe" (POST), or a page with a button."""
    entry = _entry(token)
    if request.method == "POST":
        with change(show=False) as outcome:
            withdraw_marketing(entry, utcnow())
        if not outcome.ok:
            abort(409)
        if request.form.get("List-Unsubscribe") == "One-Click":
            return "", 204
        flash(
            _("Your consent is withdrawn: you will receive no more offers from the organizer."),
            "success",
        )
        return redirect(url_for("public.my_data", token=token), 303)
    html = render_template("public/unsubscribe.html", contest=entry_contest(entry), token=token)
    return _private(current_app.make_response(html))


@bp.route("/c/<slug>/my-data", methods=["GET", "POST"])
@csrf.exempt  # the form token below, bound to the contest, stands for it (embeddable page)
@limiter.limit(lambda: current_app.config["RESEND_LIMIT_PER_IP"], methods=["POST"])
def ask_for_my_data(slug: str):
    """Ask for the link by email: the answer is the same whether or not the address entered."""
    contest = load_contest(slug)
    form = ResendForm()
    sent = False
    if request.method == "POST" and email_form_posted(contest, form):
        with change(show=False) as outcome:
            mail_rights_link(contest, form.email.data)
        sent = outcome.ok
    form.form_token.data = issue_token(current_app.config["SECRET_KEY"], contest.id)
    response = current_app.make_response(
        render_template("public/rights_request.html", contest=contest, form=form, sent=sent)
    )
    return deliver_mail_after_response(response) if sent else response
