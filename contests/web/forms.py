"""The base of every form: Flask-WTF, with WTForms' own messages loaded once per language.

Flask-WTF reads WTForms' catalog from disk on every request ("Not a valid integer value" and
friends); on the public entry POST that was a measurable share of the request.
"""

from __future__ import annotations

from functools import cache

from babel import support
from flask_babel import get_locale
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


class Form(FlaskForm):
    class Meta:
        def get_translations(self, form):
            # A form lives within one request, so within one language: resolved once, not per
            # message.
            locale = get_locale()
            return _catalog(str(locale)) if locale is not None else _MESSAGES
