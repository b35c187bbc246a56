"""The organizer workspace. Every route below /admin/o/<org_id>/ is scoped to a membership."""
from __future__ import annotations

import json

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from .. import entries, winners
from ..audit import verify_chain
from ..contest_editing import EDITABLE_FIELDS, LOCAL_TIME_FIELDS, add_prize, add_question, delete_question, create_contest, delete_prize, update_contest, update_prize
from ..errors import ContestLocked, PublishRefused, ValidationFailed, WrongState
from ..extensions import db, login_manager
from ..entry_export import SEPARATORS, streamed_rows
from ..entry_export import entries_csv as write_entries_csv
from ..models import AuditEvent, Contest, Draw, Entry, Prize, Question, State
from ..models.types import utcnow
from ..organizations import add_member, create_organization, members_of, membership_organization, organizations_of
from ..publishing import archive_contest, missing_for_publish, publish_contest
from ..embedding import update_embed_settings
from ..rules_versions import AMENDABLE_FIELDS, all_versions, amend_rules as amend_contest_rules, contest_template, render_current_terms
from ..dashboard import contests_by_phase
from ..timezones import utc_to_local
from ..transfer import export_contest, import_contest
from .forms import (
    ActionForm,
    AmendRulesForm,
    EmbedForm,
    ContestForm,
    DisqualifyForm,
    ImportForm,
    MemberForm,
    OrganizationForm,
    PrizeForm,
    QuestionForm,
)

bp = Blueprint("admin", __name__, url_prefix="/admin")

MAX_IMPORT_BYTES = 2_000_000


@bp.url_value_preprocessor
def pull_organization_id(endpoint, values):
    g.org_id = values.pop("org_id", None) if values else None


@bp.url_defaults
def add_organization_id(endpoint, values):
    org = getattr(g, "org", None)
    if org is not None and "org_id" not in values and current_app.url_map.is_endpoint_expecting(endpoint, "org_id"):
        values["org_id"] = org.id


@bp.before_request
def require_membership():
    """Sign-in for the whole workspace; an organization the user is not in does not exist (404)."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    g.org = None
    if g.org_id is not None:
        g.org = membership_organization(current_user, g.org_id)
        if g.org is None:
            abort(404)
        session["org_id"] = g.org.id


@bp.context_processor
def workspace_context():
    if not current_user.is_authenticated:
        return {}
    return {"my_organizations": organizations_of(current_user), "action_form": ActionForm(formdata=None)}


def _contest(contest_id: int) -> Contest:
    return db.first_or_404(select(Contest).where(Contest.id == contest_id, Contest.organization_id == g.org.id))


def _prize(contest: Contest, prize_id: int) -> Prize:
    return db.first_or_404(select(Prize).where(Prize.id == prize_id, Prize.contest_id == contest.id))


def _show_errors(form, error: ValidationFailed) -> None:
    """Attach domain errors to their fields; those without a field become a flash message."""
    for name, messages in error.errors.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + list(messages)
        else:
            for message in messages:
                flash(str(message), "error")


def _apply_change(form, change) -> tuple[bool, object]:
    """Run a domain change for a valid form; commit it, or roll back and show why it was refused.

    Field errors go on the form, a refusal of the whole change is flashed. The rollback expires
    the objects, so the page shows what is stored, not the refused values.
    """
    try:
        result = change()
    except (ValidationFailed, WrongState, ContestLocked) as error:
        db.session.rollback()
        if isinstance(error, ValidationFailed):
            _show_errors(form, error)
        else:
            flash(str(error), "error")
        return False, None
    db.session.commit()
    return True, result


def _attempt(action) -> tuple[bool, object]:
    """Run a domain action behind a button (no form to hold field errors): commit it, or roll
    back and flash why it was refused."""
    try:
        result = action()
    except (ValidationFailed, WrongState, ContestLocked) as error:
        db.session.rollback()
        _flash_refusal(error)
        return False, None
    db.session.commit()
    return True, result


def _flash_refusal(error: ValidationFailed | WrongState | ContestLocked) -> None:
    """Show why an action was refused: a state error's sentence, or the first field message."""
    if isinstance(error, ValidationFailed):
        message = next(iter(error.errors.values()))[0]
    else:
        message = error
    flash(str(message), "error")


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
        try:
            organization = create_organization(form.name.data, owner=current_user)
        except ValidationFailed as error:
            _show_errors(form, error)
        else:
            db.session.commit()
            flash(_("Organization created."), "success")
            return redirect(url_for("admin.dashboard", org_id=organization.id))
    status = 400 if form.errors else 200
    return render_template("admin/organizations.html", form=form, organizations=organizations_of(current_user)), status


