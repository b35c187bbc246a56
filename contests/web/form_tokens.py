"""Signed, expiring, per-contest form tokens: CSRF protection that needs no cookie.

An entry form embedded on a client's site lives in a third-party iframe, where Safari and
in-app browsers drop cookies, so a session-bound CSRF token would fail there. The token is
signed with the app's secret, names the contest, and carries the time it was issued, which
also gives the minimum fill time that stops naive bots.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from functools import lru_cache

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

SALT = "entry-form"


class FormTokenError(Exception):
    """``reason`` is one of: invalid, expired, too_fast."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@lru_cache(maxsize=8)
def _serializer(secret: str) -> URLSafeTimedSerializer:
    """One per secret: building one derives its key again (every page and every entry)."""
    return URLSafeTimedSerializer(secret, salt=SALT)


def issue_token(secret: str, contest_id: int) -> str:
    return _serializer(secret).dumps({"c": contest_id, "n": secrets.token_hex(8)})


def issue_shared_token(secret: str, contest_id: int, issued_at: int) -> str:
    """The same token for every visitor of a time slot, so that a page carrying it can be cached.

    The minimum fill time then counts from the start of the slot: up to a slot weaker against
    bots that wait, which the honeypot and the rate limits still catch.
    """

    class SlotSigner(TimestampSigner):
        def get_timestamp(self) -> int:  # itsdangerous' hook for the signing time
            return issued_at

    return URLSafeTimedSerializer(secret, salt=SALT, signer=SlotSigner).dumps({"c": contest_id})


def check_token(
    secret: str, token: str, contest_id: int, now: datetime, min_seconds: float, max_age: int
) -> None:
    """Accept a token issued for this contest at least ``min_seconds`` and at most ``max_age``
    ago."""
    try:
        payload, issued = _serializer(secret).loads(
            token or "", max_age=max_age, return_timestamp=True
        )
    except SignatureExpired:
        raise FormTokenError("expired") from None
    except BadSignature:
        raise FormTokenError("invalid") from None
    if not isinstance(payload, dict) or payload.get("c") != contest_id:
        raise FormTokenError("invalid")
    if (now - issued.astimezone(UTC)).total_seconds() < min_seconds:
        raise FormTokenError("too_fast")
