"""The rules typeset as their language is printed: what a lawyer or a proofreader would fix.

Templates are written with plain spaces and straight quotes (easy to edit, easy to diff); the
rendered HTML is then set for its language, in its text only (never inside a tag):

- French: a no-break space inside « » and before « : », a narrow no-break space before « ; ! ? »
  (so that « never ends a line and ; never starts one), as the Imprimerie nationale's rules ask,
  and typographic apostrophes (l’Organisateur);
- English: curly quotes and apostrophes (“Promoter”, Promoter’s).

And the dates and time zones people say: « 1er décembre », « heure de Paris », "Paris time".
"""

from __future__ import annotations

import re

from babel.dates import get_timezone_location

NBSP, NARROW_NBSP = "\u00a0", "\u202f"
_TAG = re.compile(r"(<[^>]*>)")
_FRENCH = [
    (re.compile(r"«[ \u00a0]*"), "«" + NBSP),
    (re.compile(r"[ \u00a0]*»"), NBSP + "»"),
    (re.compile(r"[ \u00a0\u202f]+([;!?])"), NARROW_NBSP + r"\1"),
    # A colon after a word, not inside "https://" nor a time ("09:00"): spaced ones only.
    (re.compile(r"[ \u00a0]+:"), NBSP + ":"),
]
_OPENING = re.compile(r'(^|[\s(\[\u2014\u2013-])(?:"|&#34;|&quot;)')
_CLOSING = re.compile(r'(?:"|&#34;|&quot;)')
_APOSTROPHE = re.compile(r"'|&#39;|&#x27;")


def _text_only(html: str, change) -> str:
    """Apply ``change`` to the text between tags, leaving the tags (and their attributes) as
    they are."""
    parts = _TAG.split(html)
    return "".join(part if part.startswith("<") else change(part) for part in parts)


def _french(text: str) -> str:
    for pattern, replacement in _FRENCH:
        text = pattern.sub(replacement, text)
    return _APOSTROPHE.sub("\u2019", text)


def _english(text: str) -> str:
    text = _APOSTROPHE.sub("\u2019", text)
    text = _OPENING.sub(lambda m: m.group(1) + "\u201c", text)
    return _CLOSING.sub("\u201d", text)


def typeset(html: str, language: str) -> str:
    """The rendered rules, typeset for ``language`` (fr or en)."""
    if language == "fr":
        return _text_only(html, _french)
    if language == "en":
        return _text_only(html, _english)
    return html


def first_of_month(written: str, day: int, language: str) -> str:
    """« 1 décembre 2026 » is written « 1er décembre 2026 » in French."""
    if language == "fr" and day == 1 and written.startswith("1 "):
        return "1er " + written[2:]
    return written


#: Zones that the time zone database keeps as another's alias, whose people name their own city
#: (Babel would say Toronto for Montreal).
_OWN_CITY = {"America/Montreal": {"fr": "Montréal", "en": "Montreal"}}


def local_time(zone: str, language: str) -> str:
    """The zone as people say it: « heure de Paris », « heure d’Amsterdam », "Paris time"."""
    if zone in ("UTC", "Etc/UTC"):
        return "heure UTC" if language == "fr" else "UTC"
    city = _OWN_CITY.get(zone, {}).get(language) or get_timezone_location(
        zone, locale=language, return_city=True
    )
    if language == "fr":
        elided = city[:1].upper() in "AEIOUYÀÂÉÈÊÎÔÛ"
        return f"heure d’{city}" if elided else f"heure de {city}"
    return f"{city} time"
