"""A contest's entries for the organizer: the list, the CSV, the review queue, disqualify or
keep."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..entries.export import SEPARATORS, default_separator, streamed_rows
from ..entries.export import entries_csv as write_entries_csv
from ..entries.networks import set_trusted_networks
from ..entries.review import (
    STATUS_FILTERS,
    clear_flags,
    decide_cluster,
    disqualify_entry,
    entries_query,
    review_clusters,
    source_counts,
    status_counts,
)
from ..errors import ValidationFailed
from ..extensions import db
from ..models import Contest
from ..models.types import utcnow
from ..web.boundary import change
from ..web.input_guard import form_id
from . import bp, load_contest, load_entry
from .forms import DisqualifyForm

PAGE_SIZE = 50


def _status_filter() -> str | None:
    status = request.args.get("status")
    return status if status in STATUS_FILTERS else None


@bp.route("/o/<int:org_id>/contests/<int:contest_id>/entries")
def entries_list(contest_id: int):
    """Entries with counts per status, a status filter and a search box."""
    contest = load_contest(contest_id)
    status = _status_filter()
    search = (request.args.get("q") or "")[:200]
    number = min(form_id(request.args.get("page")) or 1, 100_000)
    page = db.paginate(
        entries_query(contest, status, search), page=number, per_page=PAGE_SIZE, error_out=False
    )
    return render_template(
        "admin/entries.html",
        contest=contest,
        page=page,
        status=status,
        search=search,
        counts=status_counts(contest),
        filters=STATUS_FILTERS,
        sources=source_counts(contest),
    )


@bp.route("/o/<int:org_id>/contests/<int:contest_id>/entries.csv")
def entries_csv(contest_id: int):
    """The filtered list as CSV, UTF-8 with a BOM; ";" for a French contest, "," for an English one
    (?sep=comma or ?sep=semicolon to choose)."""
    contest = load_contest(contest_id)
    separator = SEPARATORS.get(request.args.get("sep") or default_separator(contest), ",")
    query = entries_query(contest, _status_filter(), (request.args.get("q") or "")[:200])
    filename = f"entries-{contest.slug}.csv"
    # Streamed, rows read through a connection of its own: a large contest is never held whole.
    return Response(
        write_entries_csv(contest, streamed_rows(db.engine, query), separator),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )


@bp.route("/o/<int:org_id>/contests/<int:contest_id>/review")
def review(contest_id: int):
    """Clusters of related entries (same phone, same household, bursts from one address)."""
    contest = load_contest(contest_id)
    return render_template(
        "admin/review.html",
        contest=contest,
        clusters=review_clusters(contest),
        disqualify_form=DisqualifyForm(formdata=None),
    )


@bp.route(
    "/o/<int:org_id>/contests/<int:contest_id>/entries/<int:entry_id>/disqualify", methods=["POST"]
)
def disqualify(contest_id: int, entry_id: int):
    """Exclude an entry from the draw with a reason (recorded with who and when)."""
    contest = load_contest(contest_id)
    entry = load_entry(contest, entry_id)
    form = DisqualifyForm()
    with change() as outcome:
        if not form.validate_on_submit():
            raise ValidationFailed(
                {"reason": form.reason.errors or [_("Say why this entry is disqualified.")]}
            )
        disqualify_entry(entry, form.reason.data, current_user, utcnow())
    if outcome.ok:
        flash(_("Entry %(id)d disqualified.", id=entry.number), "success")
    return redirect(_back_to(contest))


@bp.route(
    "/o/<int:org_id>/contests/<int:contest_id>/entries/<int:entry_id>/clear", methods=["POST"]
)
def clear(contest_id: int, entry_id: int):
    """Keep a flagged entry: dismiss its signals (recorded with who and when)."""
    contest = load_contest(contest_id)
    entry = load_entry(contest, entry_id)
    with change() as outcome:
        clear_flags(entry, current_user, utcnow())
    if outcome.ok:
        flash(_("Signals cleared for entry %(id)d.", id=entry.number), "success")
    return redirect(_back_to(contest))


@bp.route("/o/<int:org_id>/contests/<int:contest_id>/review/cluster", methods=["POST"])
def decide_cluster_view(contest_id: int):
    """Keep or disqualify every entry of a cluster at once (a kiosk, a family, a bot's burst)."""
    contest = load_contest(contest_id)
    ids = [int(value) for value in request.form.getlist("entry") if value.isdigit()]
    keep = request.form.get("action") == "keep"
    with change() as outcome:
        count = decide_cluster(
            contest, ids, keep, request.form.get("reason", "")[:2000], current_user, utcnow()
        )
    if outcome.ok:
        flash(
            _("%(n)d entries kept.", n=count)
            if keep
            else _("%(n)d entries disqualified.", n=count),
            "success",
        )
    return redirect(url_for("admin.review", contest_id=contest.id))


@bp.route("/o/<int:org_id>/contests/<int:contest_id>/review/networks", methods=["POST"])
def trusted_networks(contest_id: int):
    """The networks whose many entries are expected (kiosk, venue Wi-Fi); saving clears the
    burst signals they explain."""
    contest = load_contest(contest_id)
    with change() as outcome:
        cleared = set_trusted_networks(
            contest, request.form.get("trusted_networks", "")[:5000], current_user, utcnow()
        )
    if outcome.ok:
        flash(_("Trusted networks saved; %(n)d burst signals cleared.", n=cleared), "success")
    return redirect(url_for("admin.review", contest_id=contest.id))


def _back_to(contest: Contest) -> str:
    """Return to the page the button was on (review queue or list), never off-site."""
    target = request.form.get("next", "")
    if target.startswith("/admin/") and "//" not in target:
        return target
    return url_for("admin.review", contest_id=contest.id)
