"""Template filters that show money and instants the way the reader expects."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time, format_timedelta
from babel.numbers import format_currency
from flask import Flask
from flask_babel import get_locale
from flask_babel.speaklater import LazyString

from ..entries.receipts import receipt_line, receipt_url
from ..entries.rights import rights_url
from ..links import external_url


def money(minor: int, currency: str) -> str:
    """Format cents as the reader's locale writes money (``1 250,00 €`` / ``€1,250.00``)."""
    return format_currency(Decimal(minor) / 100, currency, locale=get_locale() or "en")


def attribution_text(stored: str) -> str:
    """Where an embedded form was shown: "www.musee.example/expo · newsletter / email / noel"."""
    try:
        data = json.loads(stored or "{}")
    except ValueError:
        return ""
    host = urlsplit(data.get("host", "")).netloc + urlsplit(data.get("host", "")).path
    utm = " / ".join(
        data[key] for key in ("utm_source", "utm_medium", "utm_campaign") if key in data
    )
    return " · ".join(part for part in (host, utm) if part)


def local_datetime(instant: datetime | None, tz_name: str) -> str:
    """Show an instant as wall-clock time in the contest's zone, naming the zone."""
    if instant is None:
        return "—"
    local = instant.astimezone(ZoneInfo(tz_name))
    locale = get_locale() or "en"
    day, hour = (
        format_date(local, "long", locale=locale),
        format_time(local, "short", locale=locale),
    )
    return f"{day} {hour} ({tz_name})"


def time_until(instant: datetime | None) -> str:
    """How long until an instant, as people say it ("in 3 days", "dans 5 heures"); the page's
    script keeps it current."""
    if instant is None:
        return ""
    delta = instant - datetime.now(instant.tzinfo)
    return format_timedelta(
        delta, granularity="minute", threshold=1.5, add_direction=True, locale=get_locale() or "en"
    )


def local_iso(text: str | None, tz_name: str) -> str:
    """An instant a record stores as ISO 8601 text, shown like ``local_datetime``."""
    if not text:
        return "—"
    try:
        return local_datetime(datetime.fromisoformat(text), tz_name)
    except ValueError:
        return text


def _finalize(value):
    """Escape lazy translations like any other text.

    Flask-Babel's LazyString declares ``__html__``, so Jinja would print it unescaped, and
    validation messages interpolate what the user typed (``“%(zone)s” is not a time zone``).
    Turning it into a plain string first lets autoescaping do its job.
    """
    return str(value) if isinstance(value, LazyString) else value


def install(app: Flask) -> None:
    app.jinja_env.finalize = _finalize
    app.add_template_filter(money, "money")
    app.add_template_filter(attribution_text, "attribution_text")
    app.add_template_filter(local_datetime, "local_datetime")
    app.add_template_filter(local_iso, "local_iso")
    app.add_template_filter(time_until, "time_until")
    app.add_template_global(receipt_line, "receipt_line")
    app.add_template_global(receipt_url, "receipt_url")
    app.add_template_global(rights_url, "rights_url")
    app.add_template_global(external_url, "external_url")

    @app.context_processor
    def current_language():
        return {"current_language": str(get_locale() or "en")}
