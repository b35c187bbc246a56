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


@dataclass(frozen=True)
class ProviderRule:
    """How one provider's addresses reach a mailbox (docs/deduplication.md lists the sources)."""

    #: The domain every address of the family is counted under.
    canonical: str
    #: Gmail ignores dots in the local part.
    drop_dots: bool = False
    #: Sub-addressing: what follows this separator is a tag the provider ignores.
    tag: str = "+"
    #: Yandex treats "." and "-" in a login as the same character.
    dots_are_hyphens: bool = False
    #: Yahoo's disposable addresses ("base-keyword@"): the base is not a mailbox of its own (a
    #: stranger may own "base@"), so they fold to "base-@": merged with each other, never with
    #: the plain address.
    disposable_base: bool = False


_GOOGLE = ProviderRule("gmail.com", drop_dots=True)
_APPLE = ProviderRule("icloud.com")
_PROTON = ProviderRule("proton.me")
_YANDEX = ProviderRule("yandex.ru", dots_are_hyphens=True)
_YANDEX_DOMAINS = ("yandex.ru", "yandex.com", "yandex.by", "yandex.kz", "yandex.ua", "ya.ru")
PROVIDER_RULES: dict[str, ProviderRule] = {
    "gmail.com": _GOOGLE,
    "googlemail.com": _GOOGLE,
    # Apple: the three domains reach the same mailbox; sub-addressing with "+".
    "icloud.com": _APPLE,
    "me.com": _APPLE,
    "mac.com": _APPLE,
    # Proton: the four domains reach the same mailbox; sub-addressing with "+".
    "proton.me": _PROTON,
    "protonmail.com": _PROTON,
    "protonmail.ch": _PROTON,
    "pm.me": _PROTON,
    # Yandex: one mailbox behind every national domain; "+tag"; "." equals "-" in logins.
    **dict.fromkeys(
        ("yandex.ru", "yandex.com", "yandex.by", "yandex.kz", "yandex.ua", "ya.ru"), _YANDEX
    ),
    "fastmail.com": ProviderRule("fastmail.com"),
    "fastmail.fm": ProviderRule("fastmail.fm"),
    "zoho.com": ProviderRule("zoho.com"),
    "gmx.com": ProviderRule("gmx.com"),
    "gmx.fr": ProviderRule("gmx.fr"),
    "gmx.de": ProviderRule("gmx.de"),
    # La Poste: sub-addressing with "+" is accepted.
    "laposte.net": ProviderRule("laposte.net"),
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
    PROVIDER_RULES[_domain] = ProviderRule(_domain)
#: Yahoo family: disposable addresses are "base-keyword@" (a Yahoo ID has no "-").
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
    PROVIDER_RULES[_domain] = ProviderRule(_domain, tag="-", disposable_base=True)


def mailbox_local_part(local: str, rule: ProviderRule) -> str:
    """The local part of the mailbox an address of this provider reaches."""
    base, separator, _tag = local.partition(rule.tag)
    if not base:  # "+x@" or "-x@": no base to fold to
        base, separator = local, ""
    if rule.drop_dots:
        base = base.replace(".", "")
    if rule.dots_are_hyphens:
        base = base.replace(".", "-")
    if rule.disposable_base and separator:
        base += "-"  # a disposable address: merged with its siblings, not with "base@"
    return base


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
    # lower(), not casefold(): casefold turns "ß" into "ss", and straße@ and strasse@ are two
    # mailboxes; providers ignore the case of letters, not the spelling.
    local = unicodedata.normalize("NFKC", result.local_part).lower()
    if is_disposable_domain(domain):
        raise DisposableEmail(domain)
    rule = PROVIDER_RULES.get(domain)
    if rule is not None:
        local = mailbox_local_part(local, rule)
        domain = rule.canonical
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


def example_phone(region: str) -> tuple[str, str]:
    """A mobile number of ``region``, national and international ("06 12 34 56 78",
    "+33 6 12 34 56 78"), for messages that show what to type."""
    number = phonenumbers.example_number_for_type(
        region, phonenumbers.PhoneNumberType.MOBILE
    ) or phonenumbers.example_number(region)
    if number is None:
        number = phonenumbers.example_number_for_type("FR", phonenumbers.PhoneNumberType.MOBILE)
    return (
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL),
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL),
    )


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