@bp.route("/o/<int:org_id>/")
def dashboard():
    """The organization's contests grouped by phase, with entry counts."""
    return render_template("admin/dashboard.html", groups=contests_by_phase(g.org, utcnow()))


@bp.route("/o/<int:org_id>/members", methods=["GET", "POST"])
def members():
    """Who works on this organization; add a colleague (new or existing account)."""
    form = MemberForm()
    if form.validate_on_submit():
        try:
            user = add_member(g.org, form.email.data, form.password.data, current_user)
        except ValidationFailed as error:
            _show_errors(form, error)
        else:
            db.session.commit()
            flash(_("%(email)s can now work on this organization.", email=user.email), "success")
            return redirect(url_for("admin.members"))
    status = 400 if form.errors else 200
    return render_template("admin/members.html", form=form, memberships=members_of(g.org)), status


@bp.route("/o/<int:org_id>/contests/new", methods=["GET", "POST"])
def new_contest():
    """Create a draft contest."""
    form = ContestForm()
    if form.validate_on_submit():
        try:
            contest = create_contest(g.org, form.values(), current_user)
        except ValidationFailed as error:
            db.session.rollback()
            _show_errors(form, error)
        else:
            db.session.commit()
            flash(_("Draft contest created. Add its prizes, then publish it."), "success")
            return redirect(url_for("admin.contest", contest_id=contest.id))
    status = 400 if form.errors else 200
    return render_template("admin/contest_form.html", form=form, contest=None), status


def _form_data(contest: Contest) -> dict:
    data = {name: getattr(contest, name) for name in EDITABLE_FIELDS}
    for name in LOCAL_TIME_FIELDS:
        instant = getattr(contest, name)
        data[name] = utc_to_local(instant, contest.timezone) if instant else None
    return data


@bp.route("/o/<int:org_id>/contests/<int:contest_id>")
def contest(contest_id: int):
    """A contest's terms, prizes, and what is still missing before it can be published."""
    contest = _contest(contest_id)
    now = utcnow()
    missing = missing_for_publish(contest, now) if contest.state == State.DRAFT else []
    public_url = url_for("public.contest", slug=contest.slug, _external=True)
    return render_template(
        "admin/contest.html", contest=contest, phase=contest.phase(now), missing=missing, public_url=public_url,
        rules_template=contest_template(contest), rules_versions=all_versions(contest), qr_channels=QR_CHANNELS,
    )


@bp.route("/o/<int:org_id>/contests/<int:contest_id>/rules/preview")
def rules_preview(contest_id: int):
    """The rules as they would be published now, for the organizer (and their lawyer) to read."""
    contest = _contest(contest_id)
    template = contest_template(contest)
    if template is None:
        abort(404)
    return render_template("admin/rules_preview.html", contest=contest, template=template,
                           rules_html=render_current_terms(contest, template, request.host_url),
                           missing=missing_for_publish(contest, utcnow()))


@bp.route("/o/<int:org_id>/contests/<int:contest_id>/rules/amend", methods=["GET", "POST"])
def amend_rules(contest_id: int):
    """Change amendable terms of a published contest: a new, dated version of the rules."""
    contest = _contest(contest_id)
    data = _form_data(contest)
    form = AmendRulesForm(data={name: data[name] for name in AMENDABLE_FIELDS})
    if form.validate_on_submit():
        saved, row = _apply_change(form, lambda: amend_contest_rules(
            contest, form.values(), form.summary.data, current_user, utcnow(), request.host_url))
        if saved:
            flash(_("Rules amended: version %(number)d is now the one in force.", number=row.number), "success")
            return redirect(url_for("admin.contest", contest_id=contest.id) + "#rules")
    status = 400 if form.errors or request.method == "POST" else 200
    return render_template("admin/amend_rules.html", form=form, contest=contest), status


