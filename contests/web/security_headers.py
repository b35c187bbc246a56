"""One place that sets the security headers on every response."""

from __future__ import annotations

from flask import Flask, Response, request

#: Views may loosen framing by setting ``response.frame_ancestors`` (the embed views will).
DEFAULT_FRAME_ANCESTORS = "'none'"


def content_security_policy(frame_ancestors: str) -> str:
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


def install(app: Flask) -> None:
    @app.after_request
    def set_security_headers(response: Response) -> Response:
        frame_ancestors = getattr(response, "frame_ancestors", DEFAULT_FRAME_ANCESTORS)
        response.headers.setdefault(
            "Content-Security-Policy", content_security_policy(frame_ancestors)
        )
        if frame_ancestors == DEFAULT_FRAME_ANCESTORS:
            response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"
        )
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if request.is_secure:
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        if request.endpoint and not request.endpoint.startswith(("public.", "static")):
            # Organizer pages hold personal data: keep them out of shared caches and history.
            response.headers.setdefault("Cache-Control", "no-store")
        return response
