"""A client's brand kit: its legal identity, data-protection details, look and mail sender, typed
once and inherited by every new contest of the client.

A new contest copies the kit when it is created and may then change any value: the copy is the
contest's own, because its published rules print those values and must not move when the client
later edits its kit (a new address, a new DPO). The contest form starts from the kit's values; the
look and the sender, which the form does not carry, are copied as they are.
"""

from __future__ import annotations

import hashlib

from flask_babel import lazy_gettext as _l

from .. import audit
from ..errors import ValidationFailed
from ..models import Contest, Organization, User
from .embedding import check_color, normalize_logo, parse_origins

#: What the contest form shows pre-filled from the kit (the names are the contest's fields too).
CONTEST_DEFAULTS = (
    "language",
    "jurisdiction",
    "timezone",
    "legal_name",
    "legal_form",
    "registration_number",
    "share_capital",
    "legal_address",
    "contact_email",
    "dpo_contact",
    "agency",
    "data_recipients",
    "data_transfers",
    "data_retention_months",
    "winners_retention_months",
)
#: What a new contest copies as it is: not on the contest form (the embed page edits it).
LOOK = ("embed_origins", "brand_color", "mail_sender_name", "mail_reply_to")


def contest_defaults(organization: Organization) -> dict:
    """The new-contest form's starting values: the kit's, where it has one."""
    return {name: getattr(organization, name) for name in CONTEST_DEFAULTS}


def inherit(contest: Contest, organization: Organization) -> None:
    """Start a contest being created from the kit; the values it was created with then override
    (the form's, pre-filled from the kit; an imported file's)."""
    for name in (*CONTEST_DEFAULTS, *LOOK):
        setattr(contest, name, getattr(organization, name))
    if organization.logo_sha256:
        contest.logo_png, contest.logo_sha256 = organization.logo_png, organization.logo_sha256


def update_brand_kit(
    organization: Organization,
    values: dict,
    logo: bytes | None,
    remove_logo: bool,
    actor: User | None,
) -> Organization:
    """Save the kit from values its form checked field by field (the contest form's own
    validators), all or nothing; the look goes through the embed page's checks.

    Contests already created keep their copy; the audit event names what changed so that an
    organizer can tell which contests still carry the old values.
    """
    values = {
        name: values.get(name) for name in (*CONTEST_DEFAULTS, *LOOK, "name", "report_recipients")
    }
    values["name"] = " ".join((values["name"] or "").split())
    errors: dict[str, list] = {}
    if not values["name"]:
        errors["name"] = [_l("Give the organization a name of at most 200 characters.")]
    logo_png = None
    for field, check in (
        ("embed_origins", lambda: "\n".join(parse_origins(values["embed_origins"] or ""))),
        ("brand_color", lambda: check_color(values["brand_color"] or "")),
        ("logo", lambda: normalize_logo(logo) if logo else None),
        ("report_recipients", lambda: _addresses(values["report_recipients"] or "")),
    ):
        try:
            result = check()
        except ValidationFailed as error:
            errors.update(error.errors)
            continue
        if field == "logo":
            logo_png = result
        else:
            values[field] = result
    if errors:
        raise ValidationFailed(errors)
    for field, value in values.items():
        if isinstance(value, str):
            values[field] = value.strip()
        elif value is None and field not in _OPTIONAL_NUMBERS:
            values[field] = ""
    changed = [field for field, value in values.items() if getattr(organization, field) != value]
    for field, value in values.items():
        setattr(organization, field, value)
    if logo_png:
        organization.logo_png = logo_png
        organization.logo_sha256 = hashlib.sha256(logo_png).hexdigest()
        changed.append("logo")
    elif remove_logo and organization.logo_sha256:
        organization.logo_png, organization.logo_sha256 = None, ""
        changed.append("logo")
    audit.record(
        "organization.brand_kit_updated",
        actor=actor,
        organization_id=organization.id,
        fields=changed,
    )
    return organization


_OPTIONAL_NUMBERS = ("data_retention_months", "winners_retention_months")


def _addresses(text: str) -> str:
    """One valid address per line, or raise naming the first that is not."""
    from email_validator import EmailNotValidError, validate_email

    lines = [line.strip() for line in text.replace(",", "\n").splitlines() if line.strip()]
    for line in lines:
        try:
            validate_email(line, check_deliverability=False)
        except EmailNotValidError:
            raise ValidationFailed(
                {"report_recipients": [_l("“%(address)s” is not an email address.", address=line)]}
            ) from None
    return "\n".join(dict.fromkeys(lines))