@bp.route("/o/<int:org_id>/contests/<int:contest_id>/edit", methods=["GET", "POST"])
def edit_contest(contest_id: int):
    """Edit a draft's terms."""
    contest = _contest(contest_id)
    if contest.state != State.DRAFT:
        flash(_("Only draft contests can be edited."), "error")
        return redirect(url_for("admin.contest", contest_id=contest.id))
    form = ContestForm(data=_form_data(contest))
    if form.validate_on_submit():
        saved, _result = _apply_change(form, lambda: update_contest(contest, form.values(), current_user))
        if saved:
            flash(_("Changes saved."), "success")
            return redirect(url_for("admin.contest", contest_id=contest.id))
    status = 400 if form.errors else 200
    return render_template("admin/contest_form.html", form=form, contest=contest), status


@bp.route("/o/<int:org_id>/contests/<int:contest_id>/publish", methods=["POST"])
def publish(contest_id: int):
    """Publish a complete draft, or say exactly what is missing."""
    contest = _contest(contest_id)
    if ActionForm().validate_on_submit():
        try:
            publish_contest(contest, current_user, utcnow(), request.host_url)
        except PublishRefused as error:
            db.session.rollback()
            flash(_("Cannot publish yet. Missing: %(fields)s.", fields=", ".join(str(m) for m in error.missing)), "error")
        except WrongState as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("Contest published."), "success")
    return redirect(url_for("admin.contest", contest_id=contest_id))


@bp.route("/o/<int:org_id>/contests/<int:contest_id>/archive", methods=["POST"])
def archive(contest_id: int):
    """Archive a draft, closed or drawn contest."""
    contest = _contest(contest_id)
    if ActionForm().validate_on_submit():
        try:
            archive_contest(contest, current_user, utcnow())
        except WrongState as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("Contest archived."), "success")
    return redirect(url_for("admin.contest", contest_id=contest_id))


@bp.route("/o/<int:org_id>/contests/<int:contest_id>/export.json")
def export(contest_id: int):
    """Download the contest as JSON, to reuse its setup for another client."""
    contest = _contest(contest_id)
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
        raw = form.file.data.read(MAX_IMPORT_BYTES + 1)
        try:
            if len(raw) > MAX_IMPORT_BYTES:
                raise ValidationFailed({"file": [_("The file is larger than 2 MB.")]})
            try:
                document = json.loads(raw.decode("utf-8-sig"))
            except (UnicodeDecodeError, json.JSONDecodeError) as error:
                raise ValidationFailed({"file": [_("This is not a valid JSON file (%(error)s).", error=str(error))]})
            contest = import_contest(g.org, document, current_user, slug=form.slug.data or None)
        except ValidationFailed as error:
            db.session.rollback()
            problems = [str(m) for messages in error.errors.values() for m in messages]
        else:
            db.session.commit()
            flash(_("Draft contest imported."), "success")
            return redirect(url_for("admin.contest", contest_id=contest.id))
    status = 400 if (form.errors or problems) else 200
    return render_template("admin/import.html", form=form, problems=problems), status


@bp.route("/o/<int:org_id>/contests/<int:contest_id>/prizes/new", methods=["GET", "POST"])
def new_prize(contest_id: int):
    """Add a prize to a draft."""
    contest = _contest(contest_id)
    form = PrizeForm()
    if form.validate_on_submit():
        try:
            add_prize(contest, form.values(), current_user)
        except ContestLocked as error:
            db.session.rollback()
            flash(str(error), "error")
            return redirect(url_for("admin.contest", contest_id=contest.id))
        db.session.commit()
        flash(_("Prize added."), "success")
        return redirect(url_for("admin.contest", contest_id=contest.id))
    status = 400 if form.errors else 200
    return render_template("admin/prize_form.html", form=form, contest=contest, prize=None), status


@bp.route("/o/<int:org_id>/contests/<int:contest_id>/prizes/<int:prize_id>/edit", methods=["GET", "POST"])
def edit_prize(contest_id: int, prize_id: int):
    """Change a prize of a draft."""
    contest = _contest(contest_id)
    prize = _prize(contest, prize_id)
    form = PrizeForm(
        data={
            "title": prize.title,
            "description": prize.description,
            "quantity": prize.quantity,
            "unit_value": prize.unit_value_minor,
            "currency": prize.currency,
            "position": prize.position,
        }
    )
    if form.validate_on_submit():
        try:
            update_prize(prize, form.values(), current_user)
        except ContestLocked as error:
            db.session.rollback()
            flash(str(error), "error")
            return redirect(url_for("admin.contest", contest_id=contest.id))
        db.session.commit()
        flash(_("Prize saved."), "success")
        return redirect(url_for("admin.contest", contest_id=contest.id))
    status = 400 if form.errors else 200
    return render_template("admin/prize_form.html", form=form, contest=contest, prize=prize), status


