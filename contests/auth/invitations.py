"""Accepting an invitation to an organization, from the signed link mailed to the invitee."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..members import (
    ROLE_LABELS,
    InvalidInvitation,
    accept,
    accept_with_new_account,
    account_exists,
    invitation_for_token,
)
from ..models.types import utcnow
from ..web.boundary import change
from .forms import ResetForm
from .views import bp, start_session


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def invitation(token: str):
    """Join the organization: signed in as the invited address, or by creating that account."""
    now = utcnow()
    try:
        invited = invitation_for_token(token, now)
    except InvalidInvitation as error:
        status = 404 if error.reason == "invalid" else 410
        return _private(render_template("auth/invitation.html", problem=error.reason), status)
    form = ResetForm()  # a password, with the same strength rules as a reset
    exists = account_exists(invited.email)
    organization_id = invited.organization_id
    if request.method == "POST" and current_user.is_authenticated:
        with change() as outcome:
            accept(invited, current_user, now)
        if outcome.ok:
            flash(_("Welcome: you now work on this organization."), "success")
            return redirect(url_for("admin.dashboard", org_id=organization_id))
    elif request.method == "POST" and not exists and form.validate_on_submit():
        with change(form) as outcome:
            user = accept_with_new_account(invited, form.password.data, now)
        if outcome.ok:
            start_session(user)
            flash(_("Welcome: you now work on this organization."), "success")
            return redirect(url_for("admin.dashboard", org_id=organization_id))
    html = render_template(
        "auth/invitation.html",
        invitation=invited,
        role=ROLE_LABELS[invited.role],
        exists=exists,
        form=form,
        token=token,
    )
    return _private(html, 400 if form.errors else 200)


def _private(html: str, status: int):
    """The page's address is a key: no cache, no referrer."""
    response = current_app.make_response((html, status))
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
