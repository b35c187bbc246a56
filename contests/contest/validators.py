"""Checks of the contest fields that read no form: an email, a plausible date, a time zone a
computer knows, territories phone numbers exist for. Raised as WTForms ``ValidationError`` so the
admin form and the JSON import show them on the field."""

from __future__ import annotations

import phonenumbers
from babel import Locale
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

from ..timezones import is_known_timezone


def check_email(form, field):
    if field.data:
        try:
            validate_email(field.data, check_deliverability=False)
        except EmailNotValidError:
            raise ValidationError(
                _l("Enter a valid email address, such as contact@example.org.")
            ) from None


#: Contest dates outside these years are typing mistakes (and year 9999 overflows once converted).
FIRST_YEAR, LAST_YEAR = 2000, 2199


def plausible_date(form, field):
    if field.data and not FIRST_YEAR <= field.data.year <= LAST_YEAR:
        raise ValidationError(
            _l("Enter a date between %(first)d and %(last)d.", first=FIRST_YEAR, last=LAST_YEAR)
        )


def check_timezone(form, field):
    if field.data and not is_known_timezone(field.data):
        raise ValidationError(
            _l(
                "“%(zone)s” is not a known time zone. Use a name such as Europe/Paris.",
                zone=field.data,
            )
        )


def check_territory(form, field):
    codes = [
        c.strip().upper() for c in (field.data or "").replace(";", ",").split(",") if c.strip()
    ]
    # Countries phone numbers can be read for (phonenumbers' regions): not "EU", "UN" or "ZZ",
    # which Babel knows as territories but no phone number belongs to.
    known = set(Locale("en").territories) & phonenumbers.SUPPORTED_REGIONS
    unknown = [c for c in codes if len(c) != 2 or c not in known]
    if unknown:
        raise ValidationError(
            _l(
                "Unknown country codes: %(codes)s. Use ISO codes such as FR, BE, CH.",
                codes=", ".join(unknown),
            )
        )
    field.data = ",".join(dict.fromkeys(codes))