@bp.route("/o/<int:org_id>/contests/<int:contest_id>/prizes/<int:prize_id>/delete", methods=["POST"])
def remove_prize(contest_id: int, prize_id: int):
    """Remove a prize from a draft."""
    contest = _contest(contest_id)
    prize = _prize(contest, prize_id)
    if ActionForm().validate_on_submit():
        try:
            delete_prize(prize, current_user)
        except ContestLocked as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("Prize removed."), "success")
    return redirect(url_for("admin.contest", contest_id=contest.id))


# --- custom questions ----------------------------------------------------------------------

@bp.route("/o/<int:org_id>/contests/<int:contest_id>/questions/new", methods=["GET", "POST"])
def new_question(contest_id: int):
    """Add a question to a draft's entry form."""
    contest = _contest(contest_id)
    form = QuestionForm()
    if form.validate_on_submit():
        try:
            add_question(contest, form.data, current_user)
        except ContestLocked as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("Question added."), "success")
        return redirect(url_for("admin.contest", contest_id=contest.id))
    status = 400 if form.errors else 200
    return render_template("admin/question_form.html", form=form, contest=contest), status


@bp.route("/o/<int:org_id>/contests/<int:contest_id>/questions/<int:question_id>/delete", methods=["POST"])
def remove_question(contest_id: int, question_id: int):
    """Remove a question from a draft's entry form."""
    contest = _contest(contest_id)
    question = db.first_or_404(select(Question).where(Question.id == question_id, Question.contest_id == contest.id))
    try:
        delete_question(question, current_user)
    except ContestLocked as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("Question removed."), "success")
    return redirect(url_for("admin.contest", contest_id=contest.id))


# --- entries -------------------------------------------------------------------------------

PAGE_SIZE = 50


def _entry(contest: Contest, entry_id: int) -> Entry:
    return db.first_or_404(select(Entry).where(Entry.id == entry_id, Entry.contest_id == contest.id))


@bp.route("/o/<int:org_id>/contests/<int:contest_id>/entries")
def entries_list(contest_id: int):
    """Entries with counts per status, a status filter and a search box."""
    contest = _contest(contest_id)
    status = request.args.get("status") if request.args.get("status") in entries.STATUS_FILTERS else None
    search = (request.args.get("q") or "")[:200]
    page = db.paginate(entries.entries_query(contest, status, search), per_page=PAGE_SIZE, error_out=False)
    return render_template(
        "admin/entries.html", contest=contest, page=page, status=status, search=search,
        counts=entries.status_counts(contest), filters=entries.STATUS_FILTERS, sources=entries.source_counts(contest),
    )


@bp.route("/o/<int:org_id>/contests/<int:contest_id>/entries.csv")
def entries_csv(contest_id: int):
    """The filtered list as CSV (UTF-8 with BOM; ?sep=semicolon for French Excel)."""
    contest = _contest(contest_id)
    status = request.args.get("status") if request.args.get("status") in entries.STATUS_FILTERS else None
    separator = SEPARATORS.get(request.args.get("sep", "comma"), ",")
    query = entries.entries_query(contest, status, (request.args.get("q") or "")[:200])
    filename = f"entries-{contest.slug}.csv"
    # Streamed, rows read through a connection of its own: a large contest is never held whole.
    return Response(
        write_entries_csv(contest, streamed_rows(db.engine, query), separator),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "private, no-store"},
    )


@bp.route("/o/<int:org_id>/contests/<int:contest_id>/review")
def review(contest_id: int):
    """Clusters of related entries (same phone, same household, bursts from one address)."""
    contest = _contest(contest_id)
    return render_template(
        "admin/review.html", contest=contest, clusters=entries.review_clusters(contest), disqualify_form=DisqualifyForm(formdata=None)
    )


@bp.route("/o/<int:org_id>/contests/<int:contest_id>/entries/<int:entry_id>/disqualify", methods=["POST"])
def disqualify(contest_id: int, entry_id: int):
    """Exclude an entry from the draw with a reason (recorded with who and when)."""
    contest = _contest(contest_id)
    entry = _entry(contest, entry_id)
    form = DisqualifyForm()

    def disqualify_it():
        if not form.validate_on_submit():
            raise ValidationFailed({"reason": form.reason.errors or [_("Say why this entry is disqualified.")]})
        entries.disqualify_entry(entry, form.reason.data, current_user, utcnow())

    if _attempt(disqualify_it)[0]:
        flash(_("Entry %(id)d disqualified.", id=entry_id), "success")
    return redirect(_back_to(contest))


