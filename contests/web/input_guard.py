"""Addresses carrying what no page of this app can answer are refused before any view runs.

A NUL byte in a path or a query string is never something a person typed; PostgreSQL refuses it
in any string ("cannot contain NUL characters"), so it used to surface as a server error deep in
a query. Form fields are the forms' business: the base form refuses control characters with a
message on the field, keeping the other answers (``web/forms.py``). Integers in URLs are bounded
by the converter ``int`` itself (see ``install``).
"""

from __future__ import annotations

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter

#: The largest id any table holds: PostgreSQL's INTEGER, the narrowest of the two backends.
MAX_ID = 2**31 - 1


class BoundedIntegerConverter(IntegerConverter):
    """``<int:...>`` that matches 0..2**31-1 only: a larger number is no row, so a 404."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - Werkzeug's own parameter name
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def form_id(value: str | None) -> int | None:
    """A positive whole number from a form field or the query string (an id, a page number), or
    None when it is not one or is beyond any row's id."""
    value = (value or "").strip()
    if not (value.isascii() and value.isdigit()) or len(value) > 10 or int(value) > MAX_ID:
        return None
    return int(value)


def _carries_nul() -> bool:
    # The query string as sent: a NUL in a parameter's name or value is "%00" there (or the byte
    # itself), found without parsing the parameters, which most requests never read.
    query = request.environ.get("QUERY_STRING", "")
    return "\x00" in request.path or "%00" in query or "\x00" in query


def install(app: Flask) -> None:
    """Bound ``<int:>`` (before the blueprints are registered) and refuse NUL bytes."""
    app.url_map.converters["int"] = BoundedIntegerConverter

    @app.before_request
    def refuse_nul_bytes():
        if _carries_nul():
            abort(400)
