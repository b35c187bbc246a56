"""The public transparency log of draw records (``winners.transparency``): a page for people,
JSON for tools (signed heads, entries, inclusion and consistency proofs)."""

from __future__ import annotations

import json

from flask import abort, current_app, render_template, request

from ..web.input_guard import form_id
from ..winners import transparency
from . import bp

#: Entries per page and per JSON answer.
PAGE = 100


def _json(value, status: int = 200):
    return current_app.response_class(
        json.dumps(value, indent=2, sort_keys=True) + "\n",
        status=status,
        mimetype="application/json",
        headers={"Access-Control-Allow-Origin": "*"},
    )


def _size_arg(name: str, default: int, total: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    value = form_id(raw)
    if value is None or value > total:
        abort(400, f"{name} must be a whole number from 0 to {total}")
    return value


@bp.route("/transparency")
def transparency_page():
    total = transparency.size()
    start = max(0, total - PAGE)
    return render_template(
        "public/transparency.html",
        head=transparency.signed_head(current_app.config["SIGNING_KEY"], total),
        entries=[
            json.loads(row.entry) | {"at": row.created_at}
            for row in reversed(transparency.entries(start, total))
        ],
        total=total,
    )


@bp.route("/transparency/head.json")
def transparency_head():
    total = transparency.size()
    count = _size_arg("size", total, total)
    return _json(transparency.signed_head(current_app.config["SIGNING_KEY"], count))


@bp.route("/transparency/entries.json")
def transparency_entries():
    total = transparency.size()
    start = _size_arg("start", 0, total)
    stop = min(total, start + PAGE)
    return _json([json.loads(row.entry) for row in transparency.entries(start, stop)])


@bp.route("/transparency/proof.json")
def transparency_proof():
    total = transparency.size()
    count = _size_arg("size", total, total)
    position = _size_arg("position", 0, total)
    if position >= count:
        abort(400, "position must be below size")
    return _json(transparency.inclusion(position, count))


@bp.route("/transparency/consistency.json")
def transparency_consistency():
    total = transparency.size()
    first = _size_arg("first", 0, total)
    second = _size_arg("second", total, total)
    if not 0 < first <= second:
        abort(400, "0 < first <= second <= size")
    return _json(transparency.consistency(first, second))
