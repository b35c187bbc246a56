"""Putting the form where entrants are: the snippets for a client's site, its look, QR codes per
channel."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..contest.embedding import snippets, update_embed_settings
from ..documents.qr import qr_png, qr_svg
from ..entries.submission import clean_source
from ..links import external_url, public_base
from ..web.boundary import change
from . import bp, load_contest
from .forms import EmbedForm

#: Channels offered in the QR code form; any code matching entries.submission.SOURCE_PATTERN is
#: accepted.
QR_CHANNELS = ("poster", "flyer", "venue", "newsletter", "social", "packaging")


@bp.route("/o/<int:org_id>/contests/<int:contest_id>/embed", methods=["GET", "POST"])
def embed_settings(contest_id: int):
    """The snippets to paste on a client's site, and who may embed the form with what look."""
    contest = load_contest(contest_id)
    form = EmbedForm(
        data={
            "embed_origins": contest.embed_origins,
            "brand_color": contest.brand_color,
            "mail_sender_name": contest.mail_sender_name,
            "mail_reply_to": contest.mail_reply_to,
        }
    )
    if form.validate_on_submit():
        logo = form.logo.data.read() if form.logo.data else None
        with change(form) as outcome:
            update_embed_settings(
                contest,
                form.embed_origins.data or "",
                form.brand_color.data or "",
                logo,
                bool(form.remove_logo.data),
                current_user,
                (form.mail_sender_name.data or "", form.mail_reply_to.data or ""),
            )
        if outcome.ok:
            flash(_("Embedding settings saved."), "success")
            return redirect(url_for("admin.embed_settings", contest_id=contest_id))
    status = 400 if form.errors else 200
    shown = snippets(public_base(), contest.slug, contest.title)
    return render_template("admin/embed.html", contest=contest, form=form, snippets=shown), status


@bp.route("/o/<int:org_id>/contests/<int:contest_id>/qr.<any(png, svg):fmt>")
def entry_qr(contest_id: int, fmt: str):
    """The entry form's QR code for one channel; entries made through it record the channel."""
    contest = load_contest(contest_id)
    raw = request.args.get("channel", "")
    channel = clean_source(raw)
    if raw.strip() and not channel:
        flash(
            _(
                "A channel is written with lower-case letters, digits and hyphens, e.g. "
                "poster-metro."
            ),
            "error",
        )
        return redirect(url_for("admin.contest", contest_id=contest.id) + "#qr")
    url = external_url("public.contest", slug=contest.slug, src=channel or None)
    name = f"{contest.slug}-{channel or 'direct'}-qr.{fmt}"
    body, mimetype = (qr_png(url), "image/png") if fmt == "png" else (qr_svg(url), "image/svg+xml")
    return Response(
        body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
