"""Legal rules from rules_templates/: which template a contest uses, what it needs, the text.

The templates and their manifests are plain files a lawyer edits; this module only finds them,
checks a contest against the manifest, and renders the text with autoescaping. Nothing here
knows about Flask requests, so the CLI, the admin and the tests render the same rules.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from babel import Locale
from babel.dates import format_date, format_time
from babel.numbers import format_currency
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from ..jury.criteria import criteria_or_empty
from ..models import Contest, Draw
from .typography import first_of_month, local_time, typeset

FIELD_TYPES = ("text", "textarea", "email", "integer", "datetime", "boolean")
PAPER_SIZES = ("A4", "Letter")


class ManifestError(ValueError):
    """A fields.yaml that the code cannot trust: refuse to start rather than publish wrong rules."""


@dataclass(frozen=True)
class RulesField:
    name: str
    type: str
    required: bool
    label: dict[str, str]

    def label_in(self, language: str) -> str:
        return self.label.get(language) or self.label["en"]


@dataclass(frozen=True)
class RulesTemplate:
    #: Folder under rules_templates/, e.g. ``fr/tirage-au-sort``.
    key: str
    name: dict[str, str]
    jurisdiction: str
    mechanic: str
    #: Language the rules are written in (not the reader's interface language).
    language: str
    paper: str
    fields: tuple[RulesField, ...]

    def name_in(self, language: str) -> str:
        return self.name.get(language) or self.name["en"]


def _read_yaml(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ManifestError(f"{path}: {error}") from None
    if not isinstance(data, dict):
        raise ManifestError(f"{path}: expected a mapping")
    return data


def _fields(raw: list, source: Path) -> list[RulesField]:
    fields = []
    for item in raw or []:
        name, kind, label = item.get("name"), item.get("type"), item.get("label") or {}
        if not hasattr(Contest, str(name)):
            raise ManifestError(f"{source}: {name!r} is not a contest field")
        if kind not in FIELD_TYPES:
            raise ManifestError(
                f"{source}: field {name}: type must be one of {', '.join(FIELD_TYPES)}"
            )
        if not label.get("fr") or not label.get("en"):
            raise ManifestError(
                f"{source}: field {name}: a label in French and in English is needed"
            )
        fields.append(
            RulesField(name=name, type=kind, required=bool(item.get("required")), label=dict(label))
        )
    return fields


def _load(root: Path, manifest: Path) -> RulesTemplate:
    data = _read_yaml(manifest)
    fields: dict[str, RulesField] = {}
    for included in data.get("include") or []:
        for field in _fields(_read_yaml(root / included).get("fields"), root / included):
            fields[field.name] = field
    for field in _fields(data.get("fields"), manifest):
        fields[field.name] = field  # a template may make a shared field required, or not
    key = manifest.parent.relative_to(root).as_posix()
    if data.get("paper") not in PAPER_SIZES:
        raise ManifestError(f"{manifest}: paper must be one of {', '.join(PAPER_SIZES)}")
    if not (manifest.parent / "template.html").is_file():
        raise ManifestError(f"{manifest.parent}: template.html is missing")
    name = data.get("name") or {}
    if not name.get("fr") or not name.get("en"):
        raise ManifestError(f"{manifest}: a name in French and in English is needed")
    return RulesTemplate(
        key=key,
        name=dict(name),
        jurisdiction=str(data.get("jurisdiction")),
        mechanic=str(data.get("mechanic")),
        language=str(data.get("language")),
        paper=data["paper"],
        fields=tuple(fields.values()),
    )


@lru_cache(maxsize=8)
def load_templates(root: Path) -> dict[str, RulesTemplate]:
    """Every template under ``root`` (folders whose name starts with ``_`` hold shared parts)."""
    templates = {}
    for manifest in sorted(root.glob("*/*/fields.yaml")):
        if manifest.parent.parent.name.startswith("_"):
            continue
        template = _load(root, manifest)
        templates[template.key] = template
    return templates


def template_for(contest: Contest, root: Path) -> RulesTemplate | None:
    """The template for the contest's jurisdiction and mechanic, in its language when there is
    one."""
    matching = [
        t
        for t in load_templates(root).values()
        if t.jurisdiction == contest.jurisdiction and t.mechanic == contest.mechanic
    ]
    in_language = [t for t in matching if t.language == contest.language]
    return (in_language or matching or [None])[0]


def missing_fields(contest: Contest, template: RulesTemplate) -> list[RulesField]:
    """The required fields the contest leaves empty, in manifest order."""
    return [
        f
        for f in template.fields
        if f.required
        and (
            not contest.entropy_source_list
            if f.name == "entropy_sources"  # a drand round needs no source typed in
            else getattr(contest, f.name) in (None, "")
        )
    ]


# --- rendering -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RulesLinks:
    """Public addresses the rules print (the reader must be able to follow them)."""

    contest_url: str
    rules_url: str
    draw_url: str


def written_datetime(instant: datetime | None, zone: str, language: str) -> str:
    """A date and time written out in ``language`` (a Babel locale) in ``zone``."""
    if instant is None:
        return ""
    local = instant.astimezone(ZoneInfo(zone))
    joiner = " à " if language.startswith("fr") else " at "
    day, hour = (
        first_of_month(format_date(local, "long", locale=language), local.day, language[:2]),
        format_time(local, "short", locale=language),
    )
    return f"{day}{joiner}{hour}"


def _money(minor: int, currency: str, language: str) -> str:
    return format_currency(
        Decimal(minor) / 100, currency, locale="en_US" if language == "en" else language
    )


def _territory(codes: list[str], language: str) -> list[str]:
    names = Locale.parse(language).territories
    return [names.get(code, code) for code in codes]


def _required_data(contest: Contest, language: str) -> list[str]:
    """What an entrant must give, in words, as the form asks it (the rules must say which data is
    required)."""
    french = language == "fr"
    words = (
        ["le nom", "le prénom", "l'adresse électronique"] if french else ["name", "email address"]
    )
    if contest.phone_field == "required":
        words.append("le numéro de téléphone" if french else "phone number")
    if contest.postal_code_field == "required":
        words.append("le code postal" if french else "postcode")
    if contest.ask_birth_date:
        words.append("la date de naissance" if french else "date of birth")
    return words


def rules_context(
    contest: Contest,
    draw: Draw | None,
    links: RulesLinks,
    language: str,
    *,
    form_1099: str,
    notify_days: int,
    ny_fl_threshold: int,
) -> dict:
    """Everything a template prints, formatted in the rules' language; rules_templates/README.md
    lists it. ``form_1099``: the US threshold in force on the draw date (``thresholds``);
    ``notify_days``: the days within which the worker mails every winner; ``ny_fl_threshold``: the
    total prize value in dollars above which New York and Florida want registration
    (``registration``)."""
    totals = contest.total_values()
    prizes = [
        {
            "title": p.title,
            "description": p.description,
            "quantity": p.quantity,
            "unit": _money(p.unit_value_minor, p.currency, language),
            "total": _money(p.total_value, p.currency, language),
        }
        for p in contest.prizes
    ]
    british = contest.jurisdiction == "GB"
    # British dates ("1 January 2027 at 23:59") and money in the UK; American elsewhere.
    locale = "en_GB" if british and language == "en" else language
    quebec = contest.jurisdiction == "CA" and language == "fr"
    return {
        "c": contest,
        "starts": written_datetime(contest.starts_at, contest.timezone, locale),
        "ends": written_datetime(contest.ends_at, contest.timezone, locale),
        "draw_at": written_datetime(contest.draw_at, contest.timezone, locale),
        # One word for the organizer throughout: US and Canadian rules define a Sponsor, the UK's
        # a Promoter.
        "role": "Sponsor" if contest.jurisdiction in ("US", "CA") else "Promoter",
        "residents": "resident in" if british else "legal residents of",
        # Quebec French, not France's: « le concours », « prix », « courriel » (_common/fr.html).
        "qc": quebec,
        "jeu": "concours" if quebec else "Jeu",
        "mail": "courriel" if quebec else "courrier électronique",
        "form_1099": form_1099,
        "notify_days": notify_days,
        "required_data": _required_data(contest, language),
        # Skill contests: the jury's criteria as published (name, maximum points), the work asked.
        "criteria": criteria_or_empty(contest.jury_criteria),
        "zone": contest.timezone,
        "local_time": local_time(contest.timezone, language),
        # The agency's name without its address, for the sentences that only name it.
        "agency_name": (contest.agency or "").split("\n")[0].split(",")[0].strip(),
        "min_age": contest.min_age or 0,
        "territory": _territory(contest.territory_codes, language),
        "daily": contest.entry_policy == "daily",
        "prizes": prizes,
        "prize_count": sum(p.quantity for p in contest.prizes),
        "total": " + ".join(_money(v, cur, language) for cur, v in sorted(totals.items()))
        or _money(0, "EUR", language),
        "us_registration_needed": totals.get("USD", 0) > ny_fl_threshold * 100,
        "ny_fl_threshold": f"${ny_fl_threshold:,}",
        "algorithm": draw.algorithm if draw else contest.draw_algorithm,
        "spec_hash": draw.spec_hash if draw else "",
        "entropy_sources": contest.entropy_source_list,
        "contest_url": links.contest_url,
        "rules_url": links.rules_url,
        "draw_url": links.draw_url,
    }


@lru_cache(maxsize=8)
def _environment(root: Path) -> Environment:
    return Environment(
        loader=FileSystemLoader(str(root)),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_rules(template: RulesTemplate, context: dict, root: Path) -> str:
    """The rules body as an HTML fragment, typeset for its language (``typography``); organizer
    text is escaped by the environment."""
    html = _environment(root).get_template(f"{template.key}/template.html").render(context)
    return typeset(html.strip(), template.language) + "\n"


def content_hash(html: str) -> str:
    return hashlib.sha256(html.encode("utf-8")).hexdigest()
