"""A contest's page and its life: create, edit the draft, publish, archive, export and import as
JSON."""

from __future__ import annotations

import json
from types import SimpleNamespace

from flask import Response, flash, g, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ..contest.brand_kit import contest_defaults
from ..contest.editing import create_contest, update_contest
from ..contest.form_layout import labels, layout, shown_fields
from ..contest.publishing import (
    archive_contest,
    legal_warnings,
    missing_for_publish,
    publish_contest,
)
from ..contest.transfer import (
    MAX_FILE_BYTES,
    duplicate_contest,
    export_contest,
    import_contest,
    read_contest_file,
)
from ..entries import retention
from ..links import external_url, public_base
from ..models import State
from ..models.types import utcnow
from ..rules.templates import template_for
from ..rules.versions import all_versions, contest_template, templates_root
from ..web.boundary import change
from . import bp, contest_form_data, load_contest
from .embed import QR_CHANNELS
from .forms import ActionForm, ContestForm, ImportForm


@bp.route("/o/<int:org_id>/contests/new", methods=["GET", "POST"])
def new_contest():
    """Create a draft contest, its form filled from the client's brand kit."""
    defaults = contest_defaults(g.org)
    form = ContestForm(data=defaults)
    sections = _lay_out(
        form, SimpleNamespace(**defaults, mechanic="random_draw", entropy_format="free")
    )
    if form.validate_on_submit():
        with change(form) as outcome:
            contest_id = create_contest(g.org, _shown_values(form, sections), current_user).id
        if outcome.ok:
            flash(_("Draft contest created. Add its prizes, then publish it."), "success")
            return redirect(url_for("admin.contest", contest_id=contest_id))
    status = 400 if form.errors else 200
    return render_template(
        "admin/contest_form.html", form=form, contest=None, sections=sections
    ), status


def _lay_out(form: ContestForm, basis) -> list:
    """The sections of the page that was (or will be) shown, for the contest as saved (a change
    of jurisdiction shows its fields once saved), with the rules template's labels."""
    template = template_for(basis, templates_root())
    for name, label in labels(template, str(get_locale() or "en")).items():
        if name in form:
            form[name].label.text = label
    return layout(template, basis.mechanic, basis.entropy_format)


def _shown_values(form: ContestForm, sections: list) -> dict:
    """Only what the page showed: a field it did not show keeps its saved value (an unchecked
    box that was never on the page is not a "no")."""
    shown = set(shown_fields(sections))
    return {name: value for name, value in form.values().items() if name in shown}


@bp.route("/o/<int:org_id>/contests/<int:contest_id>")
def contest(contest_id: int):
    """A contest's terms, prizes, and what is still missing before it can be published."""
    contest = load_contest(contest_id)
    now = utcnow()
    missing = missing_for_publish(contest, now) if contest.state == State.DRAFT else []
    public_url = external_url("public.contest", slug=contest.slug)
    return render_template(
        "admin/contest.html",
        contest=contest,
        phase=contest.phase(now),
        missing=missing,
        warnings=legal_warnings(contest, now) if contest.state != State.ARCHIVED else [],
        public_url=public_url,
        rules_template=contest_template(contest),
        rules_versions=all_versions(contest),
        qr_channels=QR_CHANNELS,
        retention=retention.summary(contest),
    )


@bp.route("/o/<int:org_id>/contests/<int:contest_id>/edit", methods=["GET", "POST"])
def edit_contest(contest_id: int):
    """Edit a draft's terms."""
    contest = load_contest(contest_id)
    if contest.state != State.DRAFT:
        flash(_("Only draft contests can be edited."), "error")
        return redirect(url_for("admin.contest", contest_id=contest.id))
    form = ContestForm(data=contest_form_data(contest))
    sections = _lay_out(form, contest)
    if form.validate_on_submit():
        with change(form) as outcome:
            update_contest(contest, _shown_values(form, sections), current_user)
        if outcome.ok:
            flash(_("Changes saved."), "success")
            return redirect(url_for("admin.contest", contest_id=contest_id))
    status = 400 if form.errors else 200
    return render_template(
        "admin/contest_form.html",
        form=form,
        contest=contest,
        sections=sections,
        warnings=legal_warnings(contest, utcnow()),
    ), status


@bp.route("/o/<int:org_id>/contests/<int:contest_id>/publish", methods=["POST"])
def publish(contest_id: int):
    """Publish a complete draft, or say exactly what is missing."""
    contest = load_contest(contest_id)
    if ActionForm().validate_on_submit():
        with change() as outcome:
            publish_contest(contest, current_user, utcnow(), public_base())
        if outcome.ok:
            flash(_("Contest published."), "success")
            for warning in legal_warnings(contest, utcnow()):
                flash(warning, "warning")
    return redirect(url_for("admin.contest", contest_id=contest_id))


@bp.route("/o/<int:org_id>/contests/<int:contest_id>/archive", methods=["POST"])
def archive(contest_id: int):
    """Archive a draft, closed or drawn contest."""
    contest = load_contest(contest_id)
    if ActionForm().validate_on_submit():
        with change() as outcome:
            archive_contest(contest, current_user, utcnow())
        if outcome.ok:
            flash(_("Contest archived."), "success")
    return redirect(url_for("admin.contest", contest_id=contest_id))


@bp.route("/o/<int:org_id>/contests/<int:contest_id>/duplicate", methods=["POST"])
def duplicate(contest_id: int):
    """A new draft with everything this contest holds but its dates, to run it again."""
    contest = load_contest(contest_id)
    if ActionForm().validate_on_submit():
        with change() as outcome:
            copy_id = duplicate_contest(contest, current_user).id
        if outcome.ok:
            flash(
                _("Copy created as a draft: set its dates, check its terms, publish it."), "success"
            )
            return redirect(url_for("admin.edit_contest", contest_id=copy_id))
    return redirect(url_for("admin.contest", contest_id=contest_id))


@bp.route("/o/<int:org_id>/contests/<int:contest_id>/export.json")
def export(contest_id: int):
    """Download the contest as JSON, to reuse its setup for another client."""
    contest = load_contest(contest_id)
    body = json.dumps(export_contest(contest), ensure_ascii=False, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="contest-{contest.slug}.json"'},
    )


@bp.route("/o/<int:org_id>/contests/import", methods=["GET", "POST"])
def import_file():
    """Create a draft from an exported JSON file, listing every problem found."""
    form = ImportForm()
    problems: list[str] = []
    if form.validate_on_submit():
        with change(show=False) as outcome:
            document = read_contest_file(form.file.data.read(MAX_FILE_BYTES + 1))
            contest_id = import_contest(
                g.org, document, current_user, slug=form.slug.data or None
            ).id
        if outcome.ok:
            flash(_("Draft contest imported."), "success")
            return redirect(url_for("admin.contest", contest_id=contest_id))
        problems = outcome.error.messages() if outcome.error else []
    status = 400 if (form.errors or problems) else 200
    return render_template("admin/import.html", form=form, problems=problems), status
