"""A client's brand kit: the profile its new contests start from."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..contest.brand_kit import CONTEST_DEFAULTS, LOOK, update_brand_kit
from ..web.boundary import change
from ..web.pictures import picture_response
from . import bp
from .forms import BrandKitForm


@bp.route("/o/<int:org_id>/brand-kit", methods=["GET", "POST"])
def brand_kit():
    """Legal identity, data protection, look and mail sender, typed once for the client."""
    organization = g.org
    form = BrandKitForm(
        data={
            name: getattr(organization, name)
            for name in ("name", *CONTEST_DEFAULTS, *LOOK, "report_recipients")
        }
    )
    if form.validate_on_submit():
        logo = form.logo.data.read() if form.logo.data else None
        with change(form) as outcome:
            update_brand_kit(
                organization, form.values(), logo, bool(form.remove_logo.data), current_user
            )
        if outcome.ok:
            flash(
                _("Brand kit saved: new contests start from it; existing ones keep their values."),
                "success",
            )
            return redirect(url_for("admin.brand_kit"))
    status = 400 if form.errors else 200
    return render_template("admin/brand_kit.html", form=form), status


@bp.route("/o/<int:org_id>/brand-kit/logo.png")
def brand_kit_logo():
    """The kit's logo, for its own page (contests serve their copy publicly)."""
    if not g.org.logo_sha256:
        abort(404)
    return picture_response(g.org.logo_png, g.org.logo_sha256, public=False)
