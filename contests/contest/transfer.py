"""A contest as a JSON file, so an agency can reuse a setup for the next client.

The format is documented in docs/contest-json.md. Import runs every field through the same
validators as the admin form and reports all problems at once, each with its JSON path.
"""

from __future__ import annotations

import json
from typing import Any

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from ..errors import ValidationFailed
from ..models import Contest, Organization, User
from ..money import format_amount_plain
from ..timezones import utc_to_local
from .editing import EDITABLE_FIELDS, LOCAL_TIME_FIELDS, add_prize, create_contest, slug_taken
from .fields import DATETIME_FORMAT, ContestFields, PrizeFields

FORMAT = "contests/contest"
VERSION = 1
MAX_PRIZES = 100
#: A contest file is a few kilobytes; anything near this is not one.
MAX_FILE_BYTES = 2_000_000


def export_contest(contest: Contest) -> dict[str, Any]:
    """Describe a contest's terms and prizes, dates as wall-clock times in its own zone."""
    body: dict[str, Any] = {name: getattr(contest, name) for name in EDITABLE_FIELDS}
    body["territory"] = contest.territory_codes
    for name in LOCAL_TIME_FIELDS:
        instant = getattr(contest, name)
        body[name] = (
            utc_to_local(instant, contest.timezone).strftime(DATETIME_FORMAT) if instant else None
        )
    prizes = [
        {
            "title": p.title,
            "description": p.description,
            "quantity": p.quantity,
            "unit_value": format_amount_plain(p.unit_value_minor),
            "currency": p.currency,
            "delivery": p.delivery,
        }
        for p in contest.prizes
    ]
    return {"format": FORMAT, "version": VERSION, "contest": body, "prizes": prizes}


def read_contest_file(raw: bytes) -> Any:
    """Decode an uploaded contest file (read up to MAX_FILE_BYTES + 1 bytes), or say what is
    wrong."""
    if len(raw) > MAX_FILE_BYTES:
        raise ValidationFailed({"file": [_l("The file is larger than 2 MB.")]})
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except RecursionError:
        raise ValidationFailed(
            {"file": [_l("This file nests too deeply to be a contest.")]}
        ) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValidationFailed(
            {"file": [_l("This is not a valid JSON file (%(error)s).", error=str(error))]}
        ) from None


def _as_formdata(obj: dict) -> MultiDict:
    """Turn JSON values into the strings a browser would post, so the same validators apply."""
    items = []
    for key, value in obj.items():
        if value is None:
            continue
        if key == "territory" and isinstance(value, list):
            value = ",".join(str(v) for v in value)
        if isinstance(value, (bool, dict, list)):
            value = json.dumps(value)  # will fail validation with a clear message
        items.append((key, str(value)))
    return MultiDict(items)


def _unknown_keys(obj: dict, allowed, path: str) -> list[str]:
    return [f"{path}.{key}: " + str(_l("unknown field")) for key in obj if key not in allowed]


def parse_contest_document(document: Any) -> tuple[dict, list[dict]]:
    """Validate a decoded document; return contest and prize values or raise with every problem."""
    problems: list[str] = []
    if not isinstance(document, dict):
        raise ValidationFailed({"file": [_l("The file must hold a JSON object.")]})
    if document.get("format") != FORMAT or document.get("version") != VERSION:
        problems.append(
            str(
                _l(
                    'format: expected "%(format)s" version %(version)d',
                    format=FORMAT,
                    version=VERSION,
                )
            )
        )
    problems += _unknown_keys(document, ("format", "version", "contest", "prizes"), "$")
    contest_obj = document.get("contest")
    prizes_obj = document.get("prizes", [])
    contest_values: dict = {}
    prize_values: list[dict] = []
    if not isinstance(contest_obj, dict):
        problems.append("contest: " + str(_l("must be an object with the contest's fields")))
    else:
        problems += _unknown_keys(contest_obj, (*EDITABLE_FIELDS, *LOCAL_TIME_FIELDS), "contest")
        form = ContestFields(formdata=_as_formdata(contest_obj), meta={"csrf": False})
        if form.validate():
            contest_values = form.values()
        for name, errors in form.errors.items():
            problems += [f"contest.{name}: {e}" for e in errors]
    if not isinstance(prizes_obj, list) or len(prizes_obj) > MAX_PRIZES:
        problems.append(
            "prizes: " + str(_l("must be a list of at most %(n)d prizes", n=MAX_PRIZES))
        )
    else:
        for index, prize in enumerate(prizes_obj):
            path = f"prizes[{index}]"
            if not isinstance(prize, dict):
                problems.append(f"{path}: " + str(_l("must be an object")))
                continue
            problems += _unknown_keys(
                prize,
                ("title", "description", "quantity", "unit_value", "currency", "delivery"),
                path,
            )
            form = PrizeFields(formdata=_as_formdata(prize), meta={"csrf": False})
            if form.validate():
                prize_values.append(form.values())
            for name, errors in form.errors.items():
                problems += [f"{path}.{name}: {e}" for e in errors]
    if problems:
        raise ValidationFailed({"file": problems})
    return contest_values, prize_values


def import_contest(
    organization: Organization, document: Any, actor: User | None, slug: str | None = None
) -> Contest:
    """Create a draft contest from an exported document (all or nothing)."""
    contest_values, prize_values = parse_contest_document(document)
    if slug:
        contest_values["slug"] = slug
    if contest_values.get("slug") and slug_taken(contest_values["slug"]):
        raise ValidationFailed(
            {
                "file": [
                    "contest.slug: "
                    + str(
                        _l(
                            "The address “%(slug)s” is already used by another contest.",
                            slug=contest_values["slug"],
                        )
                    )
                ]
            }
        )
    contest = create_contest(organization, contest_values, actor)
    for values in prize_values:
        add_prize(contest, values, actor)
    return contest
