"""A contest's draws for the organizer: the Draw button, substitutions, supplementary draws."""

from __future__ import annotations

import json

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..entries.review import unreviewed_count
from ..errors import ValidationFailed
from ..models import DrawState
from ..models.types import utcnow
from ..web.boundary import change, freeze_if_closed, show_refusal
from ..web.input_guard import form_id
from ..winners.awards import awards_of
from ..winners.claims import send_by
from ..winners.commitment import commit_supplementary
from ..winners.drawing import perform_draw, values_for
from ..winners.freezing import listing_of
from ..winners.publication import request_list
from ..winners.records import (
    draw_summary,
    draws_of,
    open_vacancies,
    pending_draw,
    ranked_entries,
)
from ..winners.substitution import SUBSTITUTION_REASONS, substitute_winner
from . import bp, load_contest, load_draw


def _draw_page(contest_id: int, anchor: str = ""):
    return redirect(url_for("admin.draw", contest_id=contest_id) + anchor)


@bp.route("/o/<int:org_id>/contests/<int:contest_id>/draw", methods=["GET", "POST"])
def draw(contest_id: int):
    """The contest's draws: commitment, the public values and the Draw button, substitutions, and
    a supplementary draw for prizes left without an alternate."""
    contest = load_contest(contest_id)
    if request.method == "POST" and request.form.get("confirmed") != "yes":
        # First the values as the draw will hash them, and the explicit confirmation.
        pending = pending_draw(contest)
        if pending is None:
            return _draw_page(contest_id)
        try:
            values = values_for(pending, request.form.getlist("entropy"))
        except ValidationFailed as error:
            show_refusal(error)
            return _draw_page(contest_id)
        sources = json.loads(pending.spec)["entropy_sources"]
        return render_template(
            "admin/draw_confirm.html",
            contest=contest,
            draw=pending,
            pairs=list(zip(sources, values, strict=False)),
            values=values,
            unreviewed=unreviewed_count(contest),
        )
    if request.method == "POST":
        with change() as outcome:
            drawn_id = perform_draw(
                contest,
                request.form.getlist("entropy"),
                current_user,
                utcnow(),
                by=request.form.get("drawn_by", ""),
            ).id
        if not outcome.ok:
            return _draw_page(contest_id)
        flash(_("The winners are drawn and the record is published."), "success")
        return _draw_page(contest_id, f"#draw-{drawn_id}")
    freeze_if_closed(contest, utcnow())
    draws = draws_of(contest)
    parent, vacant = open_vacancies(draws)
    return render_template(
        "admin/draw.html",
        contest=contest,
        draws=[draw_summary(one) for one in draws],
        phase=contest.phase(utcnow()),
        vacancy_parent=parent,
        vacancies=vacant,
        pending=next((d for d in draws if d.state == DrawState.COMMITTED), None),
        listings={
            d.id: listing_of(d)
            for d in draws
            if d.state == DrawState.COMMITTED and d.frozen_at is not None
        },
        people=ranked_entries(draws),
        reasons=SUBSTITUTION_REASONS,
        awards=(awards := awards_of([d.id for d in draws])),
        requests=request_list(contest, awards) if contest.jurisdiction in ("GB", "US") else None,
        now=utcnow(),
        deliveries={n: p.delivery for n, p in enumerate(contest.prizes, start=1)},
        unreviewed=unreviewed_count(contest),
        send_by=send_by(contest, awards),
    )


@bp.route("/o/<int:org_id>/contests/<int:contest_id>/draw/supplementary", methods=["POST"])
def supplementary_draw(contest_id: int):
    """Commit a supplementary draw for the prizes left vacant: new secret, new public sources."""
    contest = load_contest(contest_id)
    sources = request.form.get("entropy_sources", "").splitlines()
    with change() as outcome:
        commit_supplementary(contest, sources, current_user, utcnow())
    if outcome.ok:
        flash(
            _(
                "The supplementary draw is committed; its specification is public. Draw it once "
                "its public values exist."
            ),
            "success",
        )
    return _draw_page(contest_id)


@bp.route("/o/<int:org_id>/contests/<int:contest_id>/draw/substitute", methods=["POST"])
def substitute(contest_id: int):
    """Replace a winner by the next alternate in published order, or leave the prize vacant."""
    contest = load_contest(contest_id)
    draw_id = form_id(request.form.get("draw_id")) if request.form.get("draw_id") else None
    entry_id = form_id(request.form.get("entry_id"))
    if entry_id is None or (request.form.get("draw_id") and draw_id is None):
        flash(_("Choose the winner to replace."), "error")
        return _draw_page(contest_id)
    the_draw = load_draw(contest, draw_id, drawn=False)
    anchor = f"#draw-{the_draw.id}"
    reason = request.form.get("reason", "")
    with change() as outcome:
        substitution = substitute_winner(the_draw, entry_id, reason, current_user, utcnow())
    if outcome.ok:
        if substitution["by_entry_id"] is None:
            flash(
                _(
                    "Entry %(old)d loses the prize. No alternate is left: the prize is vacant "
                    "until a supplementary "
                    "draw fills it.",
                    old=substitution["replaced_entry_id"],
                ),
                "warning",
            )
        else:
            flash(
                _(
                    "Entry %(old)d replaced by entry %(new)d.",
                    old=substitution["replaced_entry_id"],
                    new=substitution["by_entry_id"],
                ),
                "success",
            )
    return _draw_page(contest_id, anchor)