@bp.route("/o/<int:org_id>/contests/<int:contest_id>/entries/<int:entry_id>/clear", methods=["POST"])
def clear(contest_id: int, entry_id: int):
    """Keep a flagged entry: dismiss its signals (recorded with who and when)."""
    contest = _contest(contest_id)
    entry = _entry(contest, entry_id)
    if _attempt(lambda: entries.clear_flags(entry, current_user, utcnow()))[0]:
        flash(_("Signals cleared for entry %(id)d.", id=entry_id), "success")
    return redirect(_back_to(contest))


def _back_to(contest: Contest) -> str:
    """Return to the page the button was on (review queue or list), never off-site."""
    target = request.form.get("next", "")
    if target.startswith("/admin/") and "//" not in target:
        return target
    return url_for("admin.review", contest_id=contest.id)


# --- draw ----------------------------------------------------------------------------------

@bp.route("/o/<int:org_id>/contests/<int:contest_id>/draw", methods=["GET", "POST"])
def draw(contest_id: int):
    """The contest's draws: commitment, the public values and the Draw button, substitutions, and
    a supplementary draw for prizes left without an alternate."""
    contest = _contest(contest_id)
    if request.method == "POST":
        done, drawn = _attempt(lambda: winners.perform_draw(contest, request.form.getlist("entropy"), current_user, utcnow()))
        if not done:
            return redirect(url_for("admin.draw", contest_id=contest_id))
        flash(_("The winners are drawn and the record is published."), "success")
        return redirect(url_for("admin.draw", contest_id=contest_id) + f"#draw-{drawn.id}")
    draws = winners.draws_of(contest)
    parent, vacant = winners.open_vacancies(draws)
    return render_template(
        "admin/draw.html", contest=contest, draws=[winners.draw_summary(one) for one in draws], phase=contest.phase(utcnow()),
        vacancy_parent=parent, vacancies=vacant, pending=next((d for d in draws if d.state == "committed"), None),
        reasons=winners.SUBSTITUTION_REASONS,
    )


@bp.route("/o/<int:org_id>/contests/<int:contest_id>/draw/supplementary", methods=["POST"])
def supplementary_draw(contest_id: int):
    """Commit a supplementary draw for the prizes left vacant: new secret, new public sources."""
    contest = _contest(contest_id)
    sources = request.form.get("entropy_sources", "").splitlines()
    if _attempt(lambda: winners.commit_supplementary(contest, sources, current_user, utcnow()))[0]:
        flash(_("The supplementary draw is committed; its specification is public. Draw it once its public values exist."), "success")
    return redirect(url_for("admin.draw", contest_id=contest_id))


def _contest_draw(contest: Contest, draw_id: int | None, drawn: bool = True):
    """One of the contest's draws (the first by default); 404 for another contest's."""
    the_draw = winners.draw_of(contest) if draw_id is None else db.session.get(Draw, draw_id)
    if the_draw is None or the_draw.contest_id != contest.id or (drawn and the_draw.state != "drawn"):
        abort(404)
    return the_draw


@bp.route("/o/<int:org_id>/contests/<int:contest_id>/draw/substitute", methods=["POST"])
def substitute(contest_id: int):
    """Replace a winner by the next alternate in published order, or leave the prize vacant."""
    contest = _contest(contest_id)
    try:
        draw_id = int(request.form["draw_id"]) if request.form.get("draw_id") else None
        entry_id = int(request.form.get("entry_id", ""))
    except ValueError:
        flash(_("Choose the winner to replace."), "error")
        return redirect(url_for("admin.draw", contest_id=contest_id))
    the_draw = _contest_draw(contest, draw_id, drawn=False)
    reason = request.form.get("reason", "")
    done, substitution = _attempt(lambda: winners.substitute_winner(the_draw, entry_id, reason, current_user, utcnow()))
    if done:
        if substitution["by_entry_id"] is None:
            flash(_("Entry %(old)d loses the prize. No alternate is left: the prize is vacant until a supplementary draw fills it.",
                    old=substitution["replaced_entry_id"]), "warning")
        else:
            flash(_("Entry %(old)d replaced by entry %(new)d.", old=substitution["replaced_entry_id"], new=substitution["by_entry_id"]), "success")
    return redirect(url_for("admin.draw", contest_id=contest_id) + f"#draw-{the_draw.id}")


