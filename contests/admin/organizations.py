"""The organizations an organizer works for: the list, a new client, its dashboard and members."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..contest.dashboard import contests_by_phase
from ..contest.overview import attention
from ..links import public_base
from ..members import (
    ROLE_LABELS,
    change_role,
    invite,
    pending_invitations,
    remove_member,
    revoke,
)
from ..models.types import utcnow
from ..organizations import create_organization, members_of, organizations_of
from ..web.boundary import change
from . import bp, require_owner
from .forms import ActionForm, InviteForm, OrganizationForm


@bp.route("/")
def home():
    """Go to the organization used last, or to the list when there is a choice to make."""
    organizations = organizations_of(current_user)
    last = session.get("org_id")
    for organization in organizations:
        if organization.id == last:
            return redirect(url_for("admin.dashboard", org_id=organization.id))
    if len(organizations) == 1:
        return redirect(url_for("admin.dashboard", org_id=organizations[0].id))
    return redirect(url_for("admin.organizations"))


@bp.route("/organizations", methods=["GET", "POST"])
def organizations():
    """The organizations the organizer works for, each with what needs attention today; create a
    new client."""
    form = OrganizationForm()
    if form.validate_on_submit():
        with change(form) as outcome:
            organization = create_organization(form.name.data, owner=current_user)
            organization_id = organization.id
        if outcome.ok:
            flash(_("Organization created."), "success")
            return redirect(url_for("admin.dashboard", org_id=organization_id))
    status = 400 if form.errors else 200
    mine = organizations_of(current_user)
    return render_template(
        "admin/organizations.html",
        form=form,
        organizations=mine,
        attention=attention([o.id for o in mine], utcnow()),
    ), status


@bp.route("/o/<int:org_id>/")
def dashboard():
    """The organization's contests grouped by phase, with entry counts."""
    return render_template("admin/dashboard.html", groups=contests_by_phase(g.org, utcnow()))


@bp.route("/o/<int:org_id>/members", methods=["GET", "POST"])
def members():
    """Who works on this organization and in which role; the owner invites by email."""
    form = InviteForm()
    if request.method == "POST":
        require_owner()
        if form.validate_on_submit():
            with change(form) as outcome:
                email, role = form.email.data, form.role.data
                invite(g.org, email, role, current_user, utcnow(), public_base())
            if outcome.ok:
                flash(
                    _(
                        "Invitation sent to %(email)s: they join once they accept it.",
                        email=form.email.data.strip(),
                    ),
                    "success",
                )
                return redirect(url_for("admin.members"))
    status = 400 if form.errors else 200
    return render_template(
        "admin/members.html",
        form=form,
        memberships=members_of(g.org),
        invitations=pending_invitations(g.org),
        roles=ROLE_LABELS,
        action_form=ActionForm(),
    ), status


@bp.route("/o/<int:org_id>/members/<int:membership_id>", methods=["POST"])
def member(membership_id: int):
    """Change a member's role, or remove them (the owner only; one owner always stays)."""
    require_owner()
    if ActionForm().validate_on_submit():
        with change() as outcome:
            if request.form.get("action") == "remove":
                remove_member(g.org, membership_id, current_user)
            else:
                change_role(g.org, membership_id, request.form.get("role", ""), current_user)
        if outcome.ok:
            flash(_("Changes saved."), "success")
    return redirect(url_for("admin.members"))


@bp.route("/o/<int:org_id>/invitations/<int:invitation_id>/revoke", methods=["POST"])
def revoke_invitation(invitation_id: int):
    require_owner()
    if ActionForm().validate_on_submit():
        with change() as outcome:
            revoke(g.org, invitation_id, current_user, utcnow())
        if outcome.ok:
            flash(_("Invitation withdrawn: its link no longer works."), "success")
    return redirect(url_for("admin.members"))
