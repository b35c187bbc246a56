"""A contest as a JSON file, so an agency can reuse a setup for the next client.

The format is documented in docs/contest-json.md. Import runs every field through the same
validators as the admin form and reports all problems at once, each with its JSON path.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from ..errors import ValidationFailed
from ..models import Contest, Organization, User
from ..money import format_amount_plain
from ..timezones import utc_to_local
from .editing import (
    EDITABLE_FIELDS,
    LOCAL_TIME_FIELDS,
    add_prize,
    add_question,
    create_contest,
    slug_taken,
)
from .embedding import (
    PICTURE_BOX,
    PICTURE_MAX_BYTES,
    allowed_origins,
    check_color,
    check_sender,
    normalize_logo,
    normalize_picture,
    parse_origins,
    set_prize_picture,
    update_embed_settings,
)
from .fields import DATETIME_FORMAT, ContestFields, PrizeFields
from .question_fields import QuestionFields

FORMAT = "contests/contest"
VERSION = 1
MAX_PRIZES = 100
MAX_QUESTIONS = 50
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
            "picture_png": base64.b64encode(p.picture_png).decode() if p.picture_sha256 else None,
        }
        for p in contest.prizes
    ]
    questions = [
        {
            "label": q.label,
            "kind": q.kind,
            "choices": [c for c in q.choices.splitlines() if c],
            "required": q.required,
        }
        for q in contest.questions
    ]
    look = {
        "embed_origins": allowed_origins(contest),
        "brand_color": contest.brand_color,
        "logo_png": base64.b64encode(contest.logo_png).decode() if contest.logo_sha256 else None,
        "mail_sender_name": contest.mail_sender_name,
        "mail_reply_to": contest.mail_reply_to,
    }
    return {
        "format": FORMAT,
        "version": VERSION,
        "contest": body,
        "prizes": prizes,
        "questions": questions,
        "look": look,
    }


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
    problems += _unknown_keys(
        document, ("format", "version", "contest", "prizes", "questions", "look"), "$"
    )
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
                PRIZE_KEYS,
                path,
            )
            picture = None
            try:
                picture = _picture(prize.get("picture_png"))
            except ValidationFailed as error:
                problems += [f"{path}.picture_png: {m}" for m in error.errors["picture"]]
            fields = {k: v for k, v in prize.items() if k != "picture_png"}
            form = PrizeFields(formdata=_as_formdata(fields), meta={"csrf": False})
            if form.validate():
                prize_values.append({**form.values(), "picture": picture})
            for name, errors in form.errors.items():
                problems += [f"{path}.{name}: {e}" for e in errors]
    question_values = _questions(document.get("questions", []), problems)
    look = _look(document.get("look") or {}, problems)
    if problems:
        raise ValidationFailed({"file": problems})
    return contest_values, prize_values, question_values, look


def _questions(questions_obj: Any, problems: list[str]) -> list[dict]:
    """The custom questions, through the admin form's own checks."""
    values: list[dict] = []
    if not isinstance(questions_obj, list) or len(questions_obj) > MAX_QUESTIONS:
        problems.append(
            "questions: " + str(_l("must be a list of at most %(n)d questions", n=MAX_QUESTIONS))
        )
        return values
    for index, question in enumerate(questions_obj):
        path = f"questions[{index}]"
        if not isinstance(question, dict):
            problems.append(f"{path}: " + str(_l("must be an object")))
            continue
        problems += _unknown_keys(question, ("label", "kind", "choices", "required"), path)
        choices = question.get("choices") or []
        if not isinstance(choices, list):
            problems.append(f"{path}.choices: " + str(_l("must be a list of options")))
            continue
        data = MultiDict(
            [
                ("label", str(question.get("label") or "")),
                ("kind", str(question.get("kind") or "text")),
                ("choices", "\n".join(str(choice) for choice in choices)),
                *([("required", "y")] if question.get("required", True) is True else []),
            ]
        )
        form = QuestionFields(formdata=data, meta={"csrf": False})
        if form.validate():
            values.append({k: form[k].data for k in ("label", "kind", "choices", "required")})
        for name, errors in form.errors.items():
            problems += [f"{path}.{name}: {e}" for e in errors]
    return values