@bp.route("/o/<int:org_id>/contests/<int:contest_id>/embed", methods=["GET", "POST"])
def embed_settings(contest_id: int):
    """The snippets to paste on a client's site, and who may embed the form with what look."""
    contest = _contest(contest_id)
    form = EmbedForm(data={"embed_origins": contest.embed_origins, "brand_color": contest.brand_color})
    if form.validate_on_submit():
        logo = form.logo.data.read() if form.logo.data else None
        saved, _result = _apply_change(form, lambda: update_embed_settings(
            contest, form.embed_origins.data or "", form.brand_color.data or "", logo, bool(form.remove_logo.data),
            current_user))
        if saved:
            flash(_("Embedding settings saved."), "success")
            return redirect(url_for("admin.embed_settings", contest_id=contest.id))
    status = 400 if form.errors else 200
    base = request.host_url.rstrip("/")
    return render_template("admin/embed.html", contest=contest, form=form, base=base), status


#: Channels offered in the QR code form; any code matching entries.SOURCE_PATTERN is accepted.
QR_CHANNELS = ("poster", "flyer", "venue", "newsletter", "social", "packaging")


@bp.route("/o/<int:org_id>/contests/<int:contest_id>/qr.<any(png, svg):fmt>")
def entry_qr(contest_id: int, fmt: str):
    """The entry form's QR code for one channel; entries made through it record the channel."""
    from ..documents.qr import qr_png, qr_svg

    contest = _contest(contest_id)
    raw = request.args.get("channel", "")
    channel = entries.clean_source(raw)
    if raw.strip() and not channel:
        flash(_("A channel is written with lower-case letters, digits and hyphens, e.g. poster-metro."), "error")
        return redirect(url_for("admin.contest", contest_id=contest.id) + "#qr")
    url = url_for("public.contest", slug=contest.slug, src=channel or None, _external=True)
    name = f"{contest.slug}-{channel or 'direct'}-qr.{fmt}"
    body, mimetype = (qr_png(url), "image/png") if fmt == "png" else (qr_svg(url), "image/svg+xml")
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _pdf(pdf: bytes, filename: str) -> Response:
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{filename}"', "Cache-Control": "private, no-store"})


def _requested_draw(contest: Contest):
    """The drawn draw named by ?draw= (the first draw without it)."""
    raw = request.args.get("draw", "")
    return _contest_draw(contest, int(raw) if raw.isdigit() else None)


@bp.route("/o/<int:org_id>/contests/<int:contest_id>/draw/certificate.pdf")
def draw_certificate(contest_id: int):
    """The organizer's copy of the draw certificate, with full names."""
    from ..documents.certificates import draw_certificate_pdf

    contest = _contest(contest_id)
    the_draw = _requested_draw(contest)
    draw_url = url_for("public.draw_page", draw_id=the_draw.id, _external=True)
    return _pdf(draw_certificate_pdf(contest, the_draw, draw_url, full_names=True), f"draw-{the_draw.id}-certificate-organizer.pdf")


@bp.route("/o/<int:org_id>/contests/<int:contest_id>/draw/winners/<int:entry_id>/certificate.pdf")
def winner_certificate(contest_id: int, entry_id: int):
    """A certificate for one current winner, with the city the organizer typed."""
    from ..documents.certificates import NotAWinner, winner_certificate_pdf

    contest = _contest(contest_id)
    the_draw = winners.draw_won_by(contest, entry_id)
    if the_draw is None:
        abort(404)
    draw_url = url_for("public.draw_page", draw_id=the_draw.id, _external=True)
    try:
        pdf = winner_certificate_pdf(contest, the_draw, entry_id, request.args.get("city") or "", draw_url)
    except NotAWinner:
        abort(404)
    return _pdf(pdf, f"winner-certificate-{the_draw.id}-{entry_id}.pdf")


@bp.route("/o/<int:org_id>/contests/<int:contest_id>/audit")
def audit_log(contest_id: int):
    """Every recorded change of this contest, oldest first, with the chain's state."""
    contest = _contest(contest_id)
    events = db.session.execute(
        select(AuditEvent).where(AuditEvent.contest_id == contest.id).order_by(AuditEvent.id)
    ).scalars().all()
    return render_template("admin/audit.html", contest=contest, events=events, broken_at=verify_chain())
