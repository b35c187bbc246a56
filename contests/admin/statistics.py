"""A contest's statistics: key figures, charts, and the data behind each chart."""

from __future__ import annotations

from flask import Response, abort, render_template

from ..reporting.charts import CHARTS, render
from ..reporting.statistics import contest_statistics
from . import bp, load_contest


@bp.route("/o/<int:org_id>/contests/<int:contest_id>/statistics")
def statistics(contest_id: int):
    contest = load_contest(contest_id)
    return render_template(
        "admin/statistics.html",
        contest=contest,
        stats=contest_statistics(contest),
        charts=CHARTS,
    )


@bp.route("/o/<int:org_id>/contests/<int:contest_id>/statistics/<name>.svg")
def statistics_chart(contest_id: int, name: str):
    if name not in dict(CHARTS):
        abort(404)
    contest = load_contest(contest_id)
    response = Response(render(name, contest_statistics(contest)), mimetype="image/svg+xml")
    # Shown as an image, where no script runs; its own style sheet is inline.
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response.cache_control.private = True
    response.cache_control.max_age = 60
    return response
