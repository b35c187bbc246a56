"""The winners board's actions (notify, ship, deliver, hand over) and the mail previews."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from ..entries.confirmation import sample_entry_mails
from ..extensions import db
from ..links import public_base
from ..models import Award
from ..models.types import utcnow
from ..web.boundary import change
from ..web.forms import Form
from ..winners import claims, notices
from . import bp, load_contest, load_draw
from .forms import ShipForm


def _board(contest_id: int, draw_id: int):
    return redirect(url_for("admin.draw", contest_id=contest_id) + f"#claims-{draw_id}")


def load_award(contest, award_id: int) -> Award:
    """An award of this contest's draws; 404 for another organization's."""
    award = db.session.get(Award, award_id)
    if award is None or award.draw.contest_id != contest.id:
        abort(404)
    return award


@bp.route("/o/<int:org_id>/contests/<int:contest_id>/draws/<int:draw_id>/notify", methods=["POST"])
def notify_all(contest_id: int, draw_id: int):
    """Mail every winner not yet notified their claim link; the claim period starts now."""
    contest = load_contest(contest_id)
    the_draw = load_draw(contest, draw_id)
    with change(Form()) as outcome:
        count = claims.notify_all(the_draw, public_base(), utcnow(), current_user)
    if outcome.ok:
        flash(_("%(n)d winner(s) notified.", n=count) if count else _("Nobody left to notify."))
    return _board(contest_id, draw_id)


AWARD = "/o/<int:org_id>/contests/<int:contest_id>/awards/<int:award_id>"


def _on_award(contest_id: int, award_id: int, act, done: str, form=None):
    """Run one domain step on one award of this organization's contest, then back to the board."""
    award = load_award(load_contest(contest_id), award_id)
    draw_id = award.draw_id
    with change(form or Form()) as outcome:
        act(award, utcnow(), current_user)
    if outcome.ok:
        flash(done, "success")
    return _board(contest_id, draw_id)


@bp.route(f"{AWARD}/notify", methods=["POST"])
def notify(contest_id: int, award_id: int):
    """Notify one winner, or send the claim link again (the deadline stays)."""

    def send(award, now, actor):
        claims.notify(award, public_base(), now, actor)

    return _on_award(contest_id, award_id, send, _("Claim link sent."))


@bp.route(f"{AWARD}/ship", methods=["POST"])
def ship(contest_id: int, award_id: int):
    form = ShipForm()
    if not form.validate():
        load_award(load_contest(contest_id), award_id)  # 404 before any message
        for errors in form.errors.values():
            for message in errors:
                flash(message, "error")
        return redirect(url_for("admin.draw", contest_id=contest_id))

    def shipped(award, now, actor):
        claims.mark_shipped(award, form.carrier.data, form.tracking.data, now, actor)

    return _on_award(
        contest_id, award_id, shipped, _("Marked as shipped; the winner is told."), form
    )


@bp.route(f"{AWARD}/<any(delivered, handed_over):step>", methods=["POST"])
def deliver(contest_id: int, award_id: int, step: str):
    mark = claims.mark_delivered if step == "delivered" else claims.mark_handed_over
    return _on_award(contest_id, award_id, mark, _("Prize status updated."))


@bp.route(f"{AWARD}/withhold-name", methods=["POST"])
def withhold_name(contest_id: int, award_id: int):
    """An objection (UK) or a withdrawn consent received by mail: the name is no longer given."""
    return _on_award(
        contest_id,
        award_id,
        claims.withhold_name,
        _("The winner's name will not be published or given on request."),
    )


@bp.route("/o/<int:org_id>/contests/<int:contest_id>/mails")
def mail_previews(contest_id: int):
    """Every mail this contest sends, with sample values, in its language, as sent."""
    contest = load_contest(contest_id)
    now = utcnow()
    with force_locale(contest.language):
        previews = [(kind, *subject_text) for kind, subject_text in sample_entry_mails(contest)]
        previews += [(kind, *notices.sample(kind, contest, now)[:2]) for kind in notices.KINDS]
    return render_template(
        "admin/mail_previews.html", contest=contest, previews=previews, html_kinds=notices.KINDS
    )


@bp.route(
    "/o/<int:org_id>/contests/<int:contest_id>/mails/<any(won, declined, unclaimed, shipped):kind>"
    ".html"
)
def mail_preview_html(contest_id: int, kind: str):
    """The HTML part of a winner mail, for the preview page's sandboxed frame."""
    contest = load_contest(contest_id)
    html = notices.sample(kind, contest, utcnow())[2]
    response = current_app.make_response(html)
    # The mail's own inline styles and remote logo, in a sandbox, framed by the preview page only.
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src * data:; sandbox; "
        "frame-ancestors 'self'"
    )
    response.frame_ancestors = "'self'"
    return response
