"""Normalization of what entrants type into identity keys: one person, one key.

Pure functions (no Flask, no database) so that the entry form, the CLI and the tests agree.
Provider rules are documented in docs/deduplication.md; keep the two in step.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from disposable_email_domains import blocklist as _DISPOSABLE
from email_validator import EmailNotValidError, validate_email


class InvalidEmail(ValueError):
    pass


class DisposableEmail(ValueError):
    pass


class InvalidPhone(ValueError):
    pass


#: Mailbox providers whose alias rules are known: domain -> (canonical domain, drop dots, tag
#: separator).
_GOOGLE = ("gmail.com", True, "+")
_MICROSOFT_TAG = "+"
PROVIDER_RULES: dict[str, tuple[str, bool, str]] = {
    "gmail.com": _GOOGLE,
    "googlemail.com": _GOOGLE,
    # Apple: the three domains reach the same mailbox; sub-addressing with "+".
    "icloud.com": ("icloud.com", False, "+"),
    "me.com": ("icloud.com", False, "+"),
    "mac.com": ("icloud.com", False, "+"),
    # Proton: the four domains reach the same mailbox; sub-addressing with "+".
    "proton.me": ("proton.me", False, "+"),
    "protonmail.com": ("proton.me", False, "+"),
    "protonmail.ch": ("proton.me", False, "+"),
    "pm.me": ("proton.me", False, "+"),
    "fastmail.com": ("fastmail.com", False, "+"),
    "fastmail.fm": ("fastmail.fm", False, "+"),
    "zoho.com": ("zoho.com", False, "+"),
    "gmx.com": ("gmx.com", False, "+"),
    "gmx.fr": ("gmx.fr", False, "+"),
    "gmx.de": ("gmx.de", False, "+"),
    # La Poste: sub-addressing with "+" is accepted.
    "laposte.net": ("laposte.net", False, "+"),
}
#: Outlook.com family: each domain is its own mailbox space; "+tag" is an alias.
for _domain in (
    "outlook.com",
    "outlook.fr",
    "outlook.be",
    "outlook.de",
    "outlook.es",
    "outlook.it",
    "hotmail.com",
    "hotmail.fr",
    "hotmail.be",
    "hotmail.co.uk",
    "hotmail.de",
    "hotmail.es",
    "hotmail.it",
    "live.com",
    "live.fr",
    "live.be",
    "live.co.uk",
    "live.ca",
    "msn.com",
):
    PROVIDER_RULES[_domain] = (_domain, False, _MICROSOFT_TAG)
#: Yahoo family: disposable addresses are "base-keyword@"; the base is the mailbox.
for _domain in (
    "yahoo.com",
    "yahoo.fr",
    "yahoo.co.uk",
    "yahoo.ca",
    "yahoo.de",
    "yahoo.es",
    "yahoo.it",
    "ymail.com",
    "rocketmail.com",
):
    PROVIDER_RULES[_domain] = (_domain, False, "-")


@dataclass(frozen=True)
class NormalizedEmail:
    #: The address to write to, as validated (domain in Unicode, case of the local part kept).
    address: str
    #: The mailbox it reaches, lower-cased with aliases removed: what deduplication compares.
    key: str
    domain: str


@lru_cache(maxsize=256)
def normalize_email(raw: str) -> NormalizedEmail:
    """Validate an address and derive the key of the mailbox it delivers to.

    Cached (a pure function): the form's field check and the entry itself both ask, and
    email-validator is the most expensive step of an entry after the database.
    """
    text = unicodedata.normalize("NFKC", raw).strip()
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError as error:
        raise InvalidEmail(str(error)) from None
    domain = (result.ascii_domain or result.domain).lower()
    local = unicodedata.normalize("NFKC", result.local_part).casefold()
    if is_disposable_domain(domain):
        raise DisposableEmail(domain)
    rule = PROVIDER_RULES.get(domain)
    if rule is not None:
        canonical, drop_dots, separator = rule
        local = local.split(separator, 1)[0] or local
        if drop_dots:
            local = local.replace(".", "")
        domain = canonical
    return NormalizedEmail(address=result.normalized, key=f"{local}@{domain}", domain=domain)


def is_disposable_domain(domain: str) -> bool:
    """True for throw-away mailbox services, including their subdomains."""
    parts = domain.lower().split(".")
    return any(".".join(parts[i:]) in _DISPOSABLE for i in range(len(parts) - 1))


def normalize_phone(raw: str, default_region: str | None) -> str:
    """Parse a phone number as typed ("06 12 34 56 78", "+33 6...") into E.164."""
    try:
        number = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException:
        raise InvalidPhone(raw) from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(raw)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(e164: str, home_region: str) -> str:
    """A stored number as people of ``home_region`` write it: "06 12 34 56 78" for a French
    number on a French contest, "+44 20 7946 0958" for one from elsewhere."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    home = phonenumbers.region_code_for_number(number) == home_region
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if home
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)


def fold_text(text: str) -> str:
    """Case- and accent-insensitive form: "Zoé  L'Hôte-Durand" -> "zoelhotedurand"."""
    decomposed = unicodedata.normalize("NFKD", text).casefold()
    return "".join(ch for ch in decomposed if ch.isalnum() and not unicodedata.combining(ch))


def normalize_postal_code(raw: str) -> str:
    return re.sub(r"[\s-]", "", unicodedata.normalize("NFKC", raw)).upper()


def household_key(first_name: str, last_name: str, postal_code: str) -> str:
    """Same person at the same address, however the name was spelled (accents, case, spaces)."""
    return f"{fold_text(first_name)}|{fold_text(last_name)}|{normalize_postal_code(postal_code)}"


def identity_key(email_key: str) -> str:
    """The value the UNIQUE constraint compares: a hash, so the index holds no address."""
    return hashlib.sha256(email_key.encode()).hexdigest()
