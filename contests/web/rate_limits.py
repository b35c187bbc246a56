"""Flask-Limiter's check before every request, kept only when it has a limit to check.

Every limit of contests belongs to a route (``@limiter.limit`` on the view), and that decorator
checks it when the view runs. The ``before_request`` check Flask-Limiter installs on every app
evaluates the limits no route declares: default, application and meta limits, and a blueprint's
own. contests configures none of those, so that check found nothing to do on every request. Yet
it cost an entry 0.34 M instructions, a sixteenth of its CPU, more than the same check costs the
bench's reference, which has no blueprint (issue 19).

The check is removed only while there is nothing for it to check. A deployment that sets
``RATELIMIT_DEFAULT``, ``RATELIMIT_APPLICATION`` or ``RATELIMIT_META``, or a blueprint limit
added later, keeps it. The after-request hook stays: it deducts the sign-in limit only from
failed sign-ins (``deduct_when``).
"""

from __future__ import annotations

from flask import Flask
from flask_limiter import Limiter


def limits_outside_routes(limiter: Limiter) -> bool:
    """Whether ``limiter`` has a limit that only its ``before_request`` check evaluates."""
    manager = limiter.limit_manager
    return bool(
        manager.default_limits
        or manager.application_limits
        or limiter._meta_limits
        or manager._blueprint_limits
    )


def drop_idle_check(app: Flask, limiter: Limiter) -> None:
    """Remove ``limiter``'s ``before_request`` check from ``app`` if it has nothing to check.

    Call it once the blueprints are registered, since a blueprint's limits are declared when it
    is imported. Raises ValueError if Flask-Limiter no longer installs its check this way, so a
    new version that changed it fails the tests instead of passing silently."""
    if limits_outside_routes(limiter):
        return
    app.before_request_funcs[None].remove(limiter._check_request_limit)
