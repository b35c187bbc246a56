"""The organizations an organizer works for: the list, a new client, its dashboard and members."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..contest.dashboard import contests_by_phase
from ..models.types import utcnow
from ..organizations import add_member, create_organization, members_of, organizations_of
from ..web.boundary import change
from . import bp
from .forms import MemberForm, OrganizationForm


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
    """List the organizations the organizer works for and create a new client."""
    form = OrganizationForm()
    if form.validate_on_submit():
        with change(form) as outcome:
            organization = create_organization(form.name.data, owner=current_user)
            organization_id = organization.id
        if outcome.ok:
            flash(_("Organization created."), "success")
            return redirect(url_for("admin.dashboard", org_id=organization_id))
    status = 400 if form.errors else 200
    return render_template(
        "admin/organizations.html", form=form, organizations=organizations_of(current_user)
    ), status


@bp.route("/o/<int:org_id>/")
def dashboard():
    """The organization's contests grouped by phase, with entry counts."""
    return render_template("admin/dashboard.html", groups=contests_by_phase(g.org, utcnow()))


@bp.route("/o/<int:org_id>/members", methods=["GET", "POST"])
def members():
    """Who works on this organization; add a colleague (new or existing account)."""
    form = MemberForm()
    if form.validate_on_submit():
        with change(form) as outcome:
            email = add_member(g.org, form.email.data, form.password.data, current_user).email
        if outcome.ok:
            flash(_("%(email)s can now work on this organization.", email=email), "success")
            return redirect(url_for("admin.members"))
    status = 400 if form.errors else 200
    return render_template("admin/members.html", form=form, memberships=members_of(g.org)), status
