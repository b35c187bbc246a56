"""The statistics as SVG charts (pygal), the same in the admin and in the client's report.

Rendered without pygal's JavaScript (tooltips): the pages' CSP runs no inline script, and the
PDF has none. Each chart comes with its data as a table on the page, for screen readers and for
anyone who wants the numbers.
"""

from __future__ import annotations

import base64
import re
import sys

import pygal
from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from pygal.style import Style

from .statistics import ContestStatistics

# pygal puts an import hook for its old ``pygal.maps`` plugins on ``sys.meta_path``, which
# Python 3.11 warns about at every later import (no find_spec). No map is used here: take it off.
sys.meta_path[:] = [hook for hook in sys.meta_path if type(hook).__name__ != "PluginImportFixer"]

_SCRIPT = re.compile(rb"<script\b[^>]*>.*?</script>", re.DOTALL)

STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1d2330",
    foreground_strong="#1d2330",
    foreground_subtle="#4d5566",
    colors=("#1f5fbf", "#1b6e3a", "#8a5a00", "#7c2d12", "#4d5566"),
    font_family="DejaVu Sans, sans-serif",
    label_font_size=11,
    major_label_font_size=11,
    title_font_size=14,
)

#: The charts of a contest's page, in order: (name, title).
CHARTS = (
    ("days", _l("Entries per day")),
    ("hours", _l("Entries per hour of the day")),
    ("channels", _l("Entries per channel")),
)


def _integer_axis(chart, counts) -> None:
    """Counts are whole: no 0.1 steps on the axis of a small chart."""
    top = max(counts, default=0)
    if top <= 10:
        chart.y_labels = list(range(0, top + 1))


def _config(title) -> dict:
    return {
        "title": str(title),
        "style": STYLE,
        "js": [],
        "show_legend": False,
        "width": 800,
        "height": 360,
        "print_values": False,
        "x_label_rotation": 0,
        "truncate_label": 24,
    }


def render(name: str, stats: ContestStatistics) -> bytes:
    """One chart of a contest's statistics, as SVG."""
    title = dict(CHARTS)[name]
    if name == "days":
        chart = pygal.Bar(
            **{**_config(title), "x_label_rotation": 45, "show_minor_x_labels": False}
        )
        labels = [format_date(day, "d MMM") for day, _ in stats.by_day]
        chart.x_labels = labels
        chart.x_labels_major = labels[:: max(1, len(labels) // 12)]
        chart.add(str(_l("Entries")), [count for _, count in stats.by_day])
        _integer_axis(chart, [count for _, count in stats.by_day])
    elif name == "hours":
        chart = pygal.Bar(**_config(title))
        chart.x_labels = [f"{hour:02d}" for hour, _ in stats.by_hour]
        chart.add(str(_l("Entries")), [count for _, count in stats.by_hour])
        _integer_axis(chart, [count for _, count in stats.by_hour])
    else:
        chart = pygal.HorizontalBar(**_config(title))
        shown = stats.channels[:12]
        chart.x_labels = [label or str(_l("(direct)")) for label, _ in shown]
        chart.add(str(_l("Entries")), [count for _, count in shown])
    # pygal always writes its configuration as an inline script; nothing here runs it.
    return _SCRIPT.sub(b"", chart.render())


def month_chart(days: list, title) -> bytes:
    """Entries per day of a month, for the client's report."""
    chart = pygal.Bar(**{**_config(title), "height": 300})
    chart.x_labels = [str(day.day) for day, _ in days]
    chart.add(str(_l("Entries")), [count for _, count in days])
    _integer_axis(chart, [count for _, count in days])
    return _SCRIPT.sub(b"", chart.render())


def data_uri(svg: bytes) -> str:
    """A chart as an image the page or the PDF carries inline (the CSP allows ``data:`` images,
    the PDF renderer reads nothing else), computed once with the figures beside it."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
