"""Security headers on every kind of page."""

import pytest

from helpers import sign_in


@pytest.mark.parametrize("path", ["/auth/login", "/c/does-not-exist", "/static/app.css"])
def test_headers_on_public_and_error_pages(app, client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert (
        "frame-ancestors 'none'" in csp
        and "default-src 'self'" in csp
        and "script-src 'self'" in csp
    )
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    response.close()


def test_admin_pages_are_not_frameable_nor_cached(app, client, factory):
    alice = factory.user("alice@example.org")
    organization = factory.organization(owner=alice)
    sign_in(client, "alice@example.org")
    response = client.get(f"/admin/o/{organization.id}/")
    assert response.status_code == 200
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"


def test_unknown_page_is_a_friendly_404(app, client):
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_organizer_text_is_escaped(app, client, factory):
    alice = factory.user("alice@example.org")
    organization = factory.organization("<script>alert(1)</script>", owner=alice)
    factory.contest(organization, title="<img src=x onerror=alert(1)>", publish=True, slug="xss")
    sign_in(client, "alice@example.org")
    for path in (f"/admin/o/{organization.id}/", "/c/xss", "/admin/organizations"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html, path
        assert "&lt;" in html


def test_typed_values_echoed_in_error_messages_are_escaped(app, client, factory):
    """Validation messages quote what was typed; that text must not become markup."""
    from helpers import post_form

    alice = factory.user("alice@example.org")
    organization = factory.organization(owner=alice)
    sign_in(client, "alice@example.org")
    response = post_form(
        client,
        f"/admin/o/{organization.id}/contests/new",
        {
            "title": "t",
            "timezone": "<script>alert(1)</script>",
            "territory": "<b>x</b>",
            "alternates_per_prize": "1",
            "language": "fr",
            "jurisdiction": "FR",
            "mechanic": "random_draw",
            "entry_policy": "once",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<script>alert(1)</script>" not in html and "<B>X</B>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;” is not a known time zone" in html
