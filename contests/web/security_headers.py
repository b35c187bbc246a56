"""One place that sets the security headers on every response."""

from __future__ import annotations

from functools import lru_cache

from flask import Flask, Response, request

#: Views may loosen framing by setting ``response.frame_ancestors`` (the embed views will).
DEFAULT_FRAME_ANCESTORS = "'none'"


@lru_cache(maxsize=64)
def content_security_policy(frame_ancestors: str) -> str:
    """The policy for a response framed by ``frame_ancestors`` (a handful of values: built once
    each)."""
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            f"frame-ancestors {frame_ancestors}",
        )
    )


#: Set on every response that does not set its own.
_ALWAYS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)


def install(app: Flask) -> None:
    @app.after_request
    def set_security_headers(response: Response) -> Response:
        # One look at the headers already there, then plain additions: each ``setdefault`` went
        # through all of them again (a tenth of Werkzeug's share of an entry, issue 19).
        present = {key.lower() for key, _ in response.headers}

        def default(key: str, value: str) -> None:
            if key.lower() not in present:
                response.headers.add(key, value)

        frame_ancestors = getattr(response, "frame_ancestors", DEFAULT_FRAME_ANCESTORS)
        default("Content-Security-Policy", content_security_policy(frame_ancestors))
        if frame_ancestors == DEFAULT_FRAME_ANCESTORS:
            default("X-Frame-Options", "DENY")
        for key, value in _ALWAYS:
            default(key, value)
        if request.is_secure:
            default("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if request.endpoint and not request.endpoint.startswith(("public.", "static")):
            # Organizer pages hold personal data: keep them out of shared caches and history.
            default("Cache-Control", "no-store")
        return response
