"""The winner's claim page, reached from the signed link of the notification mail."""

from __future__ import annotations

from flask import abort, current_app, g, redirect, render_template, request, url_for
from flask_babel import refresh

from ..models import AwardStatus
from ..models.types import utcnow
from ..web.boundary import change
from ..winners.claims import (
    ClaimInput,
    InvalidClaimLink,
    award_for_token,
    claim_prize,
    decline_prize,
    prize_of,
    requirements,
)
from . import bp
from .forms import claim_form


@bp.route("/claim/<token>", methods=["GET", "POST"])
def claim(token: str):
    """Claim or decline a prize before the deadline, shown in the contest's time zone. A GET only
    shows the page, so a link scanner answers nothing."""
    try:
        award = award_for_token(token)
    except InvalidClaimLink:
        abort(404)
    contest = award.draw.contest
    g.locale = contest.language
    refresh()
    prize = prize_of(award)
    needs = requirements(contest, prize)
    form = claim_form(needs)
    now = utcnow()
    if request.method == "POST" and request.form.get("action") == "decline":
        # CSRFProtect has checked the token before the view runs, as for every POST.
        with change(form) as outcome:
            decline_prize(award, now)
        if outcome.ok:
            return redirect(url_for("public.claim", token=token), 303)
    elif request.method == "POST":
        if form.validate():
            data = ClaimInput(
                postal_address=(form.postal_address.data or "") if needs.address else "",
                phone=form.phone.data or "",
                town=form.town.data or "",
                birth_date=form.birth_date.data if needs.birth_date else None,
                release_accepted=bool(needs.release and form.release_accepted.data),
                publication_ok=bool(needs.publication and form.publication_ok.data),
            )
            with change(form) as outcome:
                claim_prize(award, data, now)
            if outcome.ok:
                return redirect(url_for("public.claim", token=token), 303)
    elif award.status == AwardStatus.NOTIFIED:
        form.phone.data = award.entry.phone or ""
    open_ = award.status == AwardStatus.NOTIFIED and award.deadline_at > now
    html = render_template(
        "public/claim.html",
        contest=contest,
        award=award,
        prize=prize,
        form=form,
        needs=needs,
        open=open_,
        expired=award.status == AwardStatus.NOTIFIED and not open_,
    )
    response = current_app.make_response(html)
    # The page names the winner's prize and may hold their phone: no shared cache keeps it.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