def _look(look_obj: Any, problems: list[str]) -> dict:
    """Who may embed the form and how it looks, through the embed page's own checks."""
    if not isinstance(look_obj, dict):
        problems.append("look: " + str(_l("must be an object")))
        return {}
    known = ("embed_origins", "brand_color", "logo_png", "mail_sender_name", "mail_reply_to")
    problems += _unknown_keys(look_obj, known, "look")
    sender = (str(look_obj.get("mail_sender_name") or ""), str(look_obj.get("mail_reply_to") or ""))
    origins = look_obj.get("embed_origins") or []
    if not isinstance(origins, list):
        problems.append("look.embed_origins: " + str(_l("must be a list of addresses")))
        origins = []
    text = "\n".join(str(origin) for origin in origins)
    logo = None
    checks = (
        ("embed_origins", lambda: parse_origins(text)),
        ("brand_color", lambda: check_color(str(look_obj.get("brand_color") or ""))),
        ("logo_png", lambda: _logo(look_obj.get("logo_png"))),
        ("sender", lambda: check_sender(*sender)),
    )
    for name, check in checks:  # each checked, so that every problem is listed at once
        try:
            found = check()
        except ValidationFailed as error:
            for key, messages in error.errors.items():  # the sender's two fields say which
                problems += [f"look.{key if name == 'sender' else name}: {m}" for m in messages]
        else:
            logo = found if name == "logo_png" else logo
    color = str(look_obj.get("brand_color") or "")
    return {"origins": text, "color": color, "logo": logo, "sender": sender}


PRIZE_KEYS = (
    "title",
    "description",
    "quantity",
    "unit_value",
    "currency",
    "delivery",
    "picture_png",
)


def _picture(encoded) -> bytes | None:
    """A prize's picture from its base64 PNG, re-encoded as an upload would be."""
    return _decoded(
        encoded,
        "picture",
        lambda data: normalize_picture(data, PICTURE_BOX, "picture", PICTURE_MAX_BYTES),
    )


def _logo(encoded) -> bytes | None:
    """The logo from its base64 PNG, re-encoded as an upload would be."""
    return _decoded(encoded, "logo", normalize_logo)


def _decoded(encoded, field: str, normalize) -> bytes | None:
    if not encoded:
        return None
    try:
        data = base64.b64decode(str(encoded), validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed({field: [_l("must be a PNG image in base64")]}) from None
    return normalize(data)


def import_contest(
    organization: Organization, document: Any, actor: User | None, slug: str | None = None
) -> Contest:
    """Create a draft contest from an exported document (all or nothing)."""
    contest_values, prize_values, question_values, look = parse_contest_document(document)
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
        picture = values.pop("picture", None)
        set_prize_picture(add_prize(contest, values, actor), picture, False, actor)
    for values in question_values:
        add_question(contest, values, actor)
    if look and (look["origins"] or look["color"] or look["logo"] or any(look["sender"])):
        # What the file leaves empty keeps the client's brand kit (``brand_kit.inherit``).
        update_embed_settings(
            contest,
            look["origins"] or contest.embed_origins,
            look["color"] or contest.brand_color,
            look["logo"],
            False,
            actor,
            (
                look["sender"][0] or contest.mail_sender_name,
                look["sender"][1] or contest.mail_reply_to,
            ),
        )
    return contest


def duplicate_contest(contest: Contest, actor: User | None) -> Contest:
    """A new draft of the same organization with everything the contest holds (terms, prizes,
    questions, look), titled as a copy, under a free address and without dates: the organizer
    sets the new ones."""
    document = export_contest(contest)
    body = document["contest"]
    with force_locale(contest.language):  # the title speaks the contest's language
        body["title"] = str(_l("%(title)s (copy)", title=contest.title))[:200]
    body["slug"] = None
    for name in LOCAL_TIME_FIELDS:
        body[name] = None
    return import_contest(contest.organization, document, actor)
