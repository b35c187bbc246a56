"""How the contest form is laid out: numbered sections, and only the fields the contest's rules
template and mechanic use, labelled as the template labels them.

A French free draw has no use for a US alternate method of entry or a Canadian skill-testing
question, and showing them made the form a 40-field page. The rules template of the contest's
jurisdiction and mechanic (``rules_templates/*/fields.yaml``) says which jurisdiction-specific
fields it prints; the publish checklist names missing fields with the template's labels, so the
form uses the same ones, and each checklist item links to its field.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from ..draw.sources import FREE
from ..rules.templates import RulesTemplate

#: (anchor, legend, fields), in the order an organizer fills them.
SECTIONS = (
    (
        "contest",
        _l("The contest"),
        ("title", "slug", "description", "language", "jurisdiction", "mechanic"),
    ),
    ("dates", _l("Dates"), ("timezone", "starts_at", "ends_at", "draw_at")),
    (
        "eligibility",
        _l("Eligibility and entry"),
        ("min_age", "territory", "exclusions", "entry_policy", "alternates_per_prize"),
    ),
    (
        "entry-form",
        _l("Entry form"),
        ("phone_field", "postal_code_field", "ask_birth_date", "double_opt_in"),
    ),
    (
        "selection",
        _l("Selecting the winners"),
        (
            "draw_algorithm",
            "entropy_format",
            "entropy_sources",
            "tie_breaker_question",
            "jury_description",
            "jury_criteria",
            "work_kind",
            "work_prompt",
            "claim_days",
            "promoted_on_meta",
        ),
    ),
    (
        "organizer",
        _l("Organizer's legal identity (printed in the rules)"),
        (
            "legal_name",
            "legal_form",
            "registration_number",
            "share_capital",
            "legal_address",
            "contact_email",
            "agency",
            "bailiff",
            "consumer_mediator",
        ),
    ),
    (
        "personal-data",
        _l("Personal data"),
        (
            "dpo_contact",
            "data_retention_months",
            "winners_retention_months",
            "data_recipients",
            "data_transfers",
        ),
    ),
    (
        "local-law",
        _l("Law of the jurisdiction"),
        ("governing_law", "free_entry_route", "ny_fl_registered", "skill_testing_question"),
    ),
)
#: Printed only by the templates that name them (France's share capital and bailiff, the US
#: alternate method of entry, Canada's skill-testing question, a jury's criteria...).
BY_TEMPLATE = frozenset(
    {
        "share_capital",
        "bailiff",
        "consumer_mediator",
        "governing_law",
        "free_entry_route",
        "ny_fl_registered",
        "skill_testing_question",
        "tie_breaker_question",
        "jury_description",
        "jury_criteria",
        "work_kind",
        "work_prompt",
    }
)
#: What a jury contest does not use: it has no random draw.
DRAW_ONLY = frozenset({"draw_algorithm", "entropy_format", "entropy_sources"})


@dataclass(frozen=True)
class Section:
    anchor: str
    legend: str
    fields: tuple[str, ...]


def layout(template: RulesTemplate | None, mechanic: str, entropy_format: str) -> list[Section]:
    """The sections to show and their fields, for a contest of this template and mechanic.

    Without a template (a jurisdiction and mechanic no template covers) every field shows, so
    nothing is hidden from a contest that cannot be published yet anyway.
    """
    named = {field.name for field in template.fields} if template else None
    shown = []
    for anchor, legend, names in SECTIONS:
        kept = tuple(name for name in names if _shows(name, named, mechanic, entropy_format))
        if kept:
            shown.append(Section(anchor, legend, kept))
    return shown


def _shows(name: str, named: set[str] | None, mechanic: str, entropy_format: str) -> bool:
    if named is None:
        return True
    if name in BY_TEMPLATE and name not in named:
        return False
    if name in DRAW_ONLY and mechanic == "skill":
        return False
    return not (name == "entropy_sources" and entropy_format != FREE)


def labels(template: RulesTemplate | None, language: str) -> dict[str, str]:
    """The template's label of each field it names, in the organizer's language: the checklist
    says the same words."""
    return {field.name: field.label_in(language) for field in template.fields} if template else {}


def shown_fields(sections: list[Section]) -> list[str]:
    return [name for section in sections for name in section.fields]
