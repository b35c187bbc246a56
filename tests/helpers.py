"""Helpers the tests share: post a form like a browser, fill the entry form, sign in."""
from __future__ import annotations

import re

#: The password every test organizer gets.
PASSWORD = "correct horse battery staple"

_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1) or match.group(2)


def post_form(client, url: str, data: dict | None = None, page: str | None = None, **kwargs):
    """Post like a browser: fetch the form page first and send its CSRF token back."""
    html = client.get(page or url).get_data(as_text=True)
    payload = {"csrf_token": csrf_from(html), **(data or {})}
    return client.post(url, data=payload, **kwargs)


FORM_TOKEN = re.compile(r'name="form_token" type="hidden" value="([^"]+)"')


def enter(client, slug: str, headers: dict | None = None, **fields):
    """Fill a contest's public entry form like a browser: fetch it, send its token back."""
    html = client.get(f"/c/{slug}").get_data(as_text=True)
    match = FORM_TOKEN.search(html)
    assert match, "no entry form on the page"
    data = {"form_token": match.group(1), "first_name": "Zoé", "last_name": "Durand",
            "email": "zoe@example.org", "accept_rules": "y", **fields}
    data = {key: value for key, value in data.items() if value is not None}
    return client.post(f"/c/{slug}", data=data, headers=headers or {})


def sign_in(client, email: str, password: str = PASSWORD):
    return post_form(client, "/auth/login", {"email": email, "password": password})
