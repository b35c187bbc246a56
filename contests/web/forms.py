"""The base of every form: Flask-WTF, with WTForms' own messages loaded once per language.

Flask-WTF reads WTForms' catalog from disk on every request ("Not a valid integer value" and
friends); on the public entry POST that was a measurable share of the request.
"""

from __future__ import annotations

import unicodedata
from functools import cache

from babel import support
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.i18n import messages_path


@cache
def _catalog(locale: str) -> support.Translations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class _WTFormsMessages:
    """The gettext object WTForms asks for, bound to the request's language at call time."""

    def gettext(self, string: str) -> str:
        return _catalog(str(get_locale())).ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return _catalog(str(get_locale())).ungettext(singular, plural, n)


_MESSAGES = _WTFormsMessages()

CONTROL_CHARACTERS = _l("Remove the invisible control characters from this field.")


#: Characters nobody types: C0/C1 controls (NUL included, which PostgreSQL refuses in any text),
#: format characters (bidi overrides that reorder a name), surrogates, private use.
_INVISIBLE = ("Cc", "Cf", "Cs", "Co")


def has_control_characters(text: str) -> bool:
    """Whether ``text`` holds a character no person types (tabs and line breaks excepted).

    Printable text (``str.isprintable``, in C) has none of them: only the rest is looked at
    character by character.
    """
    return not text.isprintable() and any(
        unicodedata.category(ch) in _INVISIBLE for ch in text if ch not in "\t\r\n"
    )


class Form(FlaskForm):
    """Every form refuses invisible control characters in its text fields, with a message on the
    field (the entrant's other answers are kept), before any value reaches the database."""

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        for field in self:
            if (
                isinstance(field.data, str)
                and has_control_characters(field.data)
                and not field.errors
            ):
                field.errors = [*field.errors, CONTROL_CHARACTERS]
                ok = False
        return ok

    class Meta:
        def get_translations(self, form):
            # A form lives within one request, so within one language: resolved once, not per
            # message.
            locale = get_locale()
            return _catalog(str(locale)) if locale is not None else _MESSAGES
