"""A contest's statistics: key figures, charts, and the data behind each chart."""

from __future__ import annotations

from flask import render_template

from ..reporting.charts import CHARTS, data_uri, render
from ..reporting.statistics import contest_statistics
from . import bp, load_contest


@bp.route("/o/<int:org_id>/contests/<int:contest_id>/statistics")
def statistics(contest_id: int):
    """The figures are computed once per page: the charts come inline with them, not as
    separate requests that would each compute everything again."""
    contest = load_contest(contest_id)
    stats = contest_statistics(contest)
    return render_template(
        "admin/statistics.html",
        contest=contest,
        stats=stats,
        charts=[(name, title, data_uri(render(name, stats))) for name, title in CHARTS],
    )
