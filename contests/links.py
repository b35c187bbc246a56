"""The public addresses printed in mail, PDFs, rules, QR codes and embed snippets.

They always come from the configured ``BASE_URL``, never from the request: a request's ``Host``
header is whatever the sender typed, and a confirmation link or a QR code built from it would
carry a valid token to the sender's own site (host header poisoning). Requests for a host that is
not trusted are refused anyway (``TRUSTED_HOSTS``, derived from ``BASE_URL`` by default).
"""

from __future__ import annotations

from flask import current_app, url_for


def public_base() -> str:
    """``https://jeux.example.org``: the app's public address, without a trailing slash."""
    return current_app.config["BASE_URL"].rstrip("/")


def public_url(path: str) -> str:
    """The public address of a path of the app (``/c/demo`` -> ``https://jeux.example.org/c/demo``)."""
    return public_base() + path


def external_url(endpoint: str, **values) -> str:
    """``url_for`` made absolute on the public address rather than on the request's host."""
    return public_base() + url_for(endpoint, **values)
